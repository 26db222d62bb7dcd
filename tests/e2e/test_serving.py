"""`store run` on uvicorn and on granian, for real: what a slow or idle client may hold, and a
graceful stop that lets an upload in flight finish (README, "Running in production").

Each server is started once with short timeouts (1-2 s), then: a request body that stalls gets
408; headers sent a line at a time, headers cut off mid-line, a connection that never sends a byte
and an idle connection after an answer are closed, each no sooner than its timeout and at most a
few seconds after it; headers of 2 MB get 431;
and an upload that is half sent when SIGTERM reaches the server's main process (as ``docker
stop`` sends it) still completes with 201, its row and file in place, before the server exits.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from store.db.engine import create_engine, session_maker
from store.settings import DatabaseSettings
from tests.factories import app_payload, make_token, make_user

from . import server
from .test_under_load import _store

HEADER_SECONDS = 2
KEEP_ALIVE_SECONDS = 1
BODY_SECONDS = 2
#: how much later than its timer a server may close (a busy machine is slow to schedule it)
SLACK = 4.0


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    """A migrated SQLite store and the API token of a Shenzhen publisher."""
    var_dir = tmp_path_factory.mktemp("serving-var")
    url = f"sqlite+aiosqlite:///{var_dir / 'store.db'}"
    env = server.server_env(var_dir, url)
    env.update(
        STORE_HEADER_TIMEOUT_SECONDS=str(HEADER_SECONDS),
        STORE_KEEP_ALIVE_SECONDS=str(KEEP_ALIVE_SECONDS),
        STORE_BODY_TIMEOUT_SECONDS=str(BODY_SECONDS),
        STORE_SHUTDOWN_GRACE_SECONDS="30",
    )
    done = subprocess.run(
        [*_store(), "migrate"], env=env, cwd=server.ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr

    async def publisher_token() -> str:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with session_maker(engine)() as session:
                user = await make_user(session, "city_staff", "440300", username="serving-publisher")
                return await make_token(session, user)
        finally:
            await engine.dispose()

    # In a thread: a test of another module may hold this thread's event loop.
    token: list[str] = []
    thread = threading.Thread(target=lambda: token.append(asyncio.run(publisher_token())))
    thread.start()
    thread.join()
    return env, token[0]


def _connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    conn.settimeout(0.2)
    return conn


def _until_closed(conn: socket.socket, limit: float, dribble: bytes = b"") -> tuple[float, bytes]:
    """Seconds until the server closes ``conn`` (sending ``dribble`` every half second
    meanwhile), and what it sent; fails if it is still open after ``limit`` seconds."""
    started = time.monotonic()
    received = b""
    next_send = started
    while (elapsed := time.monotonic() - started) < limit:
        if dribble and time.monotonic() >= next_send:
            try:
                conn.sendall(dribble)
            except OSError:
                return elapsed, received
            next_send += 0.5
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return elapsed, received
        if not chunk:
            return elapsed, received
        received += chunk
    pytest.fail(f"the connection was still open after {limit:.0f} s; received {received[:200]!r}")


def _row(var_dir: Path, sql: str, *args: object) -> tuple | None:
    with sqlite3.connect(var_dir / "store.db") as db:
        return db.execute(sql, args).fetchone()


@pytest.mark.parametrize("server_name", ["uvicorn", "granian"])
def test_slow_clients_are_cut_off_and_sigterm_lets_an_upload_finish(
    store_env: tuple[dict[str, str], str], tmp_path: Path, server_name: str
) -> None:
    env, token = store_env
    var_dir = Path(env["STORE_VAR_DIR"])
    log_path = tmp_path / "server.log"

    def command(port: int) -> list[str]:
        return [*_store(), "run", "--port", str(port), "--workers", "2", "--server", server_name]

    process, url = server.start(command, env, log_path)
    port = int(url.rsplit(":", 1)[1])
    try:
        # A body that stalls: 408 once it has not moved for BODY_SECONDS, then the connection closes.
        conn = _connect(port)
        conn.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"username":'
        )
        seconds, answer = _until_closed(conn, BODY_SECONDS + SLACK)
        conn.close()
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
        assert b"request_timeout" in answer
        assert seconds >= BODY_SECONDS - 0.5

        # Headers a line every half second: closed once HEADER_SECONDS have passed.
        conn = _connect(port)
        conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        seconds, answer = _until_closed(conn, HEADER_SECONDS + SLACK, dribble=b"X-Slow: 1\r\n")
        conn.close()
        assert answer == b""
        assert seconds >= HEADER_SECONDS - 0.5

        # Headers that stop halfway through a line: closed once HEADER_SECONDS have passed.
        conn = _connect(port)
        conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Partial: half a li")
        seconds, answer = _until_closed(conn, HEADER_SECONDS + SLACK)
        conn.close()
        assert answer == b""
        assert seconds >= HEADER_SECONDS - 0.5

        # A client that connects and says nothing: closed after the header timeout too (granian
        # only in its HTTP/1 mode: store/serving.py).
        conn = _connect(port)
        seconds, answer = _until_closed(conn, HEADER_SECONDS + SLACK)
        conn.close()
        assert answer == b""
        assert seconds >= HEADER_SECONDS - 0.5

        # Headers of 2 MB: refused with 431 (uvicorn: MAX_HEADER_BYTES; granian: its buffer).
        conn = _connect(port)
        conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2_000_000 + b"\r\n\r\n")
        seconds, answer = _until_closed(conn, SLACK)
        conn.close()
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]

        # An idle connection after an answer: closed after the keep-alive (granian's one timer
        # for idle connections and headers runs for the longer of the two).
        idle_seconds = KEEP_ALIVE_SECONDS
        if server_name == "granian":
            idle_seconds = max(KEEP_ALIVE_SECONDS, HEADER_SECONDS)
        conn = _connect(port)
        conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        seconds, answer = _until_closed(conn, idle_seconds + SLACK)
        conn.close()
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
        assert seconds >= idle_seconds - 0.5

        # SIGTERM while an upload is half sent: the upload completes, then the server exits.
        headers = {"Authorization": f"Bearer {token}"}
        suffix = uuid.uuid4().hex[:6]
        payload = app_payload(name=f"平滑停机测试{suffix}", name_en=f"Graceful stop {suffix}")
        created = httpx.post(f"{url}/api/v1/apps", json=payload, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        slug = created.json()["slug"]
        content = os.urandom(3 * 1024 * 1024)
        conn = _connect(port)
        conn.sendall(
            (
                f"POST /api/v1/apps/{slug}/versions/1.0.0/artifacts?filename=deploy.zip&kind=package "
                f"HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {len(content)}\r\n\r\n"
            ).encode()
            + content[: len(content) // 3]
        )
        time.sleep(0.5)  # the handler is streaming the first third
        os.kill(process.pid, signal.SIGTERM)  # the main process only, as docker stop does
        # the rest over the next two seconds, in pieces (a pause of BODY_SECONDS would be a stall)
        rest = content[len(content) // 3 :]
        step = len(rest) // 10 + 1
        for start in range(0, len(rest), step):
            time.sleep(0.2)
            conn.sendall(rest[start : start + step])
        conn.settimeout(30)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
        conn.close()
        assert answer.startswith(b"HTTP/1.1 201 "), answer[:500]
        assert process.wait(timeout=30) == 0
    finally:
        server.stop(process)
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, server.log_tail(log_path)
    row = _row(
        var_dir,
        "SELECT a.size, a.sha256 FROM artifacts a JOIN versions v ON v.id = a.version_id "
        "JOIN apps p ON p.id = v.app_id WHERE p.slug = ?",
        slug,
    )
    assert row == (len(content), hashlib.sha256(content).hexdigest())
