"""``store reindex``: rebuild the indexes from the database, and compare them with it.

The database index is rebuilt in one transaction. Meilisearch is rebuilt into a new index that
one swap makes live (``MeiliEngine.reindex``), so searches never see an empty or half index.
Meanwhile the outbox workers are paused (``outbox.pause``): a change they sent to the old index
during the build would be lost at the swap, so changes wait in the outbox and go to the new index
once it is live. A reindex that dies releases the workers when its pause runs out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import models as m

from . import index_db, outbox
from .index_db import Drift
from .meili import MeiliEngine
from .worker import new_worker_id

# Renewed with every batch; a dead reindex holds the workers off no longer than this.
PAUSE_SECONDS = 120.0


async def rebuild_database(
    session_maker: async_sessionmaker[AsyncSession], progress: Callable[[int, int], None] | None = None
) -> int:
    """Rewrite ``search_documents`` from the apps table, in one transaction."""
    async with session_maker() as session:
        count = await index_db.rebuild(session, progress)
        await session.commit()
    return count


async def _renewing_pause(
    session_maker: async_sessionmaker[AsyncSession], holder: str, batches: AsyncIterator[list[dict[str, Any]]]
) -> AsyncIterator[list[dict[str, Any]]]:
    async for batch in batches:
        async with session_maker() as session:
            await outbox.pause(session, holder, PAUSE_SECONDS)
        yield batch


async def rebuild_meilisearch(
    session_maker: async_sessionmaker[AsyncSession],
    meili: MeiliEngine,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fill a new Meilisearch index from the database and swap it in, the workers paused.

    The outbox rows already committed when the reindex starts reading are covered by the new
    index and are deleted after the swap (not sent again)."""
    holder = f"reindex:{new_worker_id()}"
    async with session_maker() as session:
        await outbox.pause(session, holder, PAUSE_SECONDS)
    try:
        async with session_maker() as session:
            covered = await outbox.waiting_ids(session)
        async with session_maker() as session:
            batches = _renewing_pause(session_maker, holder, index_db.documents_in_batches(session))
            sent = await meili.reindex(batches, progress)
        async with session_maker() as session:
            await outbox.forget_covered(session, covered)
        return sent
    finally:
        async with session_maker() as session:
            await outbox.resume(session, holder)


@dataclass
class CheckReport:
    """``store reindex --check``: the database index against the apps table, and Meilisearch
    against the database index. Apps with a change still waiting in the outbox are in flight,
    not drift."""

    database: Drift
    meilisearch: Drift | None = None
    in_flight: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.database.clean and (self.meilisearch is None or self.meilisearch.clean)


def compare_ids(database: dict[int, int], engine: dict[int, int], skip: set[int]) -> Drift:
    """Drift between two ``id → updated_at`` maps, leaving out the ids in ``skip``."""
    ours = {app_id: at for app_id, at in database.items() if app_id not in skip}
    theirs = {app_id: at for app_id, at in engine.items() if app_id not in skip}
    return Drift(
        missing=sorted(set(ours) - set(theirs)),
        stale=sorted(app_id for app_id in set(ours) & set(theirs) if ours[app_id] != theirs[app_id]),
        extra=sorted(set(theirs) - set(ours)),
    )


async def check(session_maker: async_sessionmaker[AsyncSession], meili: MeiliEngine | None) -> CheckReport:
    async with session_maker() as session:
        report = CheckReport(database=await index_db.check(session))
        if meili is None:
            return report
        rows = await session.execute(select(m.SearchDocument.app_id, m.SearchDocument.updated_at))
        indexed = {app_id: updated_at for app_id, updated_at in rows}
        waiting = set(
            await session.scalars(
                select(m.SearchOutbox.app_id).where(m.SearchOutbox.app_id != outbox.PAUSE_APP_ID).distinct()
            )
        )
    report.meilisearch = compare_ids(indexed, await meili.document_ids(), waiting)
    report.in_flight = sorted(waiting)
    return report
