"""Figures computed by the database (aggregate SQL), never by summing rows in Python."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog.rules import SHOWN_TO_PUBLIC
from store.db import models as m

from . import figures
from .figures import AppFigures, Matrix, MonthRow, Places, RegionRow, Summary, TimeToLive, ZoneRow
from .filters import StatsFilters, local_today

DEFAULT_APPS_LIMIT = 20  # apps in each of the apps figure's two lists, unless asked otherwise
# Figures computed as parts of another: the cities, zones and matrix come from one statement
# (``figures.places``), so reading several of them (a page, the cache) computes it once.
PARTS: dict[str, str] = {"regions": "places", "zones": "places", "matrix": "places"}


def source_of(figure: str, along: Collection[str] = ()) -> str:
    """What is computed to read ``figure``: ``places`` for its parts, and for the summary read
    along with one of them (``places`` holds the summary too, for less than the two apart);
    else the figure itself."""
    if figure == "summary" and any(name in PARTS for name in along):
        return "places"
    return PARTS.get(figure, figure)


def part_of(figure: str, source: str, value: Any) -> Any:
    """``figure`` out of ``value``, the value of its source (``source_of``)."""
    return value if source == figure else getattr(value, figure)


@dataclass(frozen=True)
class CatalogFigures:
    """What the home page shows about the catalog."""

    apps: int
    publishing_regions: int
    ewn_apps: int  # published apps whose publisher is in 粤东西北
    versions: int  # approved versions of published apps that are not withdrawn


class StatsService:
    """The figures for a period and filters (see ``store.stats.figures`` for what each means).
    ``today`` (China Standard Time by default) ends the trend of an open period."""

    def __init__(self, session: AsyncSession, *, today: Callable[[], date] | None = None) -> None:
        self.session = session
        self.today = today or local_today

    async def get_summary(self, f: StatsFilters) -> Summary:
        return await figures.summary(self.session, f)

    async def get_places(self, f: StatsFilters) -> Places:
        """The cities, zones, matrix and summary at once (one statement)."""
        return await figures.places(self.session, f)

    async def list_regions(self, f: StatsFilters) -> list[RegionRow]:
        """All 21 cities in code order, zeros included; districts rolled up."""
        return (await self.get_places(f)).regions

    async def list_zones(self, f: StatsFilters) -> list[ZoneRow]:
        """The 4 zones, in the order of ``m.Zone``."""
        return (await self.get_places(f)).zones

    async def get_matrix(self, f: StatsFilters) -> Matrix:
        return (await self.get_places(f)).matrix

    async def list_trend(self, f: StatsFilters) -> list[MonthRow]:
        return await figures.trend(self.session, f, today=self.today())

    async def get_apps(self, f: StatsFilters, limit: int = 20) -> AppFigures:
        """The top ``limit`` reused apps and up to ``limit`` apps not yet adopted (1–100)."""
        return await figures.app_figures(self.session, f, limit)

    async def get_time_to_live(self, f: StatsFilters) -> TimeToLive:
        return await figures.time_to_live(self.session, f)

    async def get_catalog_figures(self) -> CatalogFigures:
        published = m.App.status == m.AppStatus.PUBLISHED
        in_ewn = m.Region.is_east_west_north.is_(True)
        row = (
            await self.session.execute(
                select(
                    func.count(m.App.id),
                    func.count(func.distinct(m.App.region_code)),
                    func.count(m.App.id).filter(in_ewn),
                )
                .select_from(m.App)
                .join(m.Region, m.Region.code == m.App.region_code)
                .where(published)
            )
        ).one()
        versions = await self.session.scalar(
            select(func.count())
            .select_from(m.Version)
            .join(m.App)
            .where(
                published,
                m.Version.yanked.is_(False),
                m.Version.review_status == SHOWN_TO_PUBLIC,  # not those still in review
            )
        )
        return CatalogFigures(apps=row[0], publishing_regions=row[1], ewn_apps=row[2], versions=versions or 0)

    async def read(self, figure: str, f: StatsFilters, *, limit: int = DEFAULT_APPS_LIMIT) -> Any:
        """One figure by its name (``rules.FIGURES``, or ``places`` for the three parts of it):
        the one way the API and the pages read them."""
        readers: dict[str, Callable[[], Awaitable[Any]]] = {
            "summary": lambda: self.get_summary(f),
            "places": lambda: self.get_places(f),
            "trend": lambda: self.list_trend(f),
            "apps": lambda: self.get_apps(f, limit=limit),
            "time-to-live": lambda: self.get_time_to_live(f),
        }
        source = source_of(figure)
        return part_of(figure, source, await readers[source]())
