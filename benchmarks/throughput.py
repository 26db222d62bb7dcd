"""Throughput benchmark: how many requests a second the store serves with 2 workers on PostgreSQL.

One run:

1. writes the statistics benchmark's dataset into a fresh PostgreSQL database
   (``benchmarks/stats_dataset.py``: 10,000 apps in every city and 24 districts with their
   versions and labels, 100,000 adoptions in every state with their timelines), lets PostgreSQL
   analyse it, starts a throw-away Meilisearch (``tests.services.Meilisearch``) and fills both
   search indexes with ``store reindex``; creates a provincial staff user for the dashboard;
2. for each server ``store run`` offers (``--server``; uvicorn alone when it has no such option):

   * starts the **bare app** (``benchmarks/bare_app.py``: Litestar answering a fixed page) with
     that server and 2 workers and drives it with ``ab -k``: the framework's ceiling here;
   * starts the store with ``store run --workers 2`` (production settings, Meilisearch) and drives
     each target in turn with ``ab -k``, four ``ab`` processes at once (one URL each, ab takes
     one), 4 connections each: the catalog page with four sets of filters, four app pages,
     ``/api/v1/apps/{slug}``, ``/api/v1/apps`` with filters and ``/api/v1/search`` with four
     queries; one URL of each page target asks in English (``Accept-Language: en``);
   * meanwhile a thread signed in as provincial staff asks for the statistics dashboard
     (``/stats``, cycling through the stats benchmark's filter sets) every 0.25 s;

3. prints, per target: requests/s (the four ab processes summed), p50/p95/p99 over every request
   of the four, errors (non-2xx answers and failed requests), the ratio to the bare app's
   requests/s, the target and the 1-minute load average when the target finished (the machine is
   shared: a busy machine lowers every figure).

Targets (each over ``--duration`` seconds, default 300): pages ≥ 500 requests/s with p99 < 250 ms;
the API and search ≥ 800 requests/s with p99 < 150 ms; the dashboard p95 < 300 ms during the
loads. A missed target prints FAIL but exits 0; any error (a failed or non-2xx request, a server
that does not start) exits non-zero.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

import httpx

from benchmarks.figures import Timings, table
from benchmarks.search import create_pg_database, postgres_reachable
from benchmarks.upload import REPO_ROOT, StoreServer, machine_load, say, scratch_dir, serving, verdict

AB = os.environ.get("STORE_BENCH_AB", "/usr/bin/ab")
WORKERS = 2
URLS_PER_TARGET = 4
CONNECTIONS_PER_URL = 4  # 16 at once per target
WARM_UP_SECONDS = 3
# ab keeps a record per request (32 bytes), allocated up front from -n: enough for this many a
# second; a process that reaches it stops early, which the per-URL table notes.
MAX_RATE_PER_PROCESS = 12_000
STATS_GAP_SECONDS = 0.25
STATS_USER = "throughput_bench"
PAGE_TARGET = (500.0, 250.0)  # requests/s at least, p99 ms below
API_TARGET = (800.0, 150.0)
STATS_P95_TARGET_MS = 300.0
BARE_SERVERS = ("uvicorn", "granian")


# -- what is asked ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Url:
    path: str  # with its query, percent-encoded
    english: bool = False  # sent with Accept-Language: en


@dataclass(frozen=True)
class Target:
    name: str
    urls: tuple[Url, ...]
    min_rps: float
    max_p99_ms: float


def _url(path: str, params: dict[str, str] | None = None, *, english: bool = False) -> Url:
    query = urlencode(params or {}, quote_via=quote)
    return Url(path + (f"?{query}" if query else ""), english)


def store_targets(slugs: list[str], queries: list[dict[str, str]]) -> list[Target]:
    """The five targets, each with four URLs (``slugs`` and ``queries`` have four each)."""
    pages, api = PAGE_TARGET, API_TARGET
    return [
        Target(
            "catalog page /apps, with filters",
            (
                _url("/apps"),
                _url("/apps", {"category": "services", "sort": "reuse"}),
                _url("/apps", {"region": "440300", "kind": "application"}, english=True),
                _url("/apps", {"zone": "east_wing", "maturity": "mature", "page": "2"}),
            ),
            *pages,
        ),
        Target(
            "app page /apps/{slug}",
            tuple(_url(f"/apps/{slug}", english=i == 3) for i, slug in enumerate(slugs)),
            *pages,
        ),
        Target("API /api/v1/apps/{slug}", tuple(_url(f"/api/v1/apps/{slug}") for slug in slugs), *api),
        Target(
            "API /api/v1/apps, with filters",
            (
                _url("/api/v1/apps"),
                _url("/api/v1/apps", {"category": "services"}),
                _url("/api/v1/apps", {"region": "440100", "page": "2"}),
                _url("/api/v1/apps", {"zone": "north", "maturity": "mature", "per_page": "50"}),
            ),
            *api,
        ),
        Target(
            "search /api/v1/search?q=… (Meilisearch)",
            tuple(_url("/api/v1/search", params) for params in queries),
            *api,
        ),
    ]


def search_queries() -> list[dict[str, str]]:
    """Four of the search benchmark's fixed queries: a word, several words, pinyin, a need."""
    from benchmarks.catalog_gen import benchmark_queries

    chosen: dict[str, dict[str, str]] = {}
    for query in benchmark_queries(200):
        if query.group in ("word", "words", "pinyin", "need") and query.group not in chosen:
            chosen[query.group] = {**query.params, "per_page": "20"}
    return list(chosen.values())


