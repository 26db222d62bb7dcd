"""Time from request to live, in whole days: the median and the 90th percentile, overall and per
category. SQLite has no ``percentile_disc``, so there the durations are ranked with window
functions (``ROW_NUMBER`` and ``COUNT`` over the category, and over all) and the row at the
nearest rank is kept; PostgreSQL's ``percentile_disc`` picks the same row, faster. The nearest
rank: of n durations in order, the p-th percentile is the one at rank ⌈p·n/100⌉ — the
median is at ⌈n/2⌉ (the lower middle one when n is even), the 90th percentile at ⌈9n/10⌉. Each
is a duration that occurred, never an interpolation. One statement (on SQLite UNION ALL of the
two groupings, on PostgreSQL GROUPING SETS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, null, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m

from ..filters import StatsFilters
from ._sql import app_filters, days_between, live_in, local_date
from ._values import plain

CATEGORIES: tuple[str, ...] = tuple(category.value for category in m.Category)


@dataclass(frozen=True)
class Durations:
    count: int  # live adoptions measured
    median_days: int | None  # None when there are none
    p90_days: int | None

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class TimeToLive:
    overall: Durations
    by_category: list[tuple[str, Durations]]  # every category, in the order of m.Category

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "by_category": [{"category": category, **d.as_dict()} for category, d in self.by_category],
        }


def nearest_rank(row_number: Any, count: Any, percent: int) -> ColumnElement[bool]:
    """``row_number`` is the nearest rank ⌈percent·count/100⌉, in integer arithmetic."""
    return row_number == (count * percent + 99) // 100


async def time_to_live(session: AsyncSession, f: StatsFilters) -> TimeToLive:
    """Over the adoptions live now that went live in the period: days from the request (its day
    in China Standard Time) to the go-live date."""
    A = m.Adoption
    days = days_between(local_date(A.created_at), A.went_live_on)
    conditions = (live_in(f), A.went_live_on.is_not(None), *app_filters(f))
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.execute(_percentiles_pg(days, conditions))
    else:
        rows = await session.execute(_ranked_rows(days, conditions))
    found: dict[str | None, Durations] = {}
    for category, n, median, p90 in rows:
        found[category] = Durations(
            count=int(n or 0),
            median_days=None if median is None else int(median),
            p90_days=None if p90 is None else int(p90),
        )
    empty = Durations(count=0, median_days=None, p90_days=None)
    return TimeToLive(
        overall=found.get(None, empty),
        by_category=[(category, found.get(category, empty)) for category in CATEGORIES],
    )


def _ranked_rows(days: ColumnElement[int], conditions: tuple[ColumnElement[bool], ...]) -> Any:
    """(category or NULL for all, n, median, p90) by window functions: any database."""
    A = m.Adoption
    ranked = (
        select(
            m.App.category.label("category"),
            days.label("days"),
            func.row_number().over(partition_by=m.App.category, order_by=days).label("rank_in_category"),
            func.count().over(partition_by=m.App.category).label("in_category"),
            func.row_number().over(order_by=days).label("rank"),
            func.count().over().label("total"),
        )
        .select_from(A)
        .join(m.App, m.App.id == A.app_id)
        .where(*conditions)
        .cte("ranked")  # read twice (per category, overall), computed once
    )
    r = ranked.c

    def at(rank: Any, count: Any, percent: int) -> Any:
        return func.max(case((nearest_rank(rank, count, percent), r.days)))

    per_category = select(
        r.category,
        func.max(r.in_category).label("n"),
        at(r.rank_in_category, r.in_category, 50).label("median"),
        at(r.rank_in_category, r.in_category, 90).label("p90"),
    ).group_by(r.category)
    overall = select(
        null().label("category"),
        func.max(r.total).label("n"),
        at(r.rank, r.total, 50).label("median"),
        at(r.rank, r.total, 90).label("p90"),
    )
    return union_all(per_category, overall)


def _percentiles_pg(days: ColumnElement[int], conditions: tuple[ColumnElement[bool], ...]) -> Any:
    """The same rows on PostgreSQL with ``percentile_disc``, which sorts each group in memory
    where the windows above spill to disk. It takes the first value whose cumulative share
    reaches the fraction — the row at ⌈fraction·n⌉, the nearest rank (0.5·n and 0.9·n are exact
    in double precision for any count of adoptions). Per category and over all in one pass
    (GROUPING SETS); the overall row's category is NULL, as every app has a category."""
    A = m.Adoption
    durations = (
        select(m.App.category.label("category"), days.label("days"))
        .select_from(A)
        .join(m.App, m.App.id == A.app_id)
        .where(*conditions)
        .subquery("durations")
    )
    d = durations.c
    return select(
        d.category,
        func.count().label("n"),
        func.percentile_disc(0.5).within_group(d.days).label("median"),
        func.percentile_disc(0.9).within_group(d.days).label("p90"),
    ).group_by(func.grouping_sets(tuple_(d.category), tuple_()))
