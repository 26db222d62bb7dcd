"""PostgreSQL restarts under load and the store rides it out: requests in the gap get 503 with
Retry-After (never a 500, a reset or a hung worker), every request after it succeeds without
restarting the store, and no write is half done.

The database is a private PostgreSQL server started here with ``initdb``/``pg_ctl`` on a free
port in a temporary folder — never the shared one on 5432, which other tests use. The demo catalog
is migrated and seeded into it with the ``store`` commands; ``store run --workers 2`` serves it.
Clients read pages and the API and add notes to an adoption (each note is an event row, an
audit row and the app's search document, in one transaction) while the server is stopped
(``pg_ctl stop -m fast``: every connection is cut), kept down for two seconds and started again.
Afterwards the notes in the database are exactly those that were answered 201.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from store.db.engine import create_engine, session_maker
from store.settings import DatabaseSettings
from tests.factories import make_token, make_user
from tests.services import free_port

from . import server
from .test_under_load import CRASH_SIGNS, _store

pytestmark = pytest.mark.load

PG_BIN = Path(os.environ.get("STORE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
READERS = 4
WRITERS = 2
WARM_SECONDS = 3.0
DOWN_SECONDS = 2.0
AFTER_SECONDS = 4.0
REQUEST_TIMEOUT = 30.0
#: how each server logs the start of a worker process
WORKER_STARTS = {"uvicorn": "Started server process", "granian": "Spawning worker-"}


class PrivatePostgres:
    """A PostgreSQL server of our own. initdb refuses to run as root, so as root every command
    runs as the ``postgres`` user, in a folder that user owns."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="store-pg-restart-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}\n{done.stderr}\n{self.log()}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"no initdb in {PG_BIN}: install PostgreSQL's server package or set STORE_TEST_PG_BIN")
    pg = PrivatePostgres()
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.remove()


@pytest.fixture(scope="module")
def demo(
    postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, str], str, int]:
    """The demo store on the private server: its environment, a provincial admin's API token and
    an adoption to write notes on."""
    admin = create_engine(DatabaseSettings(url=postgres.url("postgres")))

    async def create_database() -> None:
        async with admin.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(
                text("CREATE DATABASE store")
            )
        await admin.dispose()

    server.in_thread(create_database)
    url = postgres.url("store")
    env = server.server_env(tmp_path_factory.mktemp("restart-var"), url)
    for command in ("migrate", "seed-demo"):
        ran = subprocess.run(
            [*_store(), command], env=env, cwd=server.ROOT, capture_output=True, text=True, timeout=300
        )
        assert ran.returncode == 0, f"store {command} failed:\n{ran.stdout}\n{ran.stderr}"

    async def token_and_adoption() -> tuple[str, int]:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with session_maker(engine)() as session:
                user = await make_user(session, "province_admin", None, username="restart-admin")
                token = await make_token(session, user)
                adoption = await session.scalar(text("SELECT min(id) FROM adoptions"))
                return token, int(adoption)
        finally:
            await engine.dispose()

    token, adoption = server.in_thread(token_and_adoption)
    return env, token, adoption