async def pick_slugs(url: str) -> list[str]:
    """Two of the most adopted published apps (the longest pages), and those a third and two
    thirds into the published ones."""
    from sqlalchemy import text

    from store.db.engine import create_engine
    from store.settings import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with engine.connect() as conn:
            top = await conn.scalars(
                text(
                    "SELECT a.slug FROM apps a JOIN adoptions d ON d.app_id = a.id "
                    "WHERE a.status = 'published' GROUP BY a.id, a.slug ORDER BY count(*) DESC, a.id LIMIT 2"
                )
            )
            slugs = list(top)
            published = await conn.scalar(text("SELECT count(*) FROM apps WHERE status = 'published'")) or 0
            for offset in (published // 3, 2 * published // 3):
                slug = await conn.scalar(
                    text("SELECT slug FROM apps WHERE status = 'published' ORDER BY id LIMIT 1 OFFSET :n"),
                    {"n": offset},
                )
                if slug is not None:
                    slugs.append(slug)
    finally:
        await engine.dispose()
    if len(slugs) < URLS_PER_TARGET:
        raise RuntimeError(f"the dataset has too few published apps: {slugs}")
    return slugs[:URLS_PER_TARGET]


# -- ab --------------------------------------------------------------------------------------------
@dataclass
class AbRun:
    """What one ab process reported, and its per-request times (ms) from its gnuplot file."""

    url: Url
    complete: int = 0
    failed: int = 0
    non_2xx: int = 0
    keep_alive: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    times_ms: list[int] = field(default_factory=list)
    trouble: str = ""  # ab's exit status and last words when it did not finish cleanly
    capped: bool = False  # it reached -n before its time was up

    @property
    def errors(self) -> int:
        return self.failed + self.non_2xx


_AB_FIGURES = {
    "complete": re.compile(r"^Complete requests:\s+(\d+)", re.M),
    "failed": re.compile(r"^Failed requests:\s+(\d+)", re.M),
    "non_2xx": re.compile(r"^Non-2xx responses:\s+(\d+)", re.M),
    "keep_alive": re.compile(r"^Keep-Alive requests:\s+(\d+)", re.M),
}
_AB_SECONDS = re.compile(r"^Time taken for tests:\s+([\d.]+) seconds", re.M)
_AB_RPS = re.compile(r"^Requests per second:\s+([\d.]+)", re.M)


def ab_command(base_url: str, url: Url, seconds: int, gnuplot: Path, cookie: str | None = None) -> list[str]:
    command = [
        AB,
        "-k",  # keep-alive, as browsers and proxies do
        "-l",  # pages differ in length (a CSRF token, counts): not a failure
        "-r",  # count a reset connection as a failed request instead of stopping
        "-q",
        "-s",
        "30",
        "-c",
        str(CONNECTIONS_PER_URL),
        "-t",
        str(seconds),
        "-n",  # after -t, which would otherwise cap the requests at 50,000
        str(seconds * MAX_RATE_PER_PROCESS),
        "-g",
        str(gnuplot),
    ]
    if url.english:
        command += ["-H", "Accept-Language: en"]
    if cookie:
        command += ["-C", cookie]
    return [*command, base_url + url.path]


def parse_ab(url: Url, output: str, gnuplot: Path) -> AbRun:
    run = AbRun(url)
    for name, pattern in _AB_FIGURES.items():
        match = pattern.search(output)
        if match:
            setattr(run, name, int(match.group(1)))
    if match := _AB_SECONDS.search(output):
        run.seconds = float(match.group(1))
    if match := _AB_RPS.search(output):
        run.rps = float(match.group(1))
    if gnuplot.exists():
        with gnuplot.open() as lines:
            next(lines, None)  # the header
            for line in lines:
                columns = line.rstrip("\n").split("\t")
                if len(columns) >= 5 and columns[4].isdigit():
                    run.times_ms.append(int(columns[4]))
        gnuplot.unlink()
    return run


def drive(
    base_url: str, urls: tuple[Url, ...], seconds: int, work_dir: Path, cookie: str | None = None
) -> list[AbRun]:
    """One ab process per URL, all at once, for ``seconds``; their reports once all are done."""
    processes = []
    for i, url in enumerate(urls):
        gnuplot = work_dir / f"ab-{i}.tsv"
        process = subprocess.Popen(
            ab_command(base_url, url, seconds, gnuplot, cookie),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        processes.append((url, gnuplot, process))
    runs = []
    for url, gnuplot, process in processes:
        try:
            output, _ = process.communicate(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        text = output.decode(errors="replace")
        run = parse_ab(url, text, gnuplot)
        run.capped = run.complete >= seconds * MAX_RATE_PER_PROCESS
        if process.returncode != 0:
            run.trouble = f"ab exited with {process.returncode}: {text.strip().splitlines()[-1:]}"
        runs.append(run)
    return runs


# -- results ---------------------------------------------------------------------------------------
@dataclass
class TargetResult:
    name: str
    runs: list[AbRun]
    load_1m: float
    min_rps: float | None = None
    max_p99_ms: float | None = None

    @property
    def rps(self) -> float:
        return sum(run.rps for run in self.runs)

    @property
    def timings(self) -> Timings:
        return Timings([ms / 1000 for run in self.runs for ms in run.times_ms])

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs) + sum(1 for run in self.runs if run.trouble)

    @property
    def requests(self) -> int:
        return sum(run.complete for run in self.runs)

    def ok(self) -> bool | None:
        if self.min_rps is None or self.max_p99_ms is None:
            return None
        return self.rps >= self.min_rps and self.timings.p99 < self.max_p99_ms and not self.errors


@dataclass
class StatsSamples:
    timings: Timings = field(default_factory=Timings)
    errors: int = 0


class DashboardSampler(threading.Thread):
    """Asks for ``/stats`` as provincial staff every ``STATS_GAP_SECONDS`` until stopped."""

    def __init__(self, base_url: str, cookie: str, filter_sets: list[dict[str, str]]) -> None:
        super().__init__(daemon=True)
        self.base_url, self.cookie, self.filter_sets = base_url, cookie, filter_sets
        self.samples = StatsSamples()
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30.0, trust_env=False) as http:
            i = 0
            while not self.stopping.is_set():
                params = self.filter_sets[i % len(self.filter_sets)]
                i += 1
                started = time.perf_counter()
                try:
                    answer = http.get("/stats", params=params, headers={"Cookie": self.cookie})
                    status = answer.status_code
                except httpx.HTTPError:
                    status = 0
                self.samples.timings.seconds.append(time.perf_counter() - started)
                if not 200 <= status < 300:
                    self.samples.errors += 1
                self.stopping.wait(STATS_GAP_SECONDS)


@dataclass
class ServerReport:
    server: str
    bare: TargetResult | None = None
    targets: list[TargetResult] = field(default_factory=list)
    uncached: list[TargetResult] = field(default_factory=list)  # the page cache off: no targets
    dashboard: StatsSamples | None = None
    skipped: str = ""


# -- servers ---------------------------------------------------------------------------------------
def store_servers() -> list[str]:
    """The servers ``store run --server`` offers; uvicorn alone when it has no such option."""
    result = subprocess.run(
        [sys.executable, "-m", "store.cli", "run", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"--server\s+\[([\w|]+)\]", result.stdout)
    return match.group(1).split("|") if match else ["uvicorn"]


class ThroughputStore(StoreServer):
    """``store run --workers 2`` (production settings) on the benchmark database and Meilisearch."""

    def __init__(
        self, work_dir: Path, server: str, choosable: bool, database_url: str, meili_url: str, meili_key: str
    ) -> None:
        super().__init__(work_dir, None, max_upload_bytes=64 * 1024 * 1024)
        self.server, self.choosable = server, choosable
        self.log_path = work_dir / f"store-{server}.log"
        self.env.update(
            STORE_ENV="production",
            STORE_DATABASE_URL=database_url,
            STORE_SEARCH_BACKEND="meilisearch",
            STORE_MEILISEARCH_URL=meili_url,
            STORE_MEILISEARCH_KEY=meili_key,
            STORE_SEARCH_INDEX_PREFIX="bench",
        )

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "store.cli", "run", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(WORKERS)]
        return command + (["--server", self.server] if self.choosable else [])


class BareServer(StoreServer):
    """``benchmarks/bare_app.py`` under the same server, with the same number of workers."""

    def __init__(self, work_dir: Path, server: str) -> None:
        super().__init__(work_dir, None, max_upload_bytes=1024)
        self.server = server
        self.log_path = work_dir / f"bare-{server}.log"

    def command(self) -> list[str]:
        host, port, workers = "127.0.0.1", str(self.port), str(WORKERS)
        target = "benchmarks.bare_app:app"
        if self.server == "granian":
            return [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--host",
                host,
                "--port",
                port,
                "--workers",
                workers,
                target,
            ]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            host,
            "--port",
            port,
            "--workers",
            workers,
            "--log-level",
            "warning",
        ]


