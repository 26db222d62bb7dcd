"""What the public catalog asks the database on every request although it seldom changes.

- the cities and districts, with their names: a ``region`` filter is checked against them, the
  catalog page offers the cities as a filter and names the chosen one;
- the ids of deprecated apps, which ``GET /api/v1/apps`` leaves out of the search's answer.

Each is kept ``STORE_PAGE_CACHE_SECONDS`` in each worker (0: read every time) and dropped after
the commit of any change that emits a domain event, through the seam that feeds search
(``store.lib.httpcache.ClearOnCommit``, wired in ``create_app``): deprecating an app is seen at
once by that worker, by the others within the TTL. Regions change only through the regions admin,
which emits no event: a new district is offered within the TTL.

One instance per application (tests build several, on different databases), in the application
state under :data:`CATALOG_CACHE`; the catalog's pages and API read it from there.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m

CATALOG_CACHE = "catalog_cache"
"""Key, in the application state, of the :class:`CatalogCache`."""


@dataclass(frozen=True)
class Place:
    """A city or district as the catalog shows it."""

    code: str
    name: str
    level: str


class CatalogCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._kept: dict[str, tuple[float, Any]] = {}

    async def _get(self, name: str, load: Callable[[], Awaitable[Any]]) -> Any:
        if self.ttl <= 0:
            return await load()
        kept = self._kept.get(name)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        value = await load()
        self._kept[name] = (time.monotonic() + self.ttl, value)
        return value

    def clear(self) -> None:
        self._kept.clear()

    async def places(self, session: AsyncSession) -> dict[str, Place]:
        """Every city and district by code, cities first, each in code order."""

        async def load() -> dict[str, Place]:
            rows = await session.execute(
                select(m.Region.code, m.Region.name, m.Region.level)
                .where(m.Region.level.in_((m.RegionLevel.CITY, m.RegionLevel.DISTRICT)))
                .order_by(m.Region.level != m.RegionLevel.CITY, m.Region.code)
            )
            return {code: Place(code, name, level) for code, name, level in rows}

        return cast(dict[str, Place], await self._get("places", load))

    async def cities(self, session: AsyncSession) -> list[Place]:
        return [place for place in (await self.places(session)).values() if place.level == m.RegionLevel.CITY]

    async def deprecated_ids(self, session: AsyncSession) -> tuple[int, ...]:
        async def load() -> tuple[int, ...]:
            ids = await session.scalars(select(m.App.id).where(m.App.status == m.AppStatus.DEPRECATED))
            return tuple(ids)

        return cast(tuple[int, ...], await self._get("deprecated", load))


def catalog_cache(request: Request[Any, Any, Any]) -> CatalogCache:
    """The application's cache; an application built without one reads every time."""
    cache = request.app.state.get(CATALOG_CACHE)
    return cache if isinstance(cache, CatalogCache) else CatalogCache(0)
