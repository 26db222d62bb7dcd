"""``store run --workers 2`` for real: /metrics counts the requests of both workers, whichever of
them answers the scrape; the log is one JSON line per request (STORE_LOG_FORMAT=json) with no
server access lines besides; X-Request-ID comes back; and a worker that stops cleanly takes its
live gauges out of the sums.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from . import server
from .test_under_load import _store

pytestmark = pytest.mark.load

ROUTE = "/api/v1/regions"
BATCH = 40
CLIENTS = 8


def _total(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "store_http_requests_total" and sample.labels == {
                "route": ROUTE,
                "method": "GET",
                "status": "200",
            }:
                return float(sample.value)
    return 0.0


def _per_worker(folder: Path) -> dict[int, float]:
    """Each worker's own count of the requests to ROUTE, read from its file."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        for metric in MultiProcessCollector.merge([str(path)]):
            for sample in metric.samples:
                if sample.name == "store_http_requests_total" and sample.labels.get("route") == ROUTE:
                    counts[pid] = counts.get(pid, 0.0) + sample.value
    return counts


def _ask(url: str, n: int) -> None:
    """``n`` GETs from CLIENTS threads, each on a new connection, so both workers get some."""

    def one(_: int) -> int:
        return httpx.get(url + ROUTE, headers={"Connection": "close"}, timeout=15).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(one, range(n)))
    assert statuses == [200] * n


def test_metrics_sum_every_worker_and_the_log_is_json(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    env = server.server_env(var_dir, f"sqlite+aiosqlite:///{var_dir / 'store.db'}")
    env["STORE_LOG_FORMAT"] = "json"
    metrics_dir = var_dir / "metrics"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "counter_1.db").write_bytes(b"left over from an earlier run")
    migrated = subprocess.run(
        [*_store(), "migrate"], env=env, cwd=server.ROOT, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr
    log_path = tmp_path / "server.log"

    def command(port: int) -> list[str]:
        return [*_store(), "run", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]

    process, url = server.start(command, env, log_path)
    try:
        assert not (metrics_dir / "counter_1.db").exists()  # emptied at start
        asked = 0
        # Connections go to whichever worker accepts first; ask until both have answered some.
        while len(_per_worker(metrics_dir)) < 2 and asked < 10 * BATCH:
            _ask(url, BATCH)
            asked += BATCH
        per_worker = _per_worker(metrics_dir)
        assert len(per_worker) == 2, f"one worker answered all {asked} requests: {per_worker}"
        assert sum(per_worker.values()) == asked
        # Any worker may answer a scrape; each answer is the sum over both.
        totals = {_total(httpx.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=15).text)}
        for _ in range(7):
            totals.add(_total(httpx.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=15).text))
        assert totals == {asked}, f"scrapes disagree: {totals}, per worker {per_worker}"

        echoed = httpx.get(f"{url}/no/such/page", headers={"X-Request-ID": "e2e-trace-1"}, timeout=15)
        assert echoed.status_code == 404 and echoed.headers["x-request-id"] == "e2e-trace-1"
        assert "e2e-trace-1" in echoed.text
        refused = httpx.get(f"{url}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=15)
        assert refused.status_code == 403  # a proxy on this machine passes on the real client
        live_gauges = list(metrics_dir.glob("gauge_livesum_*.db"))
        assert len(live_gauges) == 2
    finally:
        server.stop(process)

    # Stopped cleanly: each worker took its live gauge out; the counters stay for the record.
    assert not list(metrics_dir.glob("gauge_livesum_*.db"))
    log = log_path.read_text(errors="replace").splitlines()
    lines = [json.loads(line) for line in log if line.startswith("{")]
    assert len(lines) == len(log), [line for line in log if not line.startswith("{")][:5]
    access = [line for line in lines if line["logger"] == "store.access"]
    ours = [line for line in access if line["path"] == ROUTE]
    assert len(ours) == asked
    assert {line["route"] for line in ours} == {ROUTE} and {line["status"] for line in ours} == {200}
    assert all(len(line["request_id"]) == 32 and line["duration_ms"] >= 0 for line in ours)
    assert any(line["request_id"] == "e2e-trace-1" and line["status"] == 404 for line in access)
    assert not [line for line in lines if line["logger"].startswith("uvicorn.access")]
