"""What every figure's SQL shares: the period as conditions, the app filters, the region → city
roll-up, and the few expressions SQLite and PostgreSQL spell differently.

The dialect-specific expressions are SQLAlchemy constructs compiled per dialect, so a figure is
written once and runs on both databases. Their constants are written into the SQL text (no bound
parameters), so PostgreSQL sees the same expression in ``SELECT`` and ``GROUP BY``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Integer,
    String,
    Subquery,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from store.catalog.lifecycle import PUBLIC
from store.db import models as m
from store.lib.templating import CHINA_TIME

from ..filters import StatsFilters

LOCAL_OFFSET = "+8 hours"  # China Standard Time: UTC+8 all year (no daylight saving)
LOCAL_ZONE = "Asia/Shanghai"


# ---------------------------------------------------------------- dialect-specific expressions


class local_date(FunctionElement[date]):
    """The day (China Standard Time) of a UTC timestamp column."""

    type = Date()
    inherit_cache = True


class local_month(FunctionElement[Any]):
    """The month (China Standard Time) of a UTC timestamp column, as a key to group by: its
    first moment on PostgreSQL (cheaper per row than formatting it), ``YYYY-MM`` on SQLite.
    ``month_text`` makes the key text."""

    inherit_cache = True


class date_month(FunctionElement[Any]):
    """The month of a date column, as a key to group by (the same kind as ``local_month``)."""

    inherit_cache = True


class month_text(FunctionElement[str]):
    """``YYYY-MM`` of a month key (``local_month`` or ``date_month``)."""

    type = String()
    inherit_cache = True


class days_between(FunctionElement[int]):
    """Whole days from the first date expression to the second (negative if before)."""

    type = Integer()
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    (stamp,) = _args(element, compiler, **kw)
    return f"date({stamp}, '{LOCAL_OFFSET}')"


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    (stamp,) = _args(element, compiler, **kw)
    return f"CAST(({stamp} AT TIME ZONE '{LOCAL_ZONE}') AS DATE)"


@compiles(local_month, "sqlite")
def _local_month_sqlite(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    (stamp,) = _args(element, compiler, **kw)
    return f"strftime('%Y-%m', {stamp}, '{LOCAL_OFFSET}')"


@compiles(local_month, "postgresql")
def _local_month_pg(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    (stamp,) = _args(element, compiler, **kw)
    return f"date_trunc('month', ({stamp} AT TIME ZONE '{LOCAL_ZONE}'))"


@compiles(date_month, "sqlite")
def _date_month_sqlite(element: date_month, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = _args(element, compiler, **kw)
    return f"strftime('%Y-%m', {day})"


@compiles(date_month, "postgresql")
def _date_month_pg(element: date_month, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = _args(element, compiler, **kw)
    return f"date_trunc('month', CAST({day} AS TIMESTAMP))"


@compiles(month_text, "sqlite")
def _month_text_sqlite(element: month_text, compiler: SQLCompiler, **kw: Any) -> str:
    (key,) = _args(element, compiler, **kw)
    return key


@compiles(month_text, "postgresql")
def _month_text_pg(element: month_text, compiler: SQLCompiler, **kw: Any) -> str:
    (key,) = _args(element, compiler, **kw)
    return f"to_char({key}, 'YYYY-MM')"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    first, second = _args(element, compiler, **kw)
    return f"CAST(julianday({second}) - julianday({first}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    first, second = _args(element, compiler, **kw)
    return f"({second} - {first})"


# ---------------------------------------------------------------- the period


def local_midnight(day: date) -> datetime:
    """The UTC moment a day starts on the users' clock."""
    return datetime.combine(day, time(0), tzinfo=CHINA_TIME).astimezone(UTC)


def moment_in(column: Any, f: StatsFilters) -> ColumnElement[bool]:
    """A timestamp column falls in the period (days in China Standard Time)."""
    conditions = []
    if f.start is not None:
        conditions.append(column >= local_midnight(f.start))
    if f.end is not None:
        conditions.append(column < local_midnight(f.end + timedelta(days=1)))
    return and_(true(), *conditions)


def day_in(column: Any, f: StatsFilters) -> ColumnElement[bool]:
    """A date column falls in the period."""
    conditions = []
    if f.start is not None:
        conditions.append(column >= f.start)
    if f.end is not None:
        conditions.append(column <= f.end)
    return and_(true(), *conditions)


