"""Browser tests: the store served for real by uvicorn, driven by Debian's Chromium via Playwright.

``live_server`` starts ``uvicorn store.app:create_app --factory`` on a free loopback port with a
fresh SQLite database and local artifact folder in a temporary directory, migrates the database,
creates one user of each role the flows need (through the real services) and waits until
``/health`` answers 200. It is shared by every browser test of the session and stopped at the
end. Tests share its database, so they use names of their own (a random suffix).

``browser`` is module-scoped on purpose: while a *sync* Playwright is alive its event loop counts
as running in the main thread, which would stop pytest-asyncio's session loop from running the
async tests of other modules. Closing it at the end of each browser module keeps them apart.

Chromium comes from Debian (``scripts/install-services.sh chromium``); Playwright never downloads a
browser here. ``STORE_TEST_CHROMIUM`` points at another binary.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

from store.db.engine import create_engine, session_maker
from store.db.migrate import upgrade
from store.settings import DatabaseSettings
from tests.factories import PASSWORD, make_user
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("STORE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: where screenshots are copied for people to look at (they are also kept in pytest's tmp dir)
SHOTS_DIR = Path(os.environ.get("STORE_E2E_SHOTS", "/tmp/e2e-shots"))
SECRET = "e2e-secret-key-0123456789abcdef"
STARTUP_TIMEOUT = 60.0
PUBLISHER = "e2e-shenzhen"  # city_staff of Shenzhen, 440300
REVIEWER = "e2e-reviewer"  # province_reviewer


@dataclass(frozen=True)
class LiveServer:
    url: str
    var_dir: Path
    log_path: Path
    publisher: str = PUBLISHER
    reviewer: str = REVIEWER
    password: str = PASSWORD

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _server_env(var_dir: Path, database_url: str) -> dict[str, str]:
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


def _prepare_database(database_url: str) -> None:
    """Migrate, then add the users through the real services. In a thread of its own: Alembic's
    env.py runs its own event loop, and so does this."""

    async def add_users() -> None:
        engine = create_engine(DatabaseSettings(url=database_url))
        try:
            async with session_maker(engine)() as session:
                await make_user(session, "city_staff", "440300", username=PUBLISHER)
                await make_user(session, "province_reviewer", username=REVIEWER)
        finally:
            await engine.dispose()

    failure: list[BaseException] = []

    def work() -> None:
        try:
            upgrade(database_url)
            asyncio.run(add_users())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=work, name="e2e-database")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _stop(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # start_new_session: the group is the server's
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> bool:
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
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])
    raise RuntimeError(f"store not healthy after {STARTUP_TIMEOUT:.0f}s (last: {last!r}); log:\n{tail}")


def _spawn(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "store.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("e2e-var")
    database_url = f"sqlite+aiosqlite:///{var_dir / 'store.db'}"
    env = _server_env(var_dir, database_url)
    log_path = var_dir / "uvicorn.log"
    # The server needs no database to start (it connects on the first request), so it boots
    # while the database is prepared; /health is asked only once the database is ready.
    process, url = _spawn(env, log_path)
    try:
        _prepare_database(database_url)
        for attempt in range(3):
            if _wait_healthy(process, url, log_path):
                break
            # it exited: most likely the "free" port was taken between picking and binding it
            _stop(process)
            if attempt == 2:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])
                raise RuntimeError(f"uvicorn exited while starting, three times; log:\n{tail}")
            process, url = _spawn(env, log_path)
        yield LiveServer(url=url, var_dir=var_dir, log_path=log_path)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install it with `scripts/install-services.sh chromium`")
    expect.set_options(timeout=15_000)  # the machines running the suite can be busy
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser profile (no cookies) with the store as base URL. Fails the test on any
    JavaScript error and any server error (5xx) its pages met."""
    context = browser.new_context(
        base_url=live_server.url,
        accept_downloads=True,
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))

    def on_response(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} from {response.request.method} {response.url}")

    tab.on("response", on_response)
    try:
        yield tab
    finally:
        context.close()
    assert not problems, "\n".join([*problems, "end of the server log:", live_server.log_tail()])


@pytest.fixture
def shots_dir(tmp_path: Path) -> Path:
    """Screenshots go to the test's tmp dir; ``keep_shot`` also copies them to SHOTS_DIR."""
    path = tmp_path / "screenshots"
    path.mkdir()
    return path


def keep_shot(path: Path) -> Path:
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(path, SHOTS_DIR / path.name))
