"""The figures cache without a database: a figure is kept for the TTL and then computed again,
concurrent misses compute once, errors are never kept, the number of keys is bounded, and every
answer says when its figures were computed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from store.settings import SettingsError, load_settings
from store.stats.cache import STATS_CACHE, FiguresCache, cached
from store.stats.filters import StatsFilters

T0 = datetime(2026, 5, 15, 2, 0, tzinfo=UTC)


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Figure:
    """A compute function that counts its calls and answers with the call's number."""

    def __init__(self, delay: float = 0.0, fail: int = 0) -> None:
        self.calls = 0
        self.delay = delay
        self.fail = fail  # the first ``fail`` calls raise

    async def __call__(self) -> int:
        self.calls += 1
        call = self.calls
        if self.delay:
            await asyncio.sleep(self.delay)
        if call <= self.fail:
            raise ConnectionError(f"database away (call {call})")
        return call


ALL = StatsFilters()
THIS_YEAR = StatsFilters(start=datetime(2026, 1, 1).date(), end=T0.date(), preset="this_year")


async def test_a_figure_is_kept_for_the_ttl_and_says_when_it_was_computed() -> None:
    clock = Clock()
    cache = FiguresCache(ttl_seconds=60, clock=clock)
    figure = Figure()

    assert await cache.get("summary", ALL, figure) == (1, T0)
    clock.advance(59.9)
    assert await cache.get("summary", ALL, figure) == (1, T0)  # as_of: when it was computed
    assert figure.calls == 1

    clock.advance(0.1)  # 60 s old: computed again
    assert await cache.get("summary", ALL, figure) == (2, T0 + timedelta(seconds=60))
    assert figure.calls == 2


async def test_names_and_filters_are_separate_keys() -> None:
    cache = FiguresCache(clock=Clock())
    figure = Figure()
    await cache.get("summary", ALL, figure)
    await cache.get("regions", ALL, figure)
    await cache.get("summary", THIS_YEAR, figure)
    await cache.get("summary", StatsFilters(category="services"), figure)
    assert figure.calls == 4
    assert len(cache) == 4
    assert (await cache.get("summary", StatsFilters(), figure))[0] == 1  # equal filters: one key


async def test_a_clock_set_back_expires_the_entry() -> None:
    clock = Clock()
    cache = FiguresCache(clock=clock)
    figure = Figure()
    await cache.get("summary", ALL, figure)
    clock.advance(-3600)
    assert await cache.get("summary", ALL, figure) == (2, T0 - timedelta(hours=1))


async def test_twenty_concurrent_misses_compute_once() -> None:
    cache = FiguresCache(clock=Clock())
    figure = Figure(delay=0.05)
    answers = await asyncio.gather(*(cache.get("matrix", ALL, figure) for _ in range(20)))
    assert figure.calls == 1
    assert answers == [(1, T0)] * 20
    assert cache.computations == 1
    assert cache._locks == {}  # no lock outlives its callers


async def test_an_error_is_not_kept_and_the_next_caller_computes() -> None:
    cache = FiguresCache(clock=Clock())
    figure = Figure(fail=1)
    with pytest.raises(ConnectionError):
        await cache.get("summary", ALL, figure)
    assert len(cache) == 0
    assert await cache.get("summary", ALL, figure) == (2, T0)


async def test_waiters_compute_for_themselves_when_the_first_caller_fails() -> None:
    cache = FiguresCache(clock=Clock())
    figure = Figure(delay=0.02, fail=1)
    answers = await asyncio.gather(
        *(cache.get("trend", ALL, figure) for _ in range(5)), return_exceptions=True
    )
    assert isinstance(answers[0], ConnectionError)
    assert answers[1:] == [(2, T0)] * 4  # the second computation served the other four
    assert figure.calls == 2


async def test_a_cancelled_computation_leaves_nothing_and_a_waiter_takes_over() -> None:
    cache = FiguresCache(clock=Clock())
    figure = Figure(delay=0.05)
    first = asyncio.create_task(cache.get("apps", ALL, figure))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(cache.get("apps", ALL, figure))
    await asyncio.sleep(0.01)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == (2, T0)
    assert cache._locks == {}


async def test_the_number_of_keys_is_bounded_least_recently_used_first() -> None:
    clock = Clock()
    cache = FiguresCache(max_entries=3, clock=clock)
    figure = Figure()
    publishers = [StatsFilters(publisher=code) for code in ("440100", "440300", "440400", "440500")]
    for f in publishers[:3]:
        await cache.get("regions", f, figure)
    await cache.get("regions", publishers[0], figure)  # used again: now the most recent
    await cache.get("regions", publishers[3], figure)  # evicts 440300, the least recently used
    assert len(cache) == 3
    assert figure.calls == 4
    assert (await cache.get("regions", publishers[0], figure))[0] == 1  # still kept
    assert (await cache.get("regions", publishers[1], figure))[0] == 5  # computed again


async def test_many_filter_combinations_never_grow_past_the_bound() -> None:
    cache = FiguresCache(max_entries=256, clock=Clock())
    figure = Figure()
    for day in range(1000):
        start = (T0 - timedelta(days=day)).date()
        await cache.get("summary", StatsFilters(start=start, preset="custom"), figure)
    assert len(cache) == 256


async def test_ttl_zero_turns_the_cache_off() -> None:
    clock = Clock()
    cache = FiguresCache(ttl_seconds=0, clock=clock)
    figure = Figure()
    assert await cache.get("summary", ALL, figure) == (1, T0)
    clock.advance(1)
    assert await cache.get("summary", ALL, figure) == (2, T0 + timedelta(seconds=1))
    assert len(cache) == 0 and not cache.enabled


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        FiguresCache(ttl_seconds=-1)
    with pytest.raises(ValueError):
        FiguresCache(max_entries=0)


async def test_cached_uses_the_applications_cache() -> None:
    cache = FiguresCache(clock=Clock())
    request: Any = SimpleNamespace(app=SimpleNamespace(state={STATS_CACHE: cache}))
    figure = Figure()
    assert await cached(request, "zones", ALL, figure) == (1, T0)
    assert await cached(request, "zones", ALL, figure) == (1, T0)
    assert figure.calls == 1 and len(cache) == 1


def test_the_cache_age_is_a_setting_of_at_most_sixty_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORE_STATS_CACHE_SECONDS", raising=False)
    assert load_settings().stats.cache_seconds == 60
    monkeypatch.setenv("STORE_STATS_CACHE_SECONDS", "0")
    settings = load_settings()
    settings.check()
    assert settings.stats.cache_seconds == 0
    for refused in ("61", "-1"):
        monkeypatch.setenv("STORE_STATS_CACHE_SECONDS", refused)
        with pytest.raises(SettingsError, match="STORE_STATS_CACHE_SECONDS"):
            load_settings().check()
    monkeypatch.setenv("STORE_STATS_CACHE_SECONDS", "a minute")
    with pytest.raises(SettingsError, match="STORE_STATS_CACHE_SECONDS"):
        load_settings()
