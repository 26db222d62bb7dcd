"""Figures by place: the 21 cities (districts rolled up), the 4 zones, and the publisher ×
adopter matrix of live adoptions. Each is one statement that starts from the cities, so a city
with nothing is still there, at zero."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.db import models as m

from ..filters import StatsFilters
from ._sql import adoption_cells, app_filters, published_in, region_cities
from ._values import plain

ZONES: tuple[str, ...] = tuple(zone.value for zone in m.Zone)
COUNTS = ("published", "adoptions_made", "adoptions_received", "live_made", "live_received")


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    name_en: str
    zone: str
    is_east_west_north: bool
    published: int  # apps first published in the period by the city or its districts
    adoptions_made: int  # adoptions requested in the period by the city or its districts
    adoptions_received: int  # adoptions requested in the period of the city's apps
    live_made: int  # live adoptions (went live in the period) as adopter
    live_received: int  # live adoptions (went live in the period) of the city's apps

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class ZoneRow:
    zone: str
    cities: int  # how many of the 21 cities lie in the zone
    published: int
    adoptions_made: int
    adoptions_received: int
    live_made: int
    live_received: int

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class CityRef:
    code: str
    name: str
    name_en: str

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class Matrix:
    cities: list[CityRef]  # the 21, in code order: the rows (publishers) and the columns (adopters)
    live: list[list[int]]  # live[publisher][adopter]: live adoptions that went live in the period

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def _city_counts(f: StatsFilters) -> Select[Any]:
    """Every city with its five counts, in code order (the statement behind both tables): the
    adoption cells summed by the adopter's city and by the publisher's city."""
    city = aliased(m.Region, name="city")
    cells = adoption_cells(f)

    publisher = region_cities("pub_place")
    published = (
        select(publisher.c.city_code, func.count(m.App.id).label("n"))
        .join(publisher, publisher.c.region_code == m.App.region_code)
        .where(published_in(f), *app_filters(f))
        .group_by(publisher.c.city_code)
        .subquery("published")
    )

    def by_city(region: Any, name: str) -> Any:
        place = region_cities(f"{name}_place")
        return (
            select(
                place.c.city_code,
                func.sum(cells.c.n).filter(cells.c.requested == 1).label("requested"),
                func.sum(cells.c.n).filter(cells.c.live == 1).label("live"),
            )
            .select_from(cells)
            .join(place, place.c.region_code == region)
            .group_by(place.c.city_code)
            .subquery(name)
        )

    made = by_city(cells.c.adopter_region, "made")
    received = by_city(cells.c.publisher_region, "received")

    def zero(column: ColumnElement[Any]) -> ColumnElement[int]:
        return func.coalesce(column, 0)

    return (
        select(
            city.code,
            city.name,
            city.name_en,
            city.zone,
            city.is_east_west_north,
            zero(published.c.n).label("published"),
            zero(made.c.requested).label("adoptions_made"),
            zero(received.c.requested).label("adoptions_received"),
            zero(made.c.live).label("live_made"),
            zero(received.c.live).label("live_received"),
        )
        .outerjoin(published, published.c.city_code == city.code)
        .outerjoin(made, made.c.city_code == city.code)
        .outerjoin(received, received.c.city_code == city.code)
        .where(city.level == m.RegionLevel.CITY)
        .order_by(city.code)
    )


async def regions(session: AsyncSession, f: StatsFilters) -> list[RegionRow]:
    """All 21 cities in code order, zeros included."""
    rows = await session.execute(_city_counts(f))
    return [
        RegionRow(
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            zone=row.zone or "",
            is_east_west_north=bool(row.is_east_west_north),
            **{name: int(getattr(row, name)) for name in COUNTS},
        )
        for row in rows
    ]


async def zones(session: AsyncSession, f: StatsFilters) -> list[ZoneRow]:
    """The 4 zones in the order of ``m.Zone``: the city figures summed by zone."""
    per_city = _city_counts(f).order_by(None).subquery("per_city")
    rows = await session.execute(
        select(
            per_city.c.zone,
            func.count(per_city.c.code).label("cities"),
            *(func.sum(per_city.c[name]).label(name) for name in COUNTS),
        ).group_by(per_city.c.zone)
    )
    found = {row.zone: row for row in rows}
    result = []
    for zone in ZONES:
        row = found.get(zone)
        result.append(
            ZoneRow(
                zone=zone,
                cities=int(row.cities) if row else 0,
                **{name: int(getattr(row, name) or 0) if row else 0 for name in COUNTS},
            )
        )
    return result


async def matrix(session: AsyncSession, f: StatsFilters) -> Matrix:
    """Live adoptions by publishing city (rows) and adopting city (columns), 21 × 21."""
    cells = adoption_cells(f, live_only=True)
    publisher = region_cities("matrix_publisher")
    adopter = region_cities("matrix_adopter")
    pairs = (
        select(
            publisher.c.city_code.label("publisher"),
            adopter.c.city_code.label("adopter"),
            func.sum(cells.c.n).label("n"),
        )
        .select_from(cells)
        .join(publisher, publisher.c.region_code == cells.c.publisher_region)
        .join(adopter, adopter.c.region_code == cells.c.adopter_region)
        .where(cells.c.live == 1)
        .group_by(publisher.c.city_code, adopter.c.city_code)
        .subquery("pairs")
    )
    row_city = aliased(m.Region, name="row_city")
    column_city = aliased(m.Region, name="column_city")
    rows = await session.execute(
        select(row_city.code, row_city.name, row_city.name_en, func.coalesce(pairs.c.n, 0))
        .select_from(row_city)
        .join(column_city, column_city.level == m.RegionLevel.CITY)
        .outerjoin(pairs, (pairs.c.publisher == row_city.code) & (pairs.c.adopter == column_city.code))
        .where(row_city.level == m.RegionLevel.CITY)
        .order_by(row_city.code, column_city.code)
    )
    cities: list[CityRef] = []
    live: list[list[int]] = []
    for code, name, name_en, count in rows:
        if not cities or cities[-1].code != code:
            cities.append(CityRef(code=code, name=name, name_en=name_en))
            live.append([])
        live[-1].append(int(count))
    return Matrix(cities=cities, live=live)