def signed_in_cookie(base_url: str, username: str, password: str) -> str:
    """The Cookie header a signed-in browser sends (read from Set-Cookie: in production the
    cookies are Secure, which a client keeps only for https)."""
    with httpx.Client(base_url=base_url, timeout=60.0, trust_env=False) as http:
        answer = http.post("/api/v1/auth/login", json={"username": username, "password": password})
        if answer.status_code != 200:
            raise RuntimeError(f"sign-in as {username} answered {answer.status_code}: {answer.text[:300]}")
        pairs = [header.split(";", 1)[0].strip() for header in answer.headers.get_list("set-cookie")]
    pairs = [pair for pair in pairs if "=" in pair and not pair.endswith("=")]
    if not pairs:
        raise RuntimeError(f"sign-in as {username} set no cookie")
    return "; ".join(pairs)


def warm_up(base_url: str, urls: tuple[Url, ...], cookie: str | None = None) -> None:
    """Each URL a few times, on a new connection each, so that both workers see it (templates
    compiled, pools filled, answers and figures kept); any error stops the run here, with the
    answer, rather than as a count after minutes of load."""
    with httpx.Client(base_url=base_url, timeout=60.0, trust_env=False) as http:
        for url in urls:
            headers = {"Connection": "close"}
            if url.english:
                headers["Accept-Language"] = "en"
            if cookie:
                headers["Cookie"] = cookie
            for _ in range(4):
                answer = http.get(url.path, headers=headers)
                if answer.status_code != 200:
                    raise RuntimeError(f"GET {url.path} answered {answer.status_code}: {answer.text[:500]}")


