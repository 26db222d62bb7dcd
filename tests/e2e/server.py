"""A real store process for end-to-end tests: the browser flows (``conftest.live_server``) and the
load test. The process gets its own session (process group), so stopping it also stops uvicorn's
worker processes; its output goes to a log file whose tail the tests show when something fails.

No pytest import here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path

import httpx

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-key-0123456789abcdef"
STARTUP_TIMEOUT = 60.0

#: builds the server's command line for the port it is to listen on
Command = Callable[[int], list[str]]


def server_env(var_dir: Path, database_url: str) -> dict[str, str]:
    """The caller's environment without its STORE_ settings, plus a self-contained store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORE_")}
    env.update(
        STORE_ENV="test",
        STORE_SECRET_KEY=SECRET,
        STORE_VAR_DIR=str(var_dir),
        STORE_DATABASE_URL=database_url,
        STORE_STORAGE_BACKEND="local",
        STORE_STORAGE_DIR=str(var_dir / "artifacts"),
        STORE_SEARCH_BACKEND="database",
        PYTHONUNBUFFERED="1",
    )
    return env


def log_tail(log_path: Path, lines: int = 60) -> str:
    if not log_path.exists():
        return "(no log)"
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def spawn(command: Command, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server on a free loopback port; returns the process and its base URL."""
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command(port),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> bool:
    """True once /health is 200; False if the process exited (e.g. the port was taken)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            response = httpx.get(f"{url}/health", timeout=2)
            if response.status_code == 200:
                return True
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(
        f"store not healthy after {STARTUP_TIMEOUT:.0f}s (last: {last!r}); log:\n{log_tail(log_path)}"
    )


def start(
    command: Command, env: dict[str, str], log_path: Path, attempts: int = 3
) -> tuple[subprocess.Popen[bytes], str]:
    """Spawn and wait until healthy, on a new port if the process exits while starting (most
    likely the "free" port was taken between picking and binding it)."""
    for _ in range(attempts):
        process, url = spawn(command, env, log_path)
        if wait_healthy(process, url, log_path):
            return process, url
        stop(process)
    raise RuntimeError(f"the store exited while starting, {attempts} times; log:\n{log_tail(log_path)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # start_new_session: the group is the server's
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def in_thread[T](work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function in a thread with its own event loop (another test module may
    hold this thread's)."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(work()))  # type: ignore[arg-type]
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
