"""Statistics benchmark: are the reuse figures fast enough at 10,000 apps and 100,000 adoptions?

For PostgreSQL (a fresh database in the local server, dropped afterwards) and SQLite (a temp
file), each migrated with the real migrations, one run:

1. writes the dataset (``benchmarks/stats_dataset.py``: 10,000 apps, 100,000 adoptions over the
   three years that end today, every city and 24 districts, every state, savings,
   confirmations, timelines) with bulk inserts, then does what a running store would have done:
   PostgreSQL's autovacuum analyses the new tables (``VACUUM ANALYZE``), and the daily sweep
   marks overdue adoptions stale (``store adoptions sweep``);
2. times each figure straight from ``StatsService`` (no cache, no HTTP; a session per call, as a
   request has), over eight sets of filters (all time, this year, the last 12 months, a custom
   year, a category, a zone, a publishing city, and a combination), after one untimed pass; and
   records each figure's SQL, so the slowest statement can be shown and explained (``--explain``:
   ``EXPLAIN ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite); then all seven for each
   filter set, one after another and at once (a session each), as a page could ask for them;
3. starts the store as a real server (uvicorn, as ``benchmarks/upload.py`` does) twice: with the
   figures cache off (``STORE_STATS_CACHE_SECONDS=0``: every request computes its figures) and on
   (60 s; each timed request follows the same request untimed, so it finds its figures
   cached), signs in as provincial staff and requests every stats endpoint and the dashboard page
   (``/stats``) with the same filter sets, one request after another on one connection. An
   endpoint that answers 404 is reported as not built yet rather than failing the run.

It prints p50/p95 (ms) per figure, endpoint and page on both databases, and the target check:
dashboard page p95 under 300 ms on PostgreSQL with the figures cache on (the issue allows caching
that keeps figures at most 60 s old and says how old they are; the store's warmer keeps figures
people look at computed ahead); the page with every figure computed (the first view of a filter
combination) is shown beside it, for information. A missed target prints FAIL but exits 0; only an error exits
non-zero.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from benchmarks.figures import Timings, table
from benchmarks.search import Progress, create_pg_database, create_sqlite_database, postgres_reachable
from benchmarks.stats_dataset import StatsDataset, insert_dataset
from benchmarks.upload import StoreServer, machine_load, say, scratch_dir, serving, verdict

PAGE_P95_TARGET_MS = 300.0  # the dashboard page on PostgreSQL
EXPLAIN_OVER_MS = 50.0  # --explain shows the plans of figures whose p95 is above this
# (label, StatsService method, API path): every figure of the contract.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("summary", "get_summary", "/api/v1/stats/summary"),
    ("regions", "list_regions", "/api/v1/stats/regions"),
    ("zones", "list_zones", "/api/v1/stats/zones"),
    ("matrix", "get_matrix", "/api/v1/stats/matrix"),
    ("trend", "list_trend", "/api/v1/stats/trend"),
    ("apps", "get_apps", "/api/v1/stats/apps"),
    ("time-to-live", "get_time_to_live", "/api/v1/stats/time-to-live"),
)
PAGE = "/stats"
BENCH_USER = "stats_bench"


def filter_sets(today: date) -> list[dict[str, str]]:
    """The query parameters of the eight filter sets each pass runs through."""
    a_year_ago = today - timedelta(days=365)
    return [
        {},
        {"period": "this_year"},
        {"period": "last_12_months"},
        {"from": (a_year_ago - timedelta(days=364)).isoformat(), "to": a_year_ago.isoformat()},
        {"category": "services"},
        {"zone": "north"},
        {"publisher": "440300"},
        {"period": "last_12_months", "kind": "application", "zone": "core"},
    ]


def describe_filters(params: dict[str, str]) -> str:
    return urlencode(params) or "all time"


# -- figures -----------------------------------------------------------------------------------------
@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float


@dataclass
class FigureRun:
    """One figure's latencies, its statements per call and the slowest statement seen."""

    timings: Timings = field(default_factory=Timings)
    by_filters: dict[str, Timings] = field(default_factory=dict)
    statements_per_call: int = 0
    slowest: Statement | None = None
    plan: str = ""
    missing: str = ""  # why it was not measured

    def slowest_filters(self) -> str:
        if not self.by_filters:
            return ""
        name, timings = max(self.by_filters.items(), key=lambda item: item[1].p50)
        return f"slowest with {name} (p50 {timings.p50:.1f} ms)"