def run_target(
    base_url: str,
    name: str,
    urls: tuple[Url, ...],
    seconds: int,
    work_dir: Path,
    limits: tuple[float, float] | None,
) -> TargetResult:
    warm_up(base_url, urls)
    drive(base_url, urls, WARM_UP_SECONDS, work_dir)  # untimed: both workers warm
    say(f"  {name}: {len(urls)} x {CONNECTIONS_PER_URL} connections for {seconds} s")
    runs = drive(base_url, urls, seconds, work_dir)
    result = TargetResult(name, runs, os.getloadavg()[0])
    if limits is not None:
        result.min_rps, result.max_p99_ms = limits
    say(
        f"  {name}: {result.rps:,.0f} requests/s, {result.timings.describe()}, "
        f"{result.errors} errors, load {result.load_1m:.1f}"
    )
    return result


def run_targets(
    base_url: str, targets: list[Target], seconds: int, work_dir: Path, *, judged: bool, suffix: str = ""
) -> list[TargetResult]:
    """Each target in turn; judged against its goals or only shown."""
    return [
        run_target(
            base_url,
            target.name + suffix,
            target.urls,
            seconds,
            work_dir,
            (target.min_rps, target.max_p99_ms) if judged else None,
        )
        for target in targets
    ]


def run_server(server: str, choosable: bool, work_dir: Path, env: BenchEnv, seconds: int) -> ServerReport:
    report = ServerReport(server)
    bare = BareServer(work_dir, server)
    say(f"{server}: the bare app on {bare.base_url}")
    with serving(bare, "the bare app") as base_url:
        page = (Url("/"),) * URLS_PER_TARGET
        report.bare = run_target(base_url, "bare Litestar page", page, seconds, work_dir, None)

    store = ThroughputStore(work_dir, server, choosable, env.database_url, env.meili_url, env.meili_key)
    say(f"{server}: the store on {store.base_url}")
    with serving(store, "the store") as base_url:
        cookie = signed_in_cookie(base_url, STATS_USER, env.password)
        # Every filter set a few times, so both workers hold its figures, as they would after
        # a while in production (the figures cache and its warmer, store/stats/).
        warm_up(base_url, tuple(_url("/stats", params) for params in env.stats_filters), cookie)
        sampler = DashboardSampler(base_url, cookie, env.stats_filters)
        sampler.start()
        try:
            report.targets = run_targets(base_url, env.targets, seconds, work_dir, judged=True)
        finally:
            sampler.stopping.set()
            sampler.join()
        report.dashboard = sampler.samples

    # What building every answer costs: the same targets, shorter, with nothing kept.
    uncached = ThroughputStore(work_dir, server, choosable, env.database_url, env.meili_url, env.meili_key)
    uncached.env["STORE_PAGE_CACHE_SECONDS"] = "0"
    uncached.log_path = work_dir / f"store-{server}-uncached.log"
    say(f"{server}: the store with the page cache off, on {uncached.base_url}")
    with serving(uncached, "the store") as base_url:
        report.uncached = run_targets(
            base_url, env.targets, uncached_seconds(seconds), work_dir, judged=False, suffix=" (cache off)"
        )
    return report


