"""The figures cache: each figure, for each period and filters, computed at most once a minute.

Every figure is one or a few aggregate statements over all apps and adoptions; the dashboard asks
for seven of them on each view, and a provincial office tends to open the same period many times.
So each process keeps what it computed for a short time (``STORE_STATS_CACHE_SECONDS``, at most 60
seconds; 0 turns the cache off) and every answer and page says how old its figures are (``as_of``).

* The key is the figure's name and the period and filters (``StatsFilters.as_dict()``), never the
  user: callers cache the whole figure and cut it to what the user may see afterwards (a city's
  staff get their own city's row of the regions table).
* Concurrent misses for one key compute once: the first caller computes while holding the key's
  lock, the others wait for it and take its result. If it fails (or is cancelled), nothing is
  cached and the next waiter computes for itself; errors are never cached.
* At most ``max_entries`` keys are kept, the least recently used going first, so requests with
  every combination of filters cannot grow the process's memory without bound.
* The clock is injectable (tests); an entry whose moment lies in the clock's future (the wall
  clock was set back) counts as expired.
* Refresh ahead: each process's ``FiguresWarmer`` (store/stats/warmer.py) computes again, shortly
  before they expire, the entries someone read in the last few minutes, so a dashboard people
  keep open or come back to is answered from the cache rather than computed on their request.
  Such an entry is still at most ``ttl_seconds`` old when read.

Cached values are shared between requests: the figures are frozen dataclasses, and callers must
not change the lists inside them.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from litestar import Request

from .filters import StatsFilters
from .services import DEFAULT_APPS_LIMIT, StatsService, part_of, source_of

STATS_CACHE = "stats_cache"  # the application state's key (store/app.py)
MAX_TTL_SECONDS = 60  # figures are never older than this (the promise)
DEFAULT_MAX_ENTRIES = 256

T = TypeVar("T")
Clock = Callable[[], datetime]
Key = tuple[str, tuple[tuple[str, str | None], ...]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Entry:
    value: Any
    as_of: datetime  # when its computation started
    filters: StatsFilters  # what it was computed for (to compute it again ahead of expiry)
    read_at: datetime  # when a caller last took it


@dataclass
class _KeyLock:
    """The lock of one key, and how many callers hold or wait for it (dropped at zero)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class FiguresCache:
    """Figures by (name, period and filters), each kept ``ttl_seconds`` (0: not cached at all)."""

    def __init__(
        self,
        ttl_seconds: float = MAX_TTL_SECONDS,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Clock = utc_now,
    ) -> None:
        if ttl_seconds < 0 or max_entries < 1:
            raise ValueError("ttl_seconds must be at least 0 and max_entries at least 1")
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._locks: dict[Key, _KeyLock] = {}
        self.computations = 0  # how many times a figure was computed (tests, the benchmark)

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    @staticmethod
    def key(name: str, filters: StatsFilters) -> Key:
        return name, tuple(sorted(filters.as_dict().items()))

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    async def get(
        self, name: str, filters: StatsFilters, compute: Callable[[], Awaitable[T]]
    ) -> tuple[T, datetime]:
        """The figure ``name`` for ``filters`` and the moment it was computed (UTC): from the
        cache while younger than the TTL, else from ``compute()`` (whose errors propagate)."""
        if not self.enabled:
            return await self._compute(compute)
        key = self.key(name, filters)
        if (hit := self._fresh(key)) is not None:
            return cast(tuple[T, datetime], hit)
        holder = self._locks.setdefault(key, _KeyLock())
        holder.users += 1
        try:
            async with holder.lock:
                # Whoever held the lock before may have just computed it.
                if (hit := self._fresh(key)) is not None:
                    return cast(tuple[T, datetime], hit)
                value, as_of = await self._compute(compute)
                self._store(key, value, as_of, filters)
                return value, as_of
        finally:
            self._release(key, holder)

    async def refresh(self, name: str, filters: StatsFilters, compute: Callable[[], Awaitable[Any]]) -> None:
        """Compute ``name`` for ``filters`` again and keep it, fresh or not (the warmer). Callers
        that miss meanwhile wait for it, as they wait for any computation of their key."""
        if not self.enabled:
            return
        key = self.key(name, filters)
        holder = self._locks.setdefault(key, _KeyLock())
        holder.users += 1
        try:
            async with holder.lock:
                read_at = entry.read_at if (entry := self._entries.get(key)) else None
                value, as_of = await self._compute(compute)
                self._store(key, value, as_of, filters, read_at=read_at)
        finally:
            self._release(key, holder)

    def due(self, *, within_seconds: float, read_in_last_seconds: float) -> list[tuple[str, StatsFilters]]:
        """The entries to compute again now: read in the last ``read_in_last_seconds`` and
        expiring within ``within_seconds`` (or gone stale already)."""
        now = self.clock()
        return [
            (name, entry.filters)
            for (name, _items), entry in list(self._entries.items())
            if (now - entry.read_at).total_seconds() <= read_in_last_seconds
            and (now - entry.as_of).total_seconds() >= self.ttl_seconds - within_seconds
        ]

    def _release(self, key: Key, holder: _KeyLock) -> None:
        holder.users -= 1
        if holder.users == 0:
            del self._locks[key]

    async def _compute(self, compute: Callable[[], Awaitable[T]]) -> tuple[T, datetime]:
        # The moment the computation starts: the figures reflect the database from then on.
        as_of = self.clock()
        self.computations += 1
        return await compute(), as_of

    def _fresh(self, key: Key) -> tuple[Any, datetime] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self.clock()
        age = (now - entry.as_of).total_seconds()
        if not 0 <= age < self.ttl_seconds:
            del self._entries[key]
            return None
        entry.read_at = now
        self._entries.move_to_end(key)
        return entry.value, entry.as_of

    def _store(
        self, key: Key, value: Any, as_of: datetime, filters: StatsFilters, *, read_at: datetime | None = None
    ) -> None:
        self._entries[key] = _Entry(value, as_of, filters, read_at or self.clock())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


async def cached(
    request: Request[Any, Any, Any],
    name: str,
    filters: StatsFilters,
    compute: Callable[[], Awaitable[T]],
) -> tuple[T, datetime]:
    """The figure ``name`` for ``filters`` through the application's cache, and its ``as_of``.

    ``compute`` is called without arguments, e.g.
    ``await cached(request, "summary", f, lambda: StatsService(db_session).get_summary(f))``.
    """
    cache: FiguresCache = request.app.state[STATS_CACHE]
    return await cache.get(name, filters, compute)


async def cached_figure(
    request: Request[Any, Any, Any],
    service: StatsService,
    figure: str,
    filters: StatsFilters,
    *,
    limit: int = DEFAULT_APPS_LIMIT,
) -> tuple[Any, datetime]:
    """``figure`` for ``filters`` through the cache (the API and the pages share entries), and its
    ``as_of``. The cities, zones and matrix share one entry (``places``, computed together); the
    apps figure's length is part of its key when it is not the default."""
    source = source_of(figure)
    name = source if limit == DEFAULT_APPS_LIMIT else f"{source}:{limit}"
    value, as_of = await cached(request, name, filters, lambda: compute_entry(service, name, filters))
    return part_of(figure, source, value), as_of


async def compute_entry(service: StatsService, name: str, filters: StatsFilters) -> Any:
    """The value of the cache entry ``name`` (``summary``, ``places``, ``apps:50``…) for
    ``filters``, computed on ``service``'s session: how ``cached_figure`` and the warmer fill it."""
    source, _, limit = name.partition(":")
    return await service.read(source, filters, limit=int(limit) if limit else DEFAULT_APPS_LIMIT)
