"""Browser tests: the store served for real by uvicorn, driven by Debian's Chromium via Playwright.

``live_server`` starts ``uvicorn store.app:create_app --factory`` on a free loopback port with a
fresh SQLite database and local artifact folder in a temporary directory (process handling in
``server.py``, shared with the load test), migrates the database, creates one user of each role
the flows need (through the real services) and waits until ``/health`` answers 200. It is shared
by every browser test of the session and stopped at the end. Tests share its database, so they
use names of their own (a random suffix).

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
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from store.db.engine import create_engine, session_maker
from store.db.migrate import upgrade
from store.settings import DatabaseSettings
from tests.factories import PASSWORD, make_user

from . import demo_site, server
from .browsing import watch_for_problems

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
#: Reports each Content-Security-Policy violation on the console, where the page fixture sees it.
#: Added by Playwright before any page script, so the CSP itself does not apply to it.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
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
        return server.log_tail(self.log_path, lines)


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


def _uvicorn(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "store.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("e2e-var")
    database_url = f"sqlite+aiosqlite:///{var_dir / 'store.db'}"
    env = server.server_env(var_dir, database_url)
    log_path = var_dir / "uvicorn.log"
    # The server needs no database to start (it connects on the first request), so it boots
    # while the database is prepared; /health is asked only once the database is ready.
    process, url = server.spawn(_uvicorn, env, log_path)
    try:
        _prepare_database(database_url)
        for attempt in range(3):
            if server.wait_healthy(process, url, log_path):
                break
            # it exited: most likely the "free" port was taken between picking and binding it
            server.stop(process)
            if attempt == 2:
                tail = server.log_tail(log_path)
                raise RuntimeError(f"uvicorn exited while starting, three times; log:\n{tail}")
            process, url = server.spawn(_uvicorn, env, log_path)
        yield LiveServer(url=url, var_dir=var_dir, log_path=log_path)
    finally:
        server.stop(process)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[demo_site.DemoServer]:
    """A second store, seeded with the demo catalog like ``make run`` (demo_site.py), for the
    tests that need lived-in pages: the accessibility check and the guide's screenshots."""
    with demo_site.running(tmp_path_factory.mktemp("e2e-demo")) as demo:
        yield demo


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
    JavaScript error, any Content-Security-Policy violation and any server error (5xx) its
    pages met."""
    context = browser.new_context(
        base_url=live_server.url,
        accept_downloads=True,
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    context.add_init_script(CSP_REPORTER)
    tab = context.new_page()
    problems: list[str] = []
    watch_for_problems(tab, problems)
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
