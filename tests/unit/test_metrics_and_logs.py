"""Request ids, who may read /metrics, the metrics folder, log lines and their settings — without a
database. Summing over processes runs real child processes (prometheus_client chooses its mode
at import, from the environment)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from store.lib import metricsdir, requestid
from store.lib.logs import JsonFormatter, logging_config
from store.settings import MonitoringSettings, SettingsError, load_settings
from store.site.metrics import may_read

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-0123456789"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (b"abc", True),
        (b"A-Z_a.z-09", True),
        (b"x" * 64, True),
        (b"x" * 65, False),
        (b"", False),
        (b"a b", False),
        (b"a\nb", False),
        (b"a\r\nSet-Cookie: x=1", False),
        ("请求".encode(), False),
        (b"id;drop", False),
        (b"%0a", False),
    ],
)
def test_a_request_id_is_kept_only_when_short_and_plain(sent: bytes, kept: bool) -> None:
    got = requestid.from_headers([(b"host", b"x"), (b"x-request-id", sent)])
    if kept:
        assert got == sent.decode()
    else:
        assert got != sent.decode("utf-8", "replace") and len(got) == 32 and got.isalnum()


def test_without_a_request_id_each_request_gets_a_new_one() -> None:
    ids = {requestid.from_headers([(b"host", b"x")]) for _ in range(100)}
    assert len(ids) == 100


@pytest.mark.parametrize(
    ("allow", "token", "authorization", "client", "expected"),
    [
        (("127.0.0.1/32", "::1/128"), "", "", "127.0.0.1", True),
        (("127.0.0.1/32", "::1/128"), "", "", "::1", True),
        (("127.0.0.1/32", "::1/128"), "", "", "::ffff:127.0.0.1", True),  # IPv4 on a dual-stack socket
        (("127.0.0.1/32", "::1/128"), "", "", "127.0.0.2", False),
        (("127.0.0.1/32", "::1/128"), "", "", "10.0.0.1", False),
        (("10.0.0.0/8",), "", "", "10.200.3.4", True),
        (("10.0.0.0/8",), "", "", "11.0.0.1", False),
        ((), "", "", "127.0.0.1", False),  # an empty list allows no network
        (("127.0.0.1/32",), "", "", None, False),
        (("127.0.0.1/32",), "", "", "testclient", False),
        ((), TOKEN, f"Bearer {TOKEN}", "203.0.113.1", True),
        ((), TOKEN, f"Bearer  {TOKEN} ", "203.0.113.1", True),
        ((), TOKEN, f"Bearer {TOKEN[:-1]}", "203.0.113.1", False),
        ((), TOKEN, TOKEN, "203.0.113.1", False),
        ((), TOKEN, f"Basic {TOKEN}", "203.0.113.1", False),
        ((), "", "Bearer ", "203.0.113.1", False),  # no token configured: an empty one is no key
        ((), TOKEN, "Bearer 中文", "203.0.113.1", False),
    ],
)
def test_who_may_read_metrics(
    allow: tuple[str, ...], token: str, authorization: str, client: str | None, expected: bool
) -> None:
    monitoring = MonitoringSettings(metrics_token=token, metrics_allow=allow)
    assert may_read(monitoring, authorization, client) is expected


def test_the_token_stays_out_of_the_settings_repr() -> None:
    assert TOKEN not in repr(MonitoringSettings(metrics_token=TOKEN))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORE_LOG_FORMAT", "xml"),
        ("STORE_METRICS_TOKEN", "short"),
        ("STORE_METRICS_ALLOW", "127.0.0.1/32,localhost"),
        ("STORE_METRICS_ALLOW", "10.0.0.0/33"),
    ],
)
def test_bad_monitoring_settings_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings().check()


def test_monitoring_settings_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STORE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("STORE_METRICS_DIR", raising=False)
    monkeypatch.setenv("STORE_LOG_FORMAT", " JSON ")
    monkeypatch.setenv("STORE_METRICS_ALLOW", "10.0.0.0/8, 192.168.1.7 ,")
    monkeypatch.setenv("STORE_METRICS_TOKEN", TOKEN)
    settings = load_settings()
    settings.check()
    assert settings.monitoring == MonitoringSettings(
        log_format="json",
        metrics_token=TOKEN,
        metrics_allow=("10.0.0.0/8", "192.168.1.7"),
        metrics_dir=tmp_path / "metrics",
    )


def test_preparing_the_metrics_folder_removes_only_metric_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(metricsdir.ENV_VAR, raising=False)
    folder = tmp_path / "metrics"
    folder.mkdir()
    old = ["counter_123.db", "histogram_123.db", "gauge_livesum_123.db", "gauge_all_9.db", "summary_1.db"]
    kept = ["notes.txt", "counter_abc.db", "store.db"]
    for name in old + kept:
        (folder / name).write_bytes(b"x")
    (folder / "counter_7.db.d").mkdir()
    assert metricsdir.prepare(folder) == folder.resolve()
    assert sorted(p.name for p in folder.iterdir()) == sorted([*kept, "counter_7.db.d"])
    assert os.environ[metricsdir.ENV_VAR] == str(folder.resolve())
    missing = tmp_path / "new" / "metrics"
    metricsdir.prepare(missing)
    assert missing.is_dir()


def test_json_lines_carry_the_request_id_extra_fields_and_the_traceback() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord("store.x", logging.ERROR, __file__, 1, "失败 %s", ("了",), None)
    record.route = "/apps"
    token = requestid.current.set("rid-1")
    try:
        line = json.loads(formatter.format(record))
    finally:
        requestid.current.reset(token)
    assert line["message"] == "失败 了" and line["level"] == "ERROR" and line["logger"] == "store.x"
    assert line["request_id"] == "rid-1" and line["route"] == "/apps"
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert "args" not in line and "msg" not in line  # only the rendered message
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("store.x", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    outside = json.loads(formatter.format(failed))
    assert "request_id" not in outside
    assert "ValueError: boom" in outside["exception"]


def _run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_server_logging_config_writes_json_and_silences_the_servers_access_log() -> None:
    out = _run(
        """
        import logging, logging.config
        from store.lib.logs import logging_config
        logging.config.dictConfig(logging_config("json"))
        logging.getLogger("uvicorn.access").info("server access line")
        logging.getLogger("uvicorn.error").info("Started server process")
        logging.getLogger("store.access").info("GET / 200", extra={"status": 200})
        logging.getLogger("search").debug("not at INFO")
        """,
        {},
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("uvicorn.error", "Started server process"),
        ("store.access", "GET / 200"),
    ]
    assert lines[1]["status"] == 200
    assert logging_config("text")["formatters"]["store"]["()"].endswith("TextFormatter")


def test_every_process_is_summed_when_the_folder_is_shared(tmp_path: Path) -> None:
    env = {metricsdir.ENV_VAR: str(tmp_path)}
    record = """
        from store.lib import metrics
        for _ in range({n}):
            metrics.request_done("/apps", "GET", 200, 0.01)
        metrics.uploaded("package", 100)
        metrics.IN_PROGRESS.inc()
        """
    _run(record.format(n=3), env)
    _run(record.format(n=4), env)
    out = _run(
        """
        from store.lib import metrics
        from prometheus_client.parser import text_string_to_metric_families
        metrics.forget_dead_workers()  # what a new worker does at start-up
        body, _ = metrics.exposition("")
        for family in text_string_to_metric_families(body.decode()):
            for s in family.samples:
                print(s.name, dict(sorted(s.labels.items())), s.value)
        """,
        env,
    )
    assert "store_http_requests_total {'method': 'GET', 'route': '/apps', 'status': '200'} 7.0" in out
    assert "store_http_request_duration_seconds_count {'method': 'GET', 'route': '/apps'} 7.0" in out
    assert "store_upload_bytes_total {'kind': 'package'} 200.0" in out
    # Both recording processes have exited without a clean shutdown: the next worker to start
    # drops their in-progress requests (their counters stay).
    assert "store_http_requests_in_progress {} 0.0" in out
    assert not list(tmp_path.glob("gauge_livesum_*.db"))[1:]  # only the reading process's own is left


def test_odd_methods_share_one_label() -> None:
    from prometheus_client import REGISTRY

    from store.lib import metrics

    def count(method: str) -> float:
        labels = {"route": "/x/{y}", "method": method, "status": "405"}
        return REGISTRY.get_sample_value("store_http_requests_total", labels) or 0.0

    before = count("other")
    for method in ("FOO", "BAR1", "get"):
        metrics.request_done("/x/{y}", method, 405, 0.001)
    assert count("other") - before == 3
    assert not [key for key in metrics._request_series if key[1] not in metrics.METHODS]