def uncached_seconds(seconds: int) -> int:
    return max(10, seconds // 5) if seconds >= 10 else seconds


# -- the dataset -----------------------------------------------------------------------------------
@dataclass
class BenchEnv:
    database_url: str
    meili_url: str
    meili_key: str
    password: str
    targets: list[Target]
    stats_filters: list[dict[str, str]]
    described: str


def prepare(stack: ExitStack, work_dir: Path, apps: int, adoptions: int, keep: bool) -> BenchEnv:
    from benchmarks.stats import filter_sets, load
    from store.stats.filters import local_today
    from tests.services import Meilisearch

    today = local_today()
    say("PostgreSQL: a fresh database")
    url = create_pg_database(stack, keep)
    say(f"writing {apps:,} apps and {adoptions:,} adoptions")
    dataset, seconds = asyncio.run(load(url, apps, adoptions, today, "PostgreSQL"))
    say(f"written in {seconds:.0f} s: {dataset.describe()}")
    meili = stack.enter_context(Meilisearch())
    password = secrets.token_urlsafe(18)
    indexer = ThroughputStore(work_dir, "indexer", False, url, meili.url, meili.master_key)
    say("store reindex: the database index and Meilisearch")
    started = time.perf_counter()
    indexer._cli("reindex")
    say(f"indexed in {time.perf_counter() - started:.0f} s")
    indexer.add_user(STATS_USER, password, role="province_admin")
    slugs = asyncio.run(pick_slugs(url))
    return BenchEnv(
        database_url=url,
        meili_url=meili.url,
        meili_key=meili.master_key,
        password=password,
        targets=store_targets(slugs, search_queries()),
        stats_filters=filter_sets(today),
        described=dataset.describe(),
    )


# -- the report ------------------------------------------------------------------------------------
def _ms(value: float) -> str:
    return f"{value:.0f}" if value == value else "-"  # nan: nothing measured


def _result_row(result: TargetResult, bare_rps: float, goal: str) -> tuple[str, ...]:
    timings, ok = result.timings, result.ok()
    return (
        result.name,
        f"{result.rps:,.0f}",
        _ms(timings.p50),
        _ms(timings.p95),
        _ms(timings.p99),
        str(result.errors),
        f"{result.rps / bare_rps:.3f}" if bare_rps else "-",
        goal,
        "-" if ok is None else verdict(ok),
        f"{result.load_1m:.1f}",
    )


def server_rows(report: ServerReport) -> list[tuple[str, ...]]:
    """The bare app, the targets, the dashboard measured meanwhile, then the targets with the
    page cache off (shown, not judged)."""
    header = (
        "target",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "x bare",
        "target",
        "verdict",
        "load",
    )
    rows: list[tuple[str, ...]] = [header]
    bare_rps = report.bare.rps if report.bare else 0.0
    if report.bare:
        rows.append(_result_row(report.bare, bare_rps, "(the ceiling)"))
    for result in report.targets:
        rows.append(
            _result_row(result, bare_rps, f">= {result.min_rps:.0f}/s, p99 < {result.max_p99_ms:.0f}")
        )
    dashboard = report.dashboard
    if dashboard is not None:
        timings = dashboard.timings
        ok = bool(timings.seconds) and timings.p95 < STATS_P95_TARGET_MS and not dashboard.errors
        rows.append(
            (
                f"stats dashboard /stats (staff, {len(timings.seconds)} during the loads)",
                "-",
                _ms(timings.p50),
                _ms(timings.p95),
                _ms(timings.p99),
                str(dashboard.errors),
                "-",
                f"p95 < {STATS_P95_TARGET_MS:.0f}",
                verdict(ok),
                "",
            )
        )
    for result in report.uncached:
        rows.append(_result_row(result, bare_rps, "(shown only)"))
    return rows


def url_rows(report: ServerReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("url", "req/s", "p99 ms", "errors", "keep-alive", "notes")]
    passes = [
        ("", [report.bare] if report.bare else []),
        ("", report.targets),
        ("[cache off] ", report.uncached),
    ]
    for prefix, results in passes:
        for result in results:
            for run in result.runs:
                timings = Timings([ms / 1000 for ms in run.times_ms])
                path = prefix + unquote(run.url.path) + ("  [en]" if run.url.english else "")
                notes = run.trouble or (f"non-2xx {run.non_2xx}, failed {run.failed}" if run.errors else "")
                if run.capped:
                    notes = f"{notes}; stopped at -n after {run.seconds:.0f} s".lstrip("; ")
                rows.append(
                    (path, f"{run.rps:,.0f}", _ms(timings.p99), str(run.errors), f"{run.keep_alive:,}", notes)
                )
    return rows


def report_text(
    reports: list[ServerReport], env: BenchEnv | None, machine: tuple[int, float], seconds: int
) -> str:
    cpus, load_1m = machine
    lines = [
        "",
        "throughput benchmark",
        f"machine: {cpus} CPUs, load {load_1m:.1f} at start (1-minute load per target in the last column)",
        f"{WORKERS} workers; ab -k, {URLS_PER_TARGET} URLs x {CONNECTIONS_PER_URL} connections per target, "
        f"{seconds} s each after a {WARM_UP_SECONDS} s warm-up",
    ]
    if env is not None:
        lines.append(f"dataset: {env.described}")
    for report in reports:
        if report.skipped:
            lines += ["", f"{report.server}: not run: {report.skipped}"]
            continue
        lines += table(f"{report.server}: store run --workers {WORKERS} on PostgreSQL", server_rows(report))
        lines += table(f"{report.server}: per URL", url_rows(report))
    return "\n".join(lines)


def overall(reports: list[ServerReport]) -> tuple[bool, bool]:
    """(all targets met, no errors)."""
    met, clean = True, True
    for report in reports:
        for result in [*([report.bare] if report.bare else []), *report.targets, *report.uncached]:
            clean = clean and not result.errors
            met = met and result.ok() is not False
        if report.dashboard is not None:
            clean = clean and not report.dashboard.errors
            met = met and report.dashboard.timings.p95 < STATS_P95_TARGET_MS
    return met, clean


def run(
    seconds: float = 300.0,
    apps: int = 10_000,
    adoptions: int = 100_000,
    keep: bool = False,
    server: str | None = None,
) -> int:
    """Run the whole benchmark (for ``server`` only, if given); servers, databases and files are
    removed, even on Ctrl-C."""
    if not Path(AB).exists():
        say(f"ab is not installed at {AB} (apache2-utils); set STORE_BENCH_AB to its path")
        return 1
    unreachable = postgres_reachable()
    if unreachable:
        say(unreachable)
        return 1
    duration = max(1, round(seconds))
    machine = machine_load()
    reports: list[ServerReport] = []
    env: BenchEnv | None = None
    with ExitStack() as stack:
        work_dir = scratch_dir(stack, "yue-bench-throughput-", keep=keep)
        env = prepare(stack, work_dir, apps, adoptions, keep)
        servers = store_servers()
        for name in servers if server is None else [server]:
            if name not in BARE_SERVERS or name not in servers:
                reports.append(ServerReport(name, skipped="no bare app command, or `store run` lacks it"))
                continue
            reports.append(run_server(name, len(servers) > 1, work_dir, env, duration))
    print(report_text(reports, env, machine, duration), flush=True)
    met, clean = overall(reports)
    print(f"overall: {verdict(met)}{'' if clean else ', with errors'}")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(run(seconds=float(sys.argv[1]) if len(sys.argv) > 1 else 300.0))
