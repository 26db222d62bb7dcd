"""Figures by place: the 21 cities (districts rolled up), the 4 zones, and the publisher ×
adopter matrix of live adoptions. All three, and the summary, come from one statement
(``places``) that starts from the cities, so a city with nothing is still there, at zero, and
that counts the adoptions once for the four: the dashboard shows them all, and the adoption
cells are the most expensive part of each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, null, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.db import models as m

from ..filters import StatsFilters
from ._sql import adoption_cells, app_filters, published_in, region_cities
from ._values import plain
from .summary import TOTALS, Summary, summary_of, totals

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


def _city_counts(f: StatsFilters, cells: Any) -> Select[Any]:
    """Every city with its five counts, in code order: the adoption ``cells`` summed by the
    adopter's city and by the publisher's city, and the apps published."""
    city = aliased(m.Region, name="city")

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


@dataclass(frozen=True)
class Places:
    """The three figures by place and the summary, computed together: one statement counts the
    adoption cells once for all of them (rather than once each)."""

    regions: list[RegionRow]
    zones: list[ZoneRow]
    matrix: Matrix
    summary: Summary


def _text(value: str) -> Any:
    return literal_column(f"'{value}'")


def _places_statement(f: StatsFilters) -> Any:
    """Rows of three kinds, in one statement over one ``adoption_cells``: ``city`` (the 21
    cities and their counts), ``zone`` (the city counts summed by zone) and ``pair`` (live
    adoptions by publishing and adopting city; only pairs with any); each with the summary's
    columns (``TOTALS``, named ``total_…``)."""
    cells = adoption_cells(f)
    per_city = _city_counts(f, cells).order_by(None).cte("per_city")
    city_rows = select(
        _text("city").label("kind"),
        per_city.c.code.label("code"),
        null().label("other"),
        per_city.c.name,
        per_city.c.name_en,
        per_city.c.zone,
        per_city.c.is_east_west_north,
        literal_column("1").label("cities"),
        *(per_city.c[name] for name in COUNTS),
    )
    zone_rows = select(
        _text("zone"),
        per_city.c.zone,
        null(),
        null(),
        null(),
        null(),
        null(),
        func.count(per_city.c.code),
        *(func.sum(per_city.c[name]) for name in COUNTS),
    ).group_by(per_city.c.zone)
    publisher = region_cities("pair_publisher")
    adopter = region_cities("pair_adopter")
    pair_rows = (
        select(
            _text("pair"),
            publisher.c.city_code,
            adopter.c.city_code,
            null(),
            null(),
            null(),
            null(),
            literal_column("0"),
            *(func.sum(cells.c.n) if name == "live_made" else literal_column("0") for name in COUNTS),
        )
        .select_from(cells)
        .join(publisher, publisher.c.region_code == cells.c.publisher_region)
        .join(adopter, adopter.c.region_code == cells.c.adopter_region)
        .where(cells.c.live == 1)
        .group_by(publisher.c.city_code, adopter.c.city_code)
    )
    place_rows = union_all(city_rows, zone_rows, pair_rows).subquery("place_rows")
    # The summary's one row beside every place row (a few hundred at most); from the summary, so
    # that it is there even when no place row is.
    summary_row = totals(f, cells)
    return (
        select(place_rows, *(summary_row.c[name].label(f"total_{name}") for name in TOTALS))
        .select_from(summary_row)
        .outerjoin(place_rows, true())
    )


async def places(session: AsyncSession, f: StatsFilters) -> Places:
    """The cities (all 21 in code order, zeros included), the 4 zones (in the order of
    ``m.Zone``), the 21 × 21 matrix of live adoptions (rows publish, columns adopt) and the
    summary."""
    rows = (await session.execute(_places_statement(f))).all()
    summary = summary_of({name: rows[0]._mapping[f"total_{name}"] for name in TOTALS})
    cities = sorted((row for row in rows if row.kind == "city"), key=lambda row: row.code)
    region_rows = [
        RegionRow(
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            zone=row.zone or "",
            is_east_west_north=bool(row.is_east_west_north),
            **{name: int(getattr(row, name)) for name in COUNTS},
        )
        for row in cities
    ]
    by_zone = {row.code: row for row in rows if row.kind == "zone"}
    zone_rows = [
        ZoneRow(
            zone=zone,
            cities=int(by_zone[zone].cities) if zone in by_zone else 0,
            **{name: int(getattr(by_zone[zone], name) or 0) if zone in by_zone else 0 for name in COUNTS},
        )
        for zone in ZONES
    ]
    # The matrix: each pair's count put in its place (rows and columns in city code order).
    index = {row.code: position for position, row in enumerate(region_rows)}
    live = [[0] * len(region_rows) for _ in region_rows]
    for row in rows:
        if row.kind == "pair" and row.code in index and row.other in index:
            live[index[row.code]][index[row.other]] = int(row.live_made)
    refs = [CityRef(code=row.code, name=row.name, name_en=row.name_en) for row in region_rows]
    matrix = Matrix(cities=refs, live=live)
    return Places(regions=region_rows, zones=zone_rows, matrix=matrix, summary=summary)
