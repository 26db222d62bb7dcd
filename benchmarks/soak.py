"""Soak benchmark: minutes of mixed load on ``store run --workers 2``, on SQLite and on PostgreSQL.

tests/e2e/test_under_load.py proves in seconds that the workers survive a burst; this keeps them
under load for minutes (``--minutes``, default 3 per database), the way a working day does. Each
database gets the demo catalog (``store migrate``, ``store seed-demo``) and a provincial admin's
API token; then ``CLIENTS`` clients, each on a keep-alive connection of its own like a browser,
ask in turn for the anonymous pages (home, catalog with and without filters, an app, regions),
the public API (listing, an app, search), signed-in API reads (adoptions, the inbox) and, one
request in twenty, a write (a note on an adoption: an event row, an audit row and the app's
search document in one transaction).

It prints per database: requests, requests/s (per minute too, to show whether it degrades),
latency p50/p99, failures (anything but a 2xx, or no answer), and the workers the server started:
one start per worker and no restart is the pass; so is a log without a crash. The notes answered
201 are counted in the database afterwards. A missed target prints FAIL but exits 0.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import secrets
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.figures import Timings
from benchmarks.search import create_pg_database, create_sqlite_database, postgres_reachable
from benchmarks.upload import StoreServer, machine_load, say, scratch_dir, verdict

WORKERS = 2
CLIENTS = 8
WRITE_SHARE = 0.05
REQUEST_TIMEOUT = 30.0
ADMIN = "soak-admin"
#: what each server writes when it starts a worker process; a crash leaves one of CRASH_SIGNS
WORKER_STARTS = {"uvicorn": "Started server process", "granian": "Spawning worker-"}
CRASH_SIGNS = ("Fatal Python error", "died", "Unexpected exit", "Worker crash loop")
#: the store's line per request (store/lib/logs.py, text format): method, path, status, duration
ACCESS_LINE = re.compile(r"store\.access: (\S+ \S+ \d+) ([\d.]+)ms")


class SoakStore(StoreServer):
    """``store run --workers 2 [--server S]`` on a prepared database, local files."""

    def __init__(self, work_dir: Path, database_url: str, server: str | None) -> None:
        super().__init__(work_dir, None, max_upload_bytes=64 * 1024 * 1024)
        self.server = server
        self.log_path = work_dir / "server.log"
        self.env.update(STORE_DATABASE_URL=database_url)

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "store.cli", "run", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(WORKERS)]
        return command + (["--server", self.server] if self.server else [])

    def server_name(self) -> str:
        """The server the log says ran (``store run`` picks it from STORE_SERVER by default)."""
        log = self.log_path.read_text(errors="replace")
        return "granian" if "Starting granian" in log else "uvicorn"


@dataclass
class Tally:
    """What every request got, shared by the client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    latency: Timings = field(default_factory=Timings)
    per_minute: Counter[int] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def add(self, started: float, what: str, outcome: httpx.Response | Exception, epoch: float) -> None:
        seconds = time.perf_counter() - started
        with self.lock:
            self.latency.seconds.append(seconds)
            self.per_minute[int((time.monotonic() - epoch) // 60)] += 1
            if isinstance(outcome, Exception):
                self.statuses["no answer"] += 1
                self.failures.append(f"{what}: {type(outcome).__name__}: {outcome}")
            else:
                self.statuses[str(outcome.status_code)] += 1
                if not 200 <= outcome.status_code < 300:
                    self.failures.append(f"{what}: {outcome.status_code} {outcome.text[:200]}")


@dataclass
class SoakResult:
    database: str
    server: str
    seconds: float
    tally: Tally
    worker_starts: int
    crash_lines: list[str]
    notes_stored: int
    #: the slowest answers as the server timed them: (ms, "GET /apps 200"); a client that waited
    #: much longer than these was slowed by its own machine, not by the store
    slowest: list[tuple[float, str]]

    @property
    def requests(self) -> int:
        return sum(self.tally.statuses.values())

    @property
    def restarts(self) -> int:
        return max(0, self.worker_starts - WORKERS)

    @property
    def ok(self) -> bool:
        return (
            not self.tally.failures
            and self.restarts == 0
            and self.worker_starts == WORKERS
            and not self.crash_lines
            and self.notes_stored == len(self.tally.notes)
        )


def _paths(slugs: list[str], adoption: int) -> list[tuple[str, bool]]:
    """(path, needs the token) for the reads, in the proportions a day's visitors ask them."""
    slug = itertools.cycle(slugs)
    pages = ["/", "/apps", "/apps?category=services", "/apps?zone=north", "/regions"]
    pages += [f"/apps/{next(slug)}" for _ in range(4)]
    api = ["/api/v1/apps", "/api/v1/apps?category=governance", "/api/v1/search?q=医保"]
    api += [f"/api/v1/apps/{next(slug)}" for _ in range(2)]
    signed_in = ["/api/v1/adoptions?per_page=10", f"/api/v1/adoptions/{adoption}", "/api/v1/me/inbox"]
    return [(p, False) for p in pages + api] + [(p, True) for p in signed_in]


def _client(
    url: str,
    token: str,
    paths: list[tuple[str, bool]],
    adoption: int,
    index: int,
    tally: Tally,
    epoch: float,
    deadline: float,
) -> None:
    rng = random.Random(index)  # a load mix, not a secret
    auth = {"Authorization": f"Bearer {token}"}
    number = 0
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            outcome: httpx.Response | Exception
            if rng.random() < WRITE_SHARE:
                number += 1
                comment = f"soak-{index}-{number}"
                what = "POST note"
                try:
                    outcome = http.post(
                        f"/api/v1/adoptions/{adoption}/notes", json={"comment": comment}, headers=auth
                    )
                except httpx.HTTPError as exc:
                    outcome = exc
                if isinstance(outcome, httpx.Response) and outcome.status_code == 201:
                    with tally.lock:
                        tally.notes.append(comment)
            else:
                path, signed_in = rng.choice(paths)
                what = f"GET {path}"
                try:
                    outcome = http.get(path, headers=auth if signed_in else None)
                except httpx.HTTPError as exc:
                    outcome = exc
            tally.add(started, what, outcome, epoch)


def _token(url: str, password: str) -> str:
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False) as http:
        login = http.post("/api/v1/auth/login", json={"username": ADMIN, "password": password})
        login.raise_for_status()
        issued = http.post("/api/v1/tokens", json={"name": "soak"})
        issued.raise_for_status()
        return str(issued.json()["secret"])


async def _scalar(database_url: str, sql: str) -> object:
    from sqlalchemy import text

    from store.db.engine import create_engine
    from store.settings import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar()
    finally:
        await engine.dispose()


def _demo_slugs(url: str) -> list[str]:
    listing = httpx.get(
        f"{url}/api/v1/apps", params={"per_page": 20}, timeout=REQUEST_TIMEOUT, trust_env=False
    )
    listing.raise_for_status()
    slugs = [item["slug"] for item in listing.json()["items"]]
    if not slugs:
        raise RuntimeError("the demo catalog has no published app")
    return slugs


def soak(
    stack: ExitStack, database: str, database_url: str, work_dir: Path, server: str | None, seconds: float
) -> SoakResult:
    store = SoakStore(work_dir, database_url, server)
    password = secrets.token_urlsafe(18)
    say(f"{database}: store seed-demo")
    store._cli("seed-demo")
    store.add_user(ADMIN, password, role="province_admin")
    adoption = int(str(asyncio.run(_scalar(database_url, "SELECT min(id) FROM adoptions"))))
    say(f"{database}: store run --workers {WORKERS}{f' --server {server}' if server else ''}")
    store.start()
    stack.callback(store.stop)
    try:
        token = _token(store.base_url, password)
        paths = _paths(_demo_slugs(store.base_url), adoption)
        tally = Tally()
        epoch = time.monotonic()
        deadline = epoch + seconds
        say(f"{database}: {CLIENTS} clients for {seconds / 60:.1f} minutes")
        threads = [
            threading.Thread(
                target=_client, args=(store.base_url, token, paths, adoption, i, tally, epoch, deadline)
            )
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        store.stop()
    log = store.log_path.read_text(errors="replace")
    name = store.server_name()
    notes = asyncio.run(
        _scalar(database_url, "SELECT count(*) FROM adoption_events WHERE comment LIKE 'soak-%'")
    )
    return SoakResult(
        database=database,
        server=name,
        seconds=seconds,
        tally=tally,
        worker_starts=log.count(WORKER_STARTS[name]),
        crash_lines=[line for line in log.splitlines() if any(sign in line for sign in CRASH_SIGNS)],
        notes_stored=int(str(notes)),
        slowest=sorted(((float(ms), what) for what, ms in ACCESS_LINE.findall(log)), reverse=True)[:3],
    )


def report(results: list[SoakResult], skipped: list[str], machine: tuple[int, float]) -> tuple[str, bool]:
    cpus, load = machine
    lines = [
        f"Soak: {CLIENTS} clients, {WORKERS} workers, {WRITE_SHARE:.0%} writes "
        f"(machine: {cpus} CPUs, load {load:.1f} at the start)",
        "",
        f"{'database':<11} {'server':<8} {'minutes':>7} {'requests':>9} {'req/s':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'failures':>8} {'workers':>7} {'restarts':>8} {'notes':>11}  verdict",
    ]
    all_ok = True
    for r in results:
        all_ok &= r.ok
        lines.append(
            f"{r.database:<11} {r.server:<8} {r.seconds / 60:>7.1f} {r.requests:>9} "
            f"{r.requests / r.seconds:>7.1f} {r.tally.latency.p50:>7.1f} {r.tally.latency.p99:>7.1f} "
            f"{len(r.tally.failures):>8} {r.worker_starts:>7} {r.restarts:>8} "
            f"{f'{r.notes_stored}/{len(r.tally.notes)}':>11}  {verdict(r.ok)}"
        )
    for r in results:
        minutes = " ".join(str(r.tally.per_minute[m]) for m in sorted(r.tally.per_minute))
        lines.append(f"  {r.database}: requests in each minute: {minutes}; answers: {dict(r.tally.statuses)}")
        slowest = ", ".join(f"{what} {ms:.0f} ms" for ms, what in r.slowest)
        lines.append(f"  {r.database}: slowest answers timed by the server: {slowest or 'none logged'}")
        for failure in r.tally.failures[:5]:
            lines.append(f"    failure: {failure}")
        for crash in r.crash_lines[:5]:
            lines.append(f"    crash: {crash}")
    lines += [f"  skipped: {reason}" for reason in skipped]
    lines.append("target: no failure, one start per worker and no restart, every 201 note stored")
    return "\n".join(lines), all_ok


def run(minutes: float = 3.0, server: str | None = None, keep: bool = False) -> int:
    results: list[SoakResult] = []
    skipped: list[str] = []
    machine = machine_load()
    with ExitStack() as stack:
        work_root = scratch_dir(stack, "store-soak-", keep=keep)
        for database in ("sqlite", "postgresql"):
            work_dir = work_root / database
            work_dir.mkdir()
            if database == "sqlite":
                url = create_sqlite_database(work_dir, "soak.db")
            else:
                if reason := postgres_reachable():
                    skipped.append(reason)
                    continue
                say("PostgreSQL: a fresh database")
                url = create_pg_database(stack, keep)
            results.append(soak(stack, database, url, work_dir, server, minutes * 60))
    text, ok = report(results, skipped, machine)
    print(text)
    print(f"\nsoak: {verdict(ok)}")
    return 0
