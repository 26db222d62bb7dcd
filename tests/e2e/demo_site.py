"""The demo store for the browser tests that need a lived-in catalog: the accessibility check of
every page and the guide's screenshots.

What ``make run`` serves: a fresh SQLite database in a temporary directory, migrated and filled by
``store seed-demo`` (30+ apps, some waiting for review, about 40 adoptions, the four demo users),
served by uvicorn like ``conftest.live_server``. The seed prints each new user's password once, as
it does for a newcomer; they are read from its output. Tests that change data here use names of
their own, so the demo's slugs stay as the seed wrote them.

No pytest import here (the fixture is ``conftest.demo_server``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import server

#: the demo users (store/demo.py) the tests sign in as
USERS = ("admin", "reviewer", "shenzhen", "meizhou")
#: one line of ``store seed-demo``'s output per new user: name, role, region, password
PASSWORD_LINE = re.compile(
    r"^\s+(?P<username>\S+)\s+\S+\s+\S+\s+password: (?P<password>\S+)\s*$", re.MULTILINE
)
SEED_TIMEOUT = 180.0


@dataclass(frozen=True)
class DemoServer:
    url: str
    var_dir: Path
    log_path: Path
    passwords: dict[str, str] = field(repr=False)

    def log_tail(self, lines: int = 60) -> str:
        return server.log_tail(self.log_path, lines)


def _uvicorn(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "store.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip


def _store(env: dict[str, str], *args: str) -> str:
    """Run the ``store`` console script as ``make run`` does; its output, or a clear failure."""
    done = subprocess.run(
        [sys.executable, "-m", "store.cli", *args],
        cwd=server.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SEED_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"store {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


@contextmanager
def running(var_dir: Path) -> Iterator[DemoServer]:
    """The demo store, seeded and healthy; stopped on leaving."""
    database_url = f"sqlite+aiosqlite:///{var_dir / 'store.db'}"
    env = server.server_env(var_dir, database_url)
    log_path = var_dir / "uvicorn.log"
    # The server connects to the database on the first request: it boots while the seed runs.
    process, url = server.spawn(_uvicorn, env, log_path)
    try:
        _store(env, "migrate")
        output = _store(env, "seed-demo")
        passwords = {m["username"]: m["password"] for m in PASSWORD_LINE.finditer(output)}
        missing = [name for name in USERS if name not in passwords]
        if missing:
            raise RuntimeError(f"store seed-demo printed no password for {missing}:\n{output}")
        if not server.wait_healthy(process, url, log_path):
            # it exited: most likely the "free" port was taken between picking and binding it
            server.stop(process)
            process, url = server.start(_uvicorn, env, log_path)
        yield DemoServer(url=url, var_dir=var_dir, log_path=log_path, passwords=passwords)
    finally:
        server.stop(process)