class StatementLog:
    """Every statement an engine runs while ``calls`` is a list, with its duration."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.calls: list[Statement] | None = None
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._before)
        event.listen(sync_engine, "after_cursor_execute", self._after)

    def _before(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        started = conn.info["bench_started"].pop()
        if self.calls is not None:
            self.calls.append(Statement(statement, parameters, time.perf_counter() - started))


async def time_figures(
    url: str, today: date, rounds: int, explain: bool
) -> tuple[dict[str, FigureRun], dict[str, Timings]]:
    """Each figure straight from StatsService, uncached, one session per call; then all of them
    for each filter set, one after another and at once (a session each), as a page could ask."""
    from store.db.engine import create_engine, session_maker
    from store.settings import DatabaseSettings
    from store.stats.filters import from_query
    from store.stats.services import StatsService

    engine = create_engine(DatabaseSettings(url=url))
    log = StatementLog(engine)
    sets = [(describe_filters(params), from_query(params, today=today)) for params in filter_sets(today)]
    runs: dict[str, FigureRun] = {}
    try:
        maker = session_maker(engine)
        for label, method, _path in FIGURES:
            run = runs[label] = FigureRun()
            if not hasattr(StatsService, method):
                run.missing = f"StatsService.{method} does not exist yet"
                continue
            for round_ in range(rounds + 1):  # the first pass warms up, untimed
                for name, filters in sets:
                    async with maker() as session:
                        service = StatsService(session, today=lambda: today)
                        log.calls = []
                        started = time.perf_counter()
                        await getattr(service, method)(filters)
                        elapsed = time.perf_counter() - started
                        calls, log.calls = log.calls, None
                    if round_ == 0:
                        continue
                    run.timings.seconds.append(elapsed)
                    run.by_filters.setdefault(name, Timings()).seconds.append(elapsed)
                    run.statements_per_call = max(run.statements_per_call, len(calls))
                    for statement in calls:
                        if run.slowest is None or statement.seconds > run.slowest.seconds:
                            run.slowest = statement
            if explain and run.slowest is not None and run.timings.p95 > EXPLAIN_OVER_MS:
                run.plan = await explain_statement(engine, run.slowest)
        together: dict[str, Timings] = {}
        if not any(run.missing for run in runs.values()):
            together = await time_together(maker, today, sets, rounds)
    finally:
        await engine.dispose()
    return runs, together


async def time_together(
    maker: Any, today: date, sets: list[tuple[str, Any]], rounds: int
) -> dict[str, Timings]:
    from store.stats.services import StatsService

    async def one(method: str, filters: Any) -> None:
        async with maker() as session:
            await getattr(StatsService(session, today=lambda: today), method)(filters)

    together = {"one after another": Timings(), "at once": Timings()}
    for round_ in range(rounds + 1):
        for _name, filters in sets:
            started = time.perf_counter()
            for _label, method, _path in FIGURES:
                await one(method, filters)
            sequential = time.perf_counter() - started
            started = time.perf_counter()
            await asyncio.gather(*(one(method, filters) for _label, method, _path in FIGURES))
            concurrent = time.perf_counter() - started
            if round_:
                together["one after another"].seconds.append(sequential)
                together["at once"].seconds.append(concurrent)
    return together


async def explain_statement(engine: Any, statement: Statement) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    parameters = statement.parameters
    if isinstance(parameters, list):
        parameters = tuple(parameters)
    try:
        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql(prefix + statement.sql, parameters)).all()
    except Exception as exc:
        return f"(could not explain: {exc!r})"
    if engine.dialect.name == "postgresql":
        return "\n".join(str(row[0]) for row in rows)
    return "\n".join(f"{row[1]:>4} {row[2]:>4}  {row[3]}" for row in rows)


# -- the store as a real server ----------------------------------------------------------------------
class StatsServer(StoreServer):
    """The store (uvicorn, one process) on a benchmark database, with the figures cache on or off."""

    def __init__(self, work_dir: Path, name: str, database_url: str, cache_seconds: int) -> None:
        super().__init__(work_dir, None, max_upload_bytes=64 * 1024 * 1024)
        self.log_path = work_dir / f"server-{name}.log"
        self.env["STORE_DATABASE_URL"] = database_url
        self.env["STORE_STATS_CACHE_SECONDS"] = str(cache_seconds)


@dataclass
class HttpRun:
    """Latencies of the endpoints and the page with the cache off and on."""

    uncached: dict[str, Timings] = field(default_factory=dict)
    cached: dict[str, Timings] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # path -> why not measured
    page_kib: float = 0.0


def signed_in_client(server: StoreServer, password: str) -> httpx.Client:
    http = httpx.Client(base_url=server.base_url, timeout=300.0, trust_env=False)
    answer = http.post("/api/v1/auth/login", json={"username": BENCH_USER, "password": password})
    if answer.status_code != 200:
        http.close()
        raise RuntimeError(f"sign-in as {BENCH_USER} answered {answer.status_code}: {answer.text[:300]}")
    return http


def available_paths(http: httpx.Client, run: HttpRun) -> list[str]:
    paths = []
    for path in [*(path for _label, _method, path in FIGURES), PAGE]:
        answer = http.get(path)
        if answer.status_code == 404:
            run.missing[path] = "404: not built yet"
            continue
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.text[:500]}")
        if path == PAGE:
            run.page_kib = len(answer.content) / 1024
        paths.append(path)
    return paths


def time_requests(
    http: httpx.Client, paths: list[str], sets: list[dict[str, str]], rounds: int, refresh: bool
) -> dict[str, Timings]:
    """GET every path with every filter set, ``rounds`` times after a warm-up pass; with
    ``refresh`` each path is asked once, untimed, right before its timed request, so the timed
    one finds its figures in the cache (seconds old, never near the 60 s limit)."""
    timings: dict[str, Timings] = {path: Timings() for path in paths}

    def get(path: str, params: dict[str, str]) -> float:
        started = time.perf_counter()
        answer = http.get(path, params=params)
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(
                f"GET {path}?{urlencode(params)} answered {answer.status_code}: {answer.text[:500]}"
            )
        return elapsed

    for round_ in range(rounds + 1):  # the first pass warms up, untimed
        for params in sets:
            for path in paths:
                if refresh and round_:
                    get(path, params)
                elapsed = get(path, params)
                if round_:
                    timings[path].seconds.append(elapsed)
    return timings


def time_server(work_dir: Path, label: str, url: str, today: date, rounds: int) -> HttpRun:
    run = HttpRun()
    sets = filter_sets(today)
    password = secrets.token_urlsafe(18)
    for cache_seconds, bucket in ((0, run.uncached), (60, run.cached)):
        mode = "cache off" if cache_seconds == 0 else "cache on"
        server = StatsServer(work_dir, f"{label.lower()}-{cache_seconds}", url, cache_seconds)
        if cache_seconds == 0:
            # Once per database: what the daily sweep would have marked, and our user.
            server._cli("adoptions", "sweep")
            server.add_user(BENCH_USER, password, role="province_admin")
        say(f"{label}: starting the store ({mode}) on {server.base_url}")
        with serving(server, "the store"), closing(signed_in_client(server, password)) as http:
            paths = available_paths(http, run)
            if not paths:
                return run
            say(f"{label}, {mode}: {len(paths)} paths x {len(sets)} filter sets x {rounds} rounds")
            bucket.update(time_requests(http, paths, sets, rounds, refresh=cache_seconds > 0))
    return run


# -- one database --------------------------------------------------------------------------------------
@dataclass
class DatabaseReport:
    label: str
    dataset: StatsDataset | None = None
    insert_seconds: float = 0.0
    figures: dict[str, FigureRun] = field(default_factory=dict)
    together: dict[str, Timings] = field(default_factory=dict)  # all figures, per filter set
    http: HttpRun | None = None
    skipped: str = ""


async def load(url: str, apps: int, adoptions: int, today: date, label: str) -> tuple[StatsDataset, float]:
    from sqlalchemy import text

    from store.db.engine import create_engine
    from store.settings import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=url))
    progress = Progress(f"{label}: adoptions written", adoptions)
    try:
        started = time.perf_counter()
        dataset = await insert_dataset(engine, apps, adoptions, today=today, progress=progress.set)
        seconds = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            # What autovacuum does to freshly filled tables: statistics for the planner and the
            # visibility map for index-only scans.
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            async with autocommit.connect() as conn:
                await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return dataset, seconds


def run_database(
    label: str,
    url: str,
    work_dir: Path,
    *,
    apps: int,
    adoptions: int,
    today: date,
    rounds: int,
    explain: bool,
) -> DatabaseReport:
    report = DatabaseReport(label)
    say(f"{label}: writing {apps:,} apps and {adoptions:,} adoptions")
    report.dataset, report.insert_seconds = asyncio.run(load(url, apps, adoptions, today, label))
    say(f"{label}: {report.dataset.describe()}")
    say(f"{label}: timing each figure from StatsService ({rounds} rounds)")
    report.figures, report.together = asyncio.run(time_figures(url, today, rounds, explain))
    report.http = time_server(work_dir, label, url, today, rounds)
    return report


# -- report ------------------------------------------------------------------------------------------
def _p(timings: Timings | None) -> str:
    if timings is None or not timings.seconds:
        return "-"
    return f"{timings.p50:.1f} / {timings.p95:.1f}"


def database_rows(report: DatabaseReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("what", "uncached p50 / p95 ms", "cached p50 / p95 ms", "notes")]
    if report.skipped:
        return [*rows, ("(not run)", "", "", report.skipped)]
    for label, method, _path in FIGURES:
        run = report.figures.get(label)
        if run is None or run.missing:
            rows.append((f"figure {label}", "n/a", "", run.missing if run else ""))
            continue
        slowest = f", slowest statement {run.slowest.seconds * 1000:.1f} ms" if run.slowest else ""
        notes = f"{run.statements_per_call} statements{slowest}; {run.slowest_filters()}"
        rows.append((f"figure {label} ({method})", _p(run.timings), "", notes))
    for how, timings in report.together.items():
        rows.append((f"all {len(FIGURES)} figures, {how}", _p(timings), "", "a session each"))
    http = report.http
    if http is not None:
        for _label, _method, path in FIGURES:
            if path in http.missing:
                rows.append((f"GET {path}", "n/a", "n/a", http.missing[path]))
            else:
                rows.append((f"GET {path}", _p(http.uncached.get(path)), _p(http.cached.get(path)), ""))
        if PAGE in http.missing:
            rows.append((f"GET {PAGE} (dashboard page)", "n/a", "n/a", http.missing[PAGE]))
        else:
            notes = f"{http.page_kib:.0f} KiB of HTML"
            rows.append(
                (
                    f"GET {PAGE} (dashboard page)",
                    _p(http.uncached.get(PAGE)),
                    _p(http.cached.get(PAGE)),
                    notes,
                )
            )
    return rows


def target_rows(reports: list[DatabaseReport]) -> tuple[list[tuple[str, ...]], str]:
    """The dashboard target on PostgreSQL as the issue sets it — caching allowed, figures at most
    60 s old and dated — judged on the page with the figures cache on (what a running store
    serves, with its warmer); the page with every figure computed is shown beside it, not judged:
    it is what a filter combination nobody has looked at for a minute costs."""
    postgres = next((r for r in reports if r.label == "PostgreSQL"), None)
    rows: list[tuple[str, ...]] = []
    what = f"dashboard page p95 < {PAGE_P95_TARGET_MS:.0f} ms on PostgreSQL"
    if postgres is None or postgres.skipped or postgres.http is None:
        why = postgres.skipped if postgres else "PostgreSQL not measured"
        return [(what, "n/a", why[:80], "")], "n/a"
    cached = postgres.http.cached.get(PAGE)
    if cached is None or not cached.seconds:
        return [(what, "n/a", postgres.http.missing.get(PAGE, "not measured"), "")], "n/a"
    ok = cached.p95 < PAGE_P95_TARGET_MS
    measured = f"{cached.p95:.1f} ms"
    rows.append((f"{what}, figures cache on", measured, "figures at most 60 s old", verdict(ok)))
    page = postgres.http.uncached.get(PAGE)
    if page is not None and page.seconds:
        rows.append(
            (f"{what}, figures computed", f"{page.p95:.1f} ms", "a first view of new filters", "info")
        )
    return rows, verdict(ok)


def report_text(
    reports: list[DatabaseReport], machine: tuple[int, float], apps: int, adoptions: int, rounds: int
) -> str:
    cpus, load_1m = machine
    busy = "  (busy: figures are noisy)" if load_1m > cpus / 2 else ""
    sets = len(filter_sets(date.today()))
    lines = [
        "",
        "stats benchmark",
        f"machine: {cpus} CPUs, load {load_1m:.1f} at start{busy}",
        f"{apps:,} apps, {adoptions:,} adoptions; {rounds} rounds x {sets} filter sets per figure, "
        "after a warm-up pass",
    ]
    for report in reports:
        title = report.label
        if report.dataset is not None:
            title += f": written in {report.insert_seconds:.1f} s — {report.dataset.describe()}"
        lines += table(title, database_rows(report))
    rows, overall = target_rows(reports)
    lines += table("target", [("check", "measured", "how", "verdict"), *rows])
    for report in reports:
        for label, run in report.figures.items():
            if run.plan and run.slowest is not None:
                lines += [
                    "",
                    f"{report.label}, figure {label}: slowest statement "
                    f"({run.slowest.seconds * 1000:.1f} ms) and its plan",
                    run.slowest.sql,
                    run.plan,
                ]
    lines.append(f"overall: {overall}")
    return "\n".join(lines)


def run(
    apps: int = 10_000, adoptions: int = 100_000, rounds: int = 5, explain: bool = False, keep: bool = False
) -> int:
    """Run the whole benchmark; servers, databases and files are removed, even on Ctrl-C."""
    from store.stats.filters import local_today

    machine = machine_load()
    today = local_today()
    reports: list[DatabaseReport] = []
    with ExitStack() as stack:
        work_dir = scratch_dir(stack, "yue-bench-stats-", keep=keep)
        unreachable = postgres_reachable()
        if unreachable:
            say(f"{unreachable}; SQLite only")
            reports.append(DatabaseReport("PostgreSQL", skipped=unreachable))
        else:
            say("PostgreSQL: a fresh database")
            url = create_pg_database(stack, keep)
            reports.append(
                run_database(
                    "PostgreSQL",
                    url,
                    work_dir,
                    apps=apps,
                    adoptions=adoptions,
                    today=today,
                    rounds=rounds,
                    explain=explain,
                )
            )
        say("SQLite: a fresh database")
        sqlite_url = create_sqlite_database(work_dir, "stats.db")
        reports.append(
            run_database(
                "SQLite",
                sqlite_url,
                work_dir,
                apps=apps,
                adoptions=adoptions,
                today=today,
                rounds=rounds,
                explain=explain,
            )
        )
        print(report_text(reports, machine, apps, adoptions, rounds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run())
