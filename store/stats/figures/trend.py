"""The monthly trend: apps first published, adoption requests and go-lives per month. One
statement: three monthly aggregates (UNION ALL) summed by month; the months with nothing are
filled in here, so every month of the period is there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, func, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m

from ..filters import StatsFilters
from ._sql import app_filters, date_month, live_in, local_month, month_text, published_in, requested_in
from ._values import plain


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM (China Standard Time)
    published: int  # apps first published in the month
    requests: int  # adoptions requested in the month
    go_lives: int  # adoptions live now that went live in the month

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive (empty if ``first`` is later)."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _monthly(month: Any, position: int, statement: Select[Any]) -> Select[Any]:
    """``statement`` counted by ``month``, the count in column ``position`` of (published,
    requests, go-lives) and zeros in the other two."""
    zero = literal_column("0", Integer)
    counts: list[Any] = [zero, zero, zero]
    counts[position] = func.count()
    names = ("published", "requests", "go_lives")
    return statement.add_columns(
        month.label("month"), *(c.label(n) for c, n in zip(counts, names, strict=True))
    ).group_by(month)


async def trend(session: AsyncSession, f: StatsFilters, *, today: date) -> list[MonthRow]:
    """Every month of the period, zeros included. An open start begins at the first month with
    data (or at the end month when there is none); an open end stops at ``today``'s month."""
    A = m.Adoption
    names = ("published", "requests", "go_lives")
    filters = app_filters(f)

    def adoptions(*conditions: Any) -> Select[Any]:
        """Adoptions meeting ``conditions``, of the filtered apps (joined only when filtered)."""
        statement = select().select_from(A).where(*conditions)
        return statement.join(m.App, m.App.id == A.app_id).where(*filters) if filters else statement

    apps = _monthly(
        local_month(m.App.published_at),
        0,
        select().select_from(m.App).where(published_in(f), m.App.published_at.is_not(None), *filters),
    )
    requests = _monthly(local_month(A.created_at), 1, adoptions(requested_in(f)))
    go_lives = _monthly(date_month(A.went_live_on), 2, adoptions(live_in(f), A.went_live_on.is_not(None)))
    events = union_all(apps, requests, go_lives).subquery("events")
    # Grouped by the month keys, which are made text only once per month.
    monthly = (
        select(events.c.month, *(func.sum(events.c[name]).label(name) for name in names))
        .group_by(events.c.month)
        .subquery("monthly")
    )
    rows = await session.execute(
        select(month_text(monthly.c.month).label("month"), *(monthly.c[name] for name in names)).order_by(
            monthly.c.month
        )
    )
    found = {row.month: row for row in rows}
    last = month_of(f.end or today)
    first = month_of(f.start) if f.start else min(found, default=last)
    months = months_between(first, last)  # empty only for a period that starts after today
    return [
        MonthRow(
            month=month,
            published=int(found[month].published) if month in found else 0,
            requests=int(found[month].requests) if month in found else 0,
            go_lives=int(found[month].go_lives) if month in found else 0,
        )
        for month in months
    ]
