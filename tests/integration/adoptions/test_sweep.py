"""The stale sweep from the outside, on SQLite and PostgreSQL: ``store adoptions sweep`` (with
``--today``) and the background task that ``store run`` starts with the app."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.adoptions.sweeper import DailySweep
from store.app import create_app
from store.cli import main
from store.db.models._adoption import AdoptionEvent

from .versions_world import adoption, adoption_in, build_world


@pytest.fixture
async def world(client: Any, db: AsyncSession) -> dict[str, Any]:
    return await build_world(client, db, versions=())


async def sweep_command(monkeypatch: pytest.MonkeyPatch, database_url: str, *args: str) -> Any:
    monkeypatch.setenv("STORE_DATABASE_URL", database_url)
    # The CLI runs its own event loop, so it runs in a thread here.
    return await asyncio.to_thread(CliRunner().invoke, main, ["adoptions", "sweep", *args])


async def stale_events(db: AsyncSession, adoption_id: int) -> int:
    return (
        await db.scalar(
            select(func.count())
            .select_from(AdoptionEvent)
            .where(AdoptionEvent.adoption_id == adoption_id, AdoptionEvent.kind == "stale")
        )
        or 0
    )


async def test_the_command_marks_overdue_live_adoptions_stale(
    world, engine: AsyncEngine, db, monkeypatch, database_url
) -> None:
    # Re-confirmation due 2026-01-10 and 2026-02-01; the sweep on 2026-02-15 is 36 and 14 days late.
    overdue = await adoption_in(engine, world, "mz", "live", went_live_on=date(2025, 1, 10))
    recent = await adoption_in(engine, world, "gz", "live", went_live_on=date(2025, 2, 1))
    deploying = await adoption_in(engine, world, "st", "deploying")

    result = await sweep_command(monkeypatch, database_url, "--today", "2026-02-15")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"adoption {overdue} marked stale", "1 adoption marked stale"]
    marked = await adoption(db, overdue)
    assert (marked.stale, marked.status) == (True, "live")
    assert await stale_events(db, overdue) == 1
    for other in (recent, deploying):
        assert not (await adoption(db, other)).stale
        assert await stale_events(db, other) == 0

    again = await sweep_command(monkeypatch, database_url, "--today", "2026-02-15")
    assert again.output.splitlines() == ["0 adoptions marked stale"]
    assert await stale_events(db, overdue) == 1


async def test_the_command_refuses_a_bad_date(world, monkeypatch, database_url) -> None:
    result = await sweep_command(monkeypatch, database_url, "--today", "15/02/2026")
    assert result.exit_code == 2
    assert "--today" in result.output


async def test_the_server_sweeps_once_at_start_up_and_stops_cleanly(
    world, engine: AsyncEngine, db, settings
) -> None:
    """A test app of its own, through its real lifespan: the first sweep comes at once here (the
    delay is a minute in production), the clock is the real one."""
    overdue = await adoption_in(engine, world, "mz", "live", went_live_on=date(2020, 1, 10))
    application = create_app(settings)
    sweep: DailySweep = application.state["adoption_sweep"]
    assert (sweep.first_delay, sweep.interval) == (60.0, 24 * 3600.0)
    sweep.first_delay = 0
    async with application.lifespan():
        async with asyncio.timeout(15):
            while sweep.runs < 1:
                await asyncio.sleep(0.01)
        assert sweep.running and sweep.failures == 0
    assert not sweep.running
    assert sweep.runs == 1
    assert (await adoption(db, overdue)).stale
