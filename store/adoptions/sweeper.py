"""The daily stale sweep as a task of each server process (``store run``): once shortly after
start-up, then every 24 hours, until shut-down. ``store adoptions sweep`` runs the same sweep once.

The sweep itself is ``AdoptionService.sweep`` (live adoptions more than 30 days past their yearly
re-confirmation are marked stale), in a session of its own that delivers events like a request's
(its audit lines reach search and every other subscriber), committed at the end. Several server
processes may sweep at once: each change is a revision-checked UPDATE, so an adoption is marked by
one of them and the others skip it.

A failing sweep (the database away, say) is logged and tried again at the next run; it never
stops the server. The clock is injectable (``today``), and so are the delays, for tests.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.lib.background import PeriodicTask

from .services import AdoptionService

logger = logging.getLogger("store.adoptions.sweep")

FIRST_DELAY = 60.0  # seconds after start-up: the server is up and warm before it sweeps
INTERVAL = 24 * 3600.0  # then daily

Sweep = Callable[[], Awaitable[list[int]]]


def sweep_with(
    sessions: async_sessionmaker[AsyncSession], *, today: Callable[[], date] | None = None
) -> Sweep:
    """One sweep in its own committed session; the ids of the adoptions it marked stale."""

    async def sweep() -> list[int]:
        async with sessions() as session:
            marked = await AdoptionService(session, today=today).sweep()
            await session.commit()
            return marked

    return sweep


class DailySweep(PeriodicTask):
    """``sweep`` after ``first_delay`` seconds, then every ``interval`` seconds; ``start`` and
    ``stop`` are the app's start-up and shut-down hooks (store/lib/background.py)."""

    def __init__(self, sweep: Sweep, *, first_delay: float = FIRST_DELAY, interval: float = INTERVAL) -> None:
        super().__init__("adoption sweep", logger, first_delay=first_delay, interval=interval)
        self.sweep = sweep
        self.runs = 0  # sweeps finished, failed ones included
        self.failures = 0

    async def run_once(self) -> list[int] | None:
        """One sweep; None when it failed (logged: the next run tries again)."""
        try:
            marked = await self.sweep()
        except Exception:
            self.failures += 1
            logger.exception("adoption sweep failed; the next run tries again")
            return None
        finally:
            self.runs += 1
        logger.info("adoption sweep: %d marked stale %s", len(marked), marked)
        return marked
