"""Refresh ahead on SQLite and PostgreSQL: a figure someone read is computed again by the warmer
shortly before it expires, so the next reader finds it in the cache, with the database's new
numbers and an ``as_of`` that says when; a figure nobody read lately is left to expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.db.engine import session_maker
from store.stats.cache import STATS_CACHE, FiguresCache, cached, compute_entry
from store.stats.filters import StatsFilters
from store.stats.services import StatsService
from store.stats.warmer import READ_IN_LAST_SECONDS, FiguresWarmer
from tests.factories import auth_headers, make_user, published_app

T0 = datetime(2026, 5, 15, 2, 0, tzinfo=UTC)
ALL = StatsFilters()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> None:
        self.now = T0 + timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(app: Litestar, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> FiguresCache:
    """A 60-second cache on the test's clock in place of the application's (restored after)."""
    kept = FiguresCache(ttl_seconds=60, clock=clock)
    monkeypatch.setitem(app.state, STATS_CACHE, kept)
    return kept


async def read_summary(app: Litestar, engine: AsyncEngine) -> tuple[Any, datetime]:
    """The summary through the cache, computed (on a miss) in a session of its own, as a page does."""
    async with session_maker(engine)() as session:
        service = StatsService(session)
        return await cached(
            SimpleNamespace(app=app), "summary", ALL, lambda: compute_entry(service, "summary", ALL)
        )


async def publish(client: httpx.AsyncClient, db: AsyncSession, name: str, name_en: str) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "441400"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer"))
    await published_app(client, publisher, reviewer, name=name, name_en=name_en)


async def test_a_figure_read_lately_is_computed_again_before_it_expires(
    app: Litestar,
    client: httpx.AsyncClient,
    db: AsyncSession,
    engine: AsyncEngine,
    cache: FiguresCache,
    clock: Clock,
) -> None:
    await publish(client, db, "梅州市预热测试平台", "Warmer one")
    summary, as_of = await read_summary(app, engine)
    assert (summary.published_apps, as_of) == (1, T0)
    warmer = FiguresWarmer(cache, session_maker(engine))

    clock.at(30)  # half its life: not due yet
    assert await warmer.run_once() == 0

    await publish(client, db, "梅州市预热第二平台", "Warmer two")
    clock.at(50)  # within the last 12 seconds of its life: due
    assert await warmer.run_once() == 1
    computations = cache.computations

    clock.at(65)  # past the first computation's minute: the refreshed one answers, no new computation
    summary, as_of = await read_summary(app, engine)
    assert (summary.published_apps, as_of) == (2, T0 + timedelta(seconds=50))
    assert cache.computations == computations


async def test_a_figure_nobody_read_lately_is_left_to_expire(
    app: Litestar,
    client: httpx.AsyncClient,
    db: AsyncSession,
    engine: AsyncEngine,
    cache: FiguresCache,
    clock: Clock,
) -> None:
    await publish(client, db, "梅州市预热过期测试平台", "Warmer idle")
    await read_summary(app, engine)
    warmer = FiguresWarmer(cache, session_maker(engine))
    clock.at(READ_IN_LAST_SECONDS + 1)  # read once, more than ten minutes ago
    computations = cache.computations
    assert await warmer.run_once() == 0
    assert cache.computations == computations


async def test_the_warmer_does_nothing_when_the_cache_is_off(engine: AsyncEngine) -> None:
    off = FiguresCache(ttl_seconds=0)
    warmer = FiguresWarmer(off, session_maker(engine))
    await warmer.start()
    try:
        assert warmer.refreshed == 0 and await warmer.run_once() == 0
    finally:
        await warmer.stop()
