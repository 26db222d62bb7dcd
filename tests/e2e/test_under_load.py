"""The real server under concurrent requests: it stays up and answers every one of them.

Under CPython 3.11 the server process died with a segmentation fault within a second or two of 8
concurrent clients on the catalog (issue 6; README, "Which Python"). This runs ``store run``, the
command ``make run`` ends with, on a database migrated and seeded with the demo catalog by the
``store`` commands, puts 8 clients on the heaviest pages for a few seconds, once with one process
and once with ``--workers 2``, and fails if the process died, a worker crashed or any request got
anything but a 200. With two workers it also runs on PostgreSQL (a database of its own on the
test server, dropped afterwards) and on granian (``--server granian``), and counts the workers
started: one start each, no replacement. Minutes of load: ``python -m benchmarks soak``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from . import server

pytestmark = pytest.mark.load

CLIENTS = 8
#: per server: first all clients on the catalog, then spread over every page (3.11 died after
#: 20-160 catalog requests, within 2 s)
CATALOG_SECONDS = 4.0
ALL_PAGES_SECONDS = 2.0
REQUEST_TIMEOUT = 15.0
#: what a crash leaves in the log: faulthandler's report, or uvicorn's supervisor noticing a worker
CRASH_SIGNS = ("Fatal Python error", "died")
#: what each server writes when it starts a worker process (uvicorn's single process: the same)
WORKER_STARTS = {"uvicorn": "Started server process", "granian": "Spawning worker-"}


def _store() -> list[str]:
    """The ``store`` console script (.venv/bin/store), run by the interpreter running the tests
    rather than by its shebang, so the Python under test is the one pytest runs on."""
    script = Path(sys.executable).with_name("store")
    return [sys.executable, str(script)] if script.exists() else [sys.executable, "-m", "store.cli"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL: a SQLite file, or a database of its own on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('load-db') / 'store.db'}"
        return
    from tests.conftest import _create_pg_database, _drop_pg_database, _pg_url

    name = f"store_test_load_{uuid.uuid4().hex[:12]}"
    server.in_thread(lambda: _create_pg_database(name))
    try:
        yield _pg_url(name)
    finally:
        server.in_thread(lambda: _drop_pg_database(name))


@pytest.fixture(scope="module")
def demo_env(database: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A var dir of its own with the demo catalog, made the way an operator makes it."""
    var_dir = tmp_path_factory.mktemp("load-var")
    env = server.server_env(var_dir, database)
    env["PYTHONFAULTHANDLER"] = "1"  # a crash leaves its Python traceback in the log
    for command in ("migrate", "seed-demo"):
        done = subprocess.run(
            [*_store(), command], env=env, cwd=server.ROOT, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            pytest.fail(f"store {command} failed:\n{done.stdout}\n{done.stderr}")
    return env


def _heaviest_pages(url: str) -> list[str]:
    """The catalog (full and filtered), an app's page, the API listing and the home page."""
    listing = httpx.get(f"{url}/api/v1/apps", params={"per_page": 1}, timeout=REQUEST_TIMEOUT)
    assert listing.status_code == 200, listing.text
    items = listing.json()["items"]
    assert items, "the demo catalog has no published app"
    return ["/apps", "/apps?category=services", f"/apps/{items[0]['slug']}", "/api/v1/apps", "/"]


def _get(port: int, path: str) -> str | None:
    """One GET on a connection of its own, as ``ab`` does; None if it answered 200 in full, else
    what went wrong. Plain sockets, not httpx: eight httpx clients in one process spend so much
    CPU between requests that 3.11 survived them, while eight of these kill it every time."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT) as conn:
            conn.sendall(request.encode())
            response = bytearray()
            while chunk := conn.recv(65536):
                response += chunk
    except OSError as exc:
        return f"{type(exc).__name__} on {path}: {exc}"
    head, _, body = bytes(response).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200 "):
        return f"{lines[0] or 'no answer'} from {path}"
    lengths = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("content-length:")]
    if lengths and int(lengths[0]) != len(body):
        return f"{path}: {len(body)} of {lengths[0]} bytes"
    return None


def _hammer(port: int, rounds: list[list[str]], seconds: float) -> tuple[Counter[str], list[str]]:
    """A thread per entry of ``rounds`` asks its paths in turn for ``seconds``. Returns how often
    each path was asked and every failure."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    asked: Counter[str] = Counter()
    failures: list[str] = []

    def client(paths: list[str]) -> None:
        turn = 0
        while time.monotonic() < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            failure = _get(port, path)
            with lock:
                asked[path] += 1
                if failure:
                    failures.append(failure)
            if failure:
                time.sleep(0.1)  # a dead server refuses at once: do not spin

    with ThreadPoolExecutor(len(rounds)) as pool:
        list(pool.map(client, rounds))
    return asked, failures


def _crash_report(log: str) -> str:
    """faulthandler's first report, shortened to the fault and the crashing thread's stack."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if "Fatal Python error" in line]
    if not starts:
        return ""
    report = lines[starts[0] :]
    current = next((i for i, line in enumerate(report) if line.startswith("Current thread")), 0)
    return "\n".join(["first crash:", *report[:1], *report[current : current + 16]])


@pytest.mark.parametrize(
    ("server_name", "workers"), [("uvicorn", 1), ("uvicorn", 2), ("granian", 2)], ids=["1", "2", "granian-2"]
)
def test_the_server_survives_concurrent_requests_to_the_heaviest_pages(
    database: str, demo_env: dict[str, str], tmp_path: Path, server_name: str, workers: int
) -> None:
    if database.startswith("postgresql") and workers == 1:
        pytest.skip("one process on PostgreSQL adds nothing the two-worker runs do not cover")
    log_path = tmp_path / "server.log"

    def command(port: int) -> list[str]:
        return [*_store(), "run", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--server", server_name]  # fmt: skip

    process, url = server.start(command, demo_env, log_path)
    try:
        port = int(url.rsplit(":", 1)[1])
        # The catalog alone first, on the server as it starts. With one process, 3.11 survived
        # the load spread over all five pages, and it survived the catalog alone when a single
        # request to /api/v1/apps had come before (5 runs of 5); straight after start, the
        # catalog alone killed it every time.
        asked, failures = _hammer(port, [["/apps"]] * CLIENTS, CATALOG_SECONDS)
        paths = ["/apps"]
        if process.poll() is None:
            paths = _heaviest_pages(url)
            rotations = [paths[i % len(paths) :] + paths[: i % len(paths)] for i in range(CLIENTS)]
            more_asked, more_failures = _hammer(port, rotations, ALL_PAGES_SECONDS)
            asked += more_asked
            failures += more_failures
        alive = process.poll() is None
        health = httpx.get(f"{url}/health", timeout=REQUEST_TIMEOUT).status_code if alive else None
    finally:
        server.stop(process)
    log = log_path.read_text(errors="replace")
    context = (
        f"asked: {dict(asked)}\n{_crash_report(log)}\nend of the server log:\n{server.log_tail(log_path, 20)}"
    )

    assert alive, f"the server process died under load (exit code {process.returncode})\n{context}"
    assert not failures, f"{len(failures)} requests failed, the first: {failures[:10]}\n{context}"
    assert not [sign for sign in CRASH_SIGNS if sign in log], f"a worker crashed\n{context}"
    assert log.count(WORKER_STARTS[server_name]) == workers, f"a worker was replaced\n{context}"
    assert health == 200, f"/health answered {health} after the load\n{context}"
    # the load really happened: every page was asked, each several times
    assert set(asked) == set(paths), context
    assert min(asked.values()) >= CLIENTS, context