@dataclass
class Outcomes:
    """What every request got: (started, finished, what, status or the exception's name)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: list[tuple[float, float, str, int | str]] = field(default_factory=list)
    notes: dict[str, int | str] = field(default_factory=dict)
    missing_retry_after: int = 0

    def add(self, started: float, what: str, outcome: httpx.Response | Exception) -> None:
        status: int | str = (
            outcome.status_code if isinstance(outcome, httpx.Response) else type(outcome).__name__
        )
        with self.lock:
            self.seen.append((started, time.monotonic(), what, status))
            if status == 503 and isinstance(outcome, httpx.Response) and "retry-after" not in outcome.headers:
                self.missing_retry_after += 1


def _load(
    url: str, token: str, adoption: int, prefix: str, outcomes: Outcomes, stop: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    def reader(index: int) -> None:
        # the API with a token reads the database on every request; pages may come from a cache
        paths = ["/api/v1/adoptions?per_page=5", "/api/v1/me", f"/api/v1/adoptions/{adoption}", "/apps", "/"]
        with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT) as client:
            turn = index
            while not stop.is_set():
                path = paths[turn % len(paths)]
                turn += 1
                started = time.monotonic()
                try:
                    outcome: httpx.Response | Exception = client.get(path)
                except httpx.HTTPError as exc:
                    outcome = exc
                outcomes.add(started, f"GET {path.split('?')[0]}", outcome)

    def writer(index: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT) as client:
            number = 0
            while not stop.is_set():
                number += 1
                comment = f"{prefix}-{index}-{number}"
                started = time.monotonic()
                try:
                    outcome: httpx.Response | Exception = client.post(
                        f"/api/v1/adoptions/{adoption}/notes", json={"comment": comment}
                    )
                except httpx.HTTPError as exc:
                    outcome = exc
                outcomes.add(started, "POST notes", outcome)
                with outcomes.lock:
                    outcomes.notes[comment] = (
                        outcome.status_code if isinstance(outcome, httpx.Response) else "error"
                    )

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    threads += [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.parametrize("server_name", ["uvicorn", "granian"])
def test_a_postgresql_restart_under_load_gives_503s_then_only_successes(
    postgres: PrivatePostgres, demo: tuple[dict[str, str], str, int], tmp_path: Path, server_name: str
) -> None:
    env, token, adoption = demo
    log_path = tmp_path / "server.log"

    def command(port: int) -> list[str]:
        return [*_store(), "run", "--port", str(port), "--workers", "2", "--server", server_name]

    process, url = server.start(command, env, log_path)
    outcomes = Outcomes()
    stop = threading.Event()
    prefix = f"restart-note-{server_name}"
    load = threading.Thread(target=_load, args=(url, token, adoption, prefix, outcomes, stop))
    try:
        load.start()
        time.sleep(WARM_SECONDS)
        down_at = time.monotonic()
        postgres.stop("fast")
        time.sleep(DOWN_SECONDS)
        postgres.start()
        up_at = time.monotonic()
        time.sleep(AFTER_SECONDS)
        stop.set()
        load.join()
        alive = process.poll() is None
    finally:
        stop.set()
        load.join()
        server.stop(process)
    log = log_path.read_text(errors="replace")
    statuses = [status for _, _, _, status in outcomes.seen]
    context = (
        f"{len(statuses)} requests: { {s: statuses.count(s) for s in set(statuses)} }\n"
        f"end of the server log:\n{server.log_tail(log_path, 30)}"
    )

    assert alive, context
    # Every answer is a success or a 503; no 500, no reset, no timeout.
    assert set(statuses) <= {200, 201, 503}, context
    assert outcomes.missing_retry_after == 0, context
    # Before the restart and after it, only successes; some 503s in the gap.
    before = [s for started, done, _, s in outcomes.seen if done < down_at]
    after = [s for started, _, _, s in outcomes.seen if started > up_at]
    gap = [s for started, done, _, s in outcomes.seen if done >= down_at and started <= up_at]
    print(  # shown with pytest -s: what the gap looked like
        f"{server_name}: {len(statuses)} requests, in the gap {len(gap)} of which "
        f"{gap.count(503)} got 503; after it {len(after)}, all successes: {set(after) <= {200, 201}}"
    )
    assert before and set(before) <= {200, 201}, context
    assert 503 in gap, context
    assert len(after) >= READERS + WRITERS and set(after) <= {200, 201}, context
    # No worker died or was replaced: each of the two started once.
    assert not [sign for sign in (*CRASH_SIGNS, "Unexpected exit") if sign in log], context
    assert log.count(WORKER_STARTS[server_name]) == 2, context

    # Nothing half written: a note is in the timeline and the audit log exactly when it got 201.
    async def stored_notes() -> tuple[set[str], set[str]]:
        engine = create_engine(DatabaseSettings(url=env["STORE_DATABASE_URL"]))
        try:
            async with engine.connect() as conn:
                like = {"like": f"{prefix}-%"}
                events = await conn.scalars(
                    text("SELECT comment FROM adoption_events WHERE kind = 'note' AND comment LIKE :like"),
                    like,
                )
                audits = await conn.scalars(
                    text(
                        "SELECT comment FROM audit_log WHERE action = 'adoption_note' AND comment LIKE :like"
                    ),
                    like,
                )
                return set(events), set(audits)
        finally:
            await engine.dispose()

    events, audits = server.in_thread(stored_notes)
    # (this server's notes only: the other server's run wrote to the same database)
    written = {comment for comment, status in outcomes.notes.items() if status == 201}
    assert written, context
    assert events == written, f"notes stored without a 201, or lost after one\n{context}"
    assert audits == written, context
