"""The expressions SQLite and PostgreSQL spell differently, compiled for each (no database), and
the month list the trend fills in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import column, select
from sqlalchemy.dialects import postgresql, sqlite

from store.stats.figures._sql import (
    date_month,
    days_between,
    local_date,
    local_midnight,
    local_month,
    month_text,
)
from store.stats.figures.trend import months_between

STAMP = column("created_at")
DAY = column("went_live_on")


def sql(expression: object, dialect: object) -> str:
    return str(select(expression).compile(dialect=dialect)).removeprefix("SELECT ").split("\n")[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expression", "on_sqlite", "on_postgresql"),
    [
        (
            local_date(STAMP),
            "date(created_at, '+8 hours')",
            "CAST((created_at AT TIME ZONE 'Asia/Shanghai') AS DATE)",
        ),
        (
            local_month(STAMP),
            "strftime('%Y-%m', created_at, '+8 hours')",
            "date_trunc('month', (created_at AT TIME ZONE 'Asia/Shanghai'))",
        ),
        (
            date_month(DAY),
            "strftime('%Y-%m', went_live_on)",
            "date_trunc('month', CAST(went_live_on AS TIMESTAMP))",
        ),
        (month_text(DAY), "went_live_on", "to_char(went_live_on, 'YYYY-MM')"),
        (
            days_between(local_date(STAMP), DAY),
            "CAST(julianday(went_live_on) - julianday(date(created_at, '+8 hours')) AS INTEGER)",
            "(went_live_on - CAST((created_at AT TIME ZONE 'Asia/Shanghai') AS DATE))",
        ),
    ],
)
def test_each_dialect_gets_its_spelling(expression: object, on_sqlite: str, on_postgresql: str) -> None:
    assert sql(expression, sqlite.dialect()).startswith(on_sqlite)
    assert sql(expression, postgresql.asyncpg.dialect()).startswith(on_postgresql)


def test_a_day_starts_at_midnight_china_standard_time() -> None:
    assert local_midnight(date(2026, 1, 1)) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def test_months_between_spans_years_and_is_empty_when_reversed() -> None:
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-05", "2026-05") == ["2026-05"]
    assert months_between("2026-06", "2026-05") == []