# ---------------------------------------------------------------- regions and apps


def region_cities(name: str) -> Subquery:
    """Every city and district with the city it rolls up to: ``region_code``, ``city_code``,
    ``zone`` and ``ewn`` (粤东西北) of that city. A district takes its city's zone even when its
    own row has none. The province is not in it (it publishes and adopts nothing)."""
    region = aliased(m.Region)
    city = aliased(m.Region)
    city_code = case((region.level == m.RegionLevel.DISTRICT, region.parent_code), else_=region.code)
    return (
        select(
            region.code.label("region_code"),
            city.code.label("city_code"),
            city.zone.label("zone"),
            city.is_east_west_north.label("ewn"),
        )
        .join(city, city.code == city_code)
        .where(city.level == m.RegionLevel.CITY)
        .subquery(name)
    )


def app_filters(f: StatsFilters) -> list[ColumnElement[bool]]:
    """The filters as conditions on ``apps``: category, kind, and — through a semi-join on the
    small regions table, so the large tables join no region — the publishing city's zone and
    the publishing city (its districts included)."""
    conditions: list[ColumnElement[bool]] = []
    if f.category:
        conditions.append(m.App.category == f.category)
    if f.kind:
        conditions.append(m.App.kind == f.kind)
    if f.zone or f.publisher:
        places = region_cities("filtered_places")
        regions = select(places.c.region_code)
        if f.zone:
            regions = regions.where(places.c.zone == f.zone)
        if f.publisher:
            regions = regions.where(places.c.city_code == f.publisher)
        conditions.append(m.App.region_code.in_(regions))
    return conditions


def public_app() -> ColumnElement[bool]:
    """Apps the public can see: published, or deprecated after publication."""
    return m.App.status.in_(sorted(PUBLIC))


def published_in(f: StatsFilters) -> ColumnElement[bool]:
    """A public app first published in the period."""
    return and_(public_app(), moment_in(m.App.published_at, f))


def requested_in(f: StatsFilters, adoption: Any = m.Adoption) -> ColumnElement[bool]:
    """An adoption requested in the period (``adoption``: the table or an alias of it)."""
    return moment_in(adoption.created_at, f)


def live_in(f: StatsFilters, adoption: Any = m.Adoption) -> ColumnElement[bool]:
    """Live now, and went live in the period."""
    return and_(adoption.status == m.AdoptionStatus.LIVE, day_in(adoption.went_live_on, f))


def flag(condition: ColumnElement[bool], always: bool) -> ColumnElement[int]:
    """1 where ``condition`` holds, else 0; the constant 1 when it always holds (no period)."""
    if always:
        return literal_column("1", Integer)
    return case((condition, 1), else_=0)


def adoption_cells(f: StatsFilters, *, live_only: bool = False) -> CTE:
    """The adoptions of the filtered apps that were requested or went live in the period,
    counted by (adopting region, publishing region, status, publisher's answer, requested in the
    period, live in the period), with their saving: at most a few thousand rows, which the place
    figures (summary, cities, zones, matrix) then sum by city. Counting once by these keys
    costs one pass over the adoptions, where a filtered count per figure would cost one each.
    ``live_only`` keeps the live ones alone (for the matrix)."""
    A = m.Adoption
    requested = requested_in(f)
    live = live_in(f)
    rows = (
        select(
            A.adopter_region_code.label("adopter_region"),
            m.App.region_code.label("publisher_region"),
            A.status.label("status"),
            A.publisher_confirmation.label("confirmation"),
            flag(requested, f.start is None and f.end is None).label("requested"),
            flag(live, False).label("live"),
            A.saving_wan.label("saving"),
        )
        .join(m.App, m.App.id == A.app_id)
        .where(live if live_only else or_(requested, live), *app_filters(f))
        .subquery("adoption_rows")
    )
    # The publishing region first: no index on adoptions matches it, so SQLite scans the table
    # instead of walking an index in key order (which reads the rows at random).
    keys = (rows.c.publisher_region, rows.c.adopter_region, rows.c.status, rows.c.confirmation)
    return (
        select(
            *keys,
            rows.c.requested,
            rows.c.live,
            func.count().label("n"),
            func.sum(rows.c.saving).label("saving"),
        )
        .group_by(*keys, rows.c.requested, rows.c.live)
        .cte("adoption_cells")
    )
