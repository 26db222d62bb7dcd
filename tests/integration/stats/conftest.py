"""Statistics tests read figures through ``StatsService`` on the test's own session, with today
fixed at the scenario's 2026-05-15."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from store.stats.filters import StatsFilters, preset_range
from store.stats.services import StatsService

from .scenario import TODAY, build


@pytest.fixture
def stats(db: AsyncSession) -> StatsService:
    return StatsService(db, today=lambda: TODAY)


@pytest.fixture
async def scenario(db: AsyncSession) -> dict[str, int]:
    return await build(db)


def period(preset: str = "all", **filters: str) -> StatsFilters:
    start, end = preset_range(preset, TODAY)
    return StatsFilters(start=start, end=end, preset=preset, **filters)


def custom(start: date | None, end: date | None, **filters: str) -> StatsFilters:
    return StatsFilters(start=start, end=end, preset="custom", **filters)
