"""The figures cache in the running application, on SQLite and PostgreSQL: it lives in the app's
state with the configured age, keeps a figure computed by the database until it expires (a new
app shows up only then, and ``as_of`` says when the figures were taken), and twenty requests that
miss at once cost the database one computation."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.app import create_app
from store.db.engine import session_maker
from store.settings import Settings, StatsSettings
from store.stats.cache import STATS_CACHE, FiguresCache, cached
from store.stats.filters import StatsFilters
from store.stats.services import StatsService
from tests.factories import auth_headers, make_user, published_app

T0 = datetime(2026, 5, 15, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The application's cache swapped for one on a clock the test moves (restored afterwards)."""
    clock = Clock()
    monkeypatch.setitem(app.state, STATS_CACHE, FiguresCache(ttl_seconds=60, clock=clock))
    return clock


def request_to(app: Litestar) -> Any:
    """What ``cached`` reads of a request: the application it came to."""
    return SimpleNamespace(app=app)


async def catalog_figures(engine: AsyncEngine) -> Any:
    """The figures in a session of their own, as a request computes them."""
    async with session_maker(engine)() as session:
        return await StatsService(session).get_catalog_figures()


def test_the_application_keeps_the_figures_cache_in_its_state(app: Litestar, settings: Settings) -> None:
    cache = app.state[STATS_CACHE]
    assert isinstance(cache, FiguresCache)
    assert cache.ttl_seconds == settings.stats.cache_seconds


@pytest.mark.parametrize(("seconds", "enabled"), [(60, True), (0, False)])
async def test_the_cache_keeps_figures_for_the_configured_seconds(
    settings: Settings, seconds: int, enabled: bool
) -> None:
    configured = create_app(replace(settings, stats=StatsSettings(cache_seconds=seconds)))
    try:
        cache = configured.state[STATS_CACHE]
        assert (cache.ttl_seconds, cache.enabled) == (seconds, enabled)
    finally:
        await configured.state["engine"].dispose()


async def test_a_new_app_shows_once_the_cached_figures_expire(
    app: Litestar, client: httpx.AsyncClient, db: AsyncSession, engine: AsyncEngine, clock: Clock
) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer"))
    await published_app(client, publisher, reviewer, name="深圳市统计缓存测试平台", name_en="Cache test one")
    request = request_to(app)

    figures, as_of = await cached(request, "catalog", StatsFilters(), lambda: catalog_figures(engine))
    assert (figures.apps, as_of) == (1, T0)

    await published_app(client, publisher, reviewer, name="深圳市统计缓存第二平台", name_en="Cache test two")
    clock.now = T0 + timedelta(seconds=59)
    figures, as_of = await cached(request, "catalog", StatsFilters(), lambda: catalog_figures(engine))
    assert (figures.apps, as_of) == (1, T0)  # still the kept figures, and they say how old they are

    clock.now = T0 + timedelta(seconds=60)
    figures, as_of = await cached(request, "catalog", StatsFilters(), lambda: catalog_figures(engine))
    assert (figures.apps, as_of) == (2, T0 + timedelta(seconds=60))  # computed again: the database's count
    assert (await catalog_figures(engine)).apps == 2


async def test_twenty_concurrent_requests_cost_the_database_one_computation(
    app: Litestar, client: httpx.AsyncClient, db: AsyncSession, engine: AsyncEngine, clock: Clock
) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "441400"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer"))
    await published_app(client, publisher, reviewer, name="梅州市统计并发测试平台", name_en="Cache race")
    computed = 0

    async def compute() -> Any:
        nonlocal computed
        computed += 1
        await asyncio.sleep(0.05)  # long enough for every request to arrive while it runs
        return await catalog_figures(engine)

    answers = await asyncio.gather(
        *(cached(request_to(app), "catalog", StatsFilters(), compute) for _ in range(20))
    )
    assert computed == 1
    assert {(figures.apps, figures.ewn_apps, as_of) for figures, as_of in answers} == {(1, 1, T0)}
