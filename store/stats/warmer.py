"""Refresh ahead: each server process computes again, a little before they expire, the figures
someone read in its cache in the last few minutes (store/stats/cache.py).

Provincial staff keep the dashboard open, come back to it, share its link: without this, the
first view after each minute pays for computing every figure (a few hundred milliseconds at
100,000 adoptions); with it, such views find their figures in the cache. Figures nobody has read
for ``READ_IN_LAST_SECONDS`` are left to expire, so a store nobody looks at computes nothing.

Each refresh runs in a session of its own; a failing one (the database away) is logged and
tried again on the next round, and it never stops the server. Off when the cache is off.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.lib.background import PeriodicTask

from .cache import FiguresCache, compute_entry
from .rules import FIGURES
from .services import StatsService, source_of

logger = logging.getLogger("store.stats.warmer")

ROUND_SECONDS = 5.0  # how often the cache is looked at
AHEAD_SECONDS = 12.0  # refresh an entry this long before it expires
READ_IN_LAST_SECONDS = 600.0  # only entries someone read in the last ten minutes
# What the warmer knows how to compute (``summary``, ``places``, ``apps:50``…): the figures' entries.
REFRESHABLE = frozenset(source_of(figure) for figure in FIGURES)


class FiguresWarmer(PeriodicTask):
    """A round every ``round_seconds``; ``start`` and ``stop`` are the app's start-up and shut-down
    hooks (store/lib/background.py)."""

    def __init__(
        self,
        cache: FiguresCache,
        sessions: async_sessionmaker[AsyncSession],
        *,
        round_seconds: float = ROUND_SECONDS,
        ahead_seconds: float = AHEAD_SECONDS,
    ) -> None:
        super().__init__("stats warmer", logger, first_delay=round_seconds, interval=round_seconds)
        self.cache = cache
        self.sessions = sessions
        # Never more than half the entries' life ahead (a short TTL in tests or settings).
        self.ahead_seconds = min(ahead_seconds, cache.ttl_seconds / 2)
        self.refreshed = 0  # entries computed again (tests, logs)

    async def start(self) -> None:
        if self.cache.enabled:
            await super().start()

    async def run_once(self) -> int:
        """Compute again every entry that is due; how many were."""
        done = 0
        for name, filters in self.cache.due(
            within_seconds=self.ahead_seconds, read_in_last_seconds=READ_IN_LAST_SECONDS
        ):
            if self.stopping:
                break
            if name.partition(":")[0] not in REFRESHABLE:
                continue
            try:
                async with self.sessions() as session:
                    service = StatsService(session)
                    await self.cache.refresh(name, filters, partial(compute_entry, service, name, filters))
            except Exception:
                logger.warning("could not refresh the figure %s ahead of expiry", name, exc_info=True)
                continue
            done += 1
        self.refreshed += done
        return done
