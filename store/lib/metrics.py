"""The store's Prometheus metrics: every definition here, recorded by one-line calls at the places
things happen, read at ``/metrics`` (store/site/metrics.py).

Several workers: ``store run`` prepares a folder and names it in ``PROMETHEUS_MULTIPROC_DIR``
(store/lib/metricsdir.py) before any worker imports prometheus_client, which then keeps each
worker's values in memory-mapped files there; a scrape answered by any worker sums all of them.
Without that variable (tests, a bare ``uvicorn``), values live in this process only.

Labels stay bounded: a request is labelled with its route's path template (``/apps/{slug}``),
never the path a client sent, and requests no route matched share one label.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from .metricsdir import ENV_VAR

MULTIPROCESS_DIR = os.environ.get(ENV_VAR) or None
# "…_created" series (when each counter started) only double what a scrape shows; multiprocess
# mode has none either, so one process and several expose the same series.
disable_created_metrics()
#: The route label of requests no route matched (404s, 405s): one series, whatever the path.
UNMATCHED = "(unmatched)"

# Pages answer in milliseconds; the top buckets catch slow uploads and exports.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SEARCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

REQUESTS = Counter(
    "store_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "store_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
)
IN_PROGRESS = Gauge(
    "store_http_requests_in_progress",
    "Requests being answered now, all workers.",
    multiprocess_mode="livesum",
)
UPLOADS = Counter("store_uploads", "Files stored (artifacts by kind, and screenshots).", ["kind"])
UPLOAD_BYTES = Counter("store_upload_bytes", "Bytes of the files stored.", ["kind"])
DOWNLOADS = Counter("store_downloads", "Artifact downloads answered (a stream or a presigned redirect).")
DOWNLOAD_BYTES = Counter("store_download_bytes", "Bytes of the artifacts downloaded (their stored size).")
SEARCH_SECONDS = Histogram(
    "store_search_duration_seconds",
    "Time a search engine took to answer, by engine (meilisearch, database) and operation.",
    ["engine", "operation"],
    buckets=SEARCH_BUCKETS,
)
SEARCH_FALLBACKS = Counter(
    "store_search_fallbacks", "Searches Meilisearch failed, answered by the database instead."
)
ADOPTION_TRANSITIONS = Counter(
    "store_adoption_transitions",
    "Adoptions moved from one status to another (from_status 'none': a new request).",
    ["from_status", "to_status"],
)
ADOPTION_EVENTS = Counter(
    "store_adoption_events", "Changes written to adoptions' timelines, by kind.", ["kind"]
)
LOGIN_FAILURES = Counter(
    "store_login_failures",
    "Refused sign-ins: wrong_credentials (unknown user or wrong password) or locked_out.",
    ["reason"],
)
LOGIN_LOCKOUTS = Counter("store_login_lockouts", "Accounts (or unknown names) locked by too many failures.")


# ---------------------------------------------------------------- recording (one line at each place)


# A client may send any token as the method; only these become labels, the rest count as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def request_done(route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method, status)
    series = _request_series.get(key)
    if series is None:  # first time for this route, method and status: look the series up once
        label = method if method in METHODS else "other"
        series = (REQUESTS.labels(route, label, str(status)), REQUEST_SECONDS.labels(route, label))
        if method in METHODS:  # the cache stays as bounded as the labels
            _request_series[key] = series
    series[0].inc()
    series[1].observe(seconds)


def uploaded(kind: str, size: int) -> None:
    UPLOADS.labels(kind).inc()
    UPLOAD_BYTES.labels(kind).inc(size)


def downloaded(size: int) -> None:
    DOWNLOADS.inc()
    DOWNLOAD_BYTES.inc(size)


@contextlib.contextmanager
def timed_search(engine: str, operation: str) -> Iterator[None]:
    """Time a call to one search engine (failures included: the time was spent)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_SECONDS.labels(engine, operation).observe(time.perf_counter() - started)


def adoption_event(kind: str, from_status: str | None, to_status: str | None) -> None:
    ADOPTION_EVENTS.labels(kind).inc()
    if kind == "transition":
        ADOPTION_TRANSITIONS.labels(from_status or "none", to_status or "none").inc()


def login_failed(*, locked_out: bool = False, now_locked: bool = False) -> None:
    """A refused sign-in; ``now_locked`` when this failure locked the account."""
    LOGIN_FAILURES.labels("locked_out" if locked_out else "wrong_credentials").inc()
    if now_locked:
        LOGIN_LOCKOUTS.inc()


# ---------------------------------------------------------------- workers


def forget_dead_workers() -> None:
    """At a worker's start: drop the live gauges of workers that are gone (crashed and replaced
    by the server), and start this worker's own at zero — a new worker can get a dead one's pid
    and would otherwise read its last value back."""
    IN_PROGRESS.set(0)
    if MULTIPROCESS_DIR is None:
        return
    for pid in _pids_with_live_gauges(MULTIPROCESS_DIR):
        if pid != os.getpid() and not _alive(pid):
            _multiprocess.mark_process_dead(pid, MULTIPROCESS_DIR)


def mark_this_worker_dead() -> None:
    """At a worker's clean shutdown: its live gauges leave the sums (its counters stay)."""
    if MULTIPROCESS_DIR is not None:
        _multiprocess.mark_process_dead(os.getpid(), MULTIPROCESS_DIR)


def _pids_with_live_gauges(folder: str) -> set[int]:
    pids = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            # gauge_livesum_<pid>.db, gauge_liveall_<pid>.db …
            if entry.name.startswith("gauge_live") and entry.name.endswith(".db"):
                tail = entry.name[: -len(".db")].rsplit("_", 1)[-1]
                if tail.isdigit():
                    pids.add(int(tail))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ScrapeGauge:
    """A value computed when /metrics is read (from the database), not recorded by the workers.
    ``value`` None leaves the gauge out (it could not be read)."""

    name: str
    documentation: str
    value: float | None


class _Collector(Protocol):
    def collect(self) -> Iterable[Metric]: ...


class _Collected:
    """Several collectors read as one, for a single exposition."""

    def __init__(self, collectors: Iterable[_Collector]) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


class _ScrapeGauges:
    def __init__(self, gauges: Iterable[ScrapeGauge]) -> None:
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        for gauge in self.gauges:
            if gauge.value is not None:
                yield GaugeMetricFamily(gauge.name, gauge.documentation, value=gauge.value)


def exposition(accept: str, gauges: Iterable[ScrapeGauge] = ()) -> tuple[bytes, str]:
    """The metrics of every worker (or of this process) and ``gauges``, in the format the
    scraper asked for (Prometheus text, or OpenMetrics); returns the body and its content type."""
    recorded: _Collector = REGISTRY
    if MULTIPROCESS_DIR is not None:
        recorded = _multiprocess.MultiProcessCollector(None, MULTIPROCESS_DIR)
    encoder, content_type = choose_encoder(accept)
    return encoder(_Collected([recorded, _ScrapeGauges(gauges)])), content_type
