"""The Meilisearch outbox: rows written with each change, claimed by workers with a lease.

Writing: ``queue_for_meilisearch`` subscribes to the domain events (``store/lib/events.py``) and
adds a ``search_outbox`` row in the transaction of the change, so the change and its row commit
or roll back together; Meilisearch being down never blocks a write.

Claiming: a worker takes the oldest rows that are due (``available_at`` passed) and free (no
live lease), and writes its lease on them before it talks to Meilisearch. Two workers never hold
the same row:

- PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` locks the rows a worker picks and makes every
  other worker skip them; the lease is written and committed before the locks are released, and a
  worker that read the rows before that commit re-checks the lease when it gets to lock them.
- SQLite: there is one writer at a time. The claim is a single ``UPDATE … WHERE <lease free>
  RETURNING``, the first statement of its transaction, so SQLite takes the write lock (waiting for
  a competing claim to commit) before that statement reads a row, and a second worker's UPDATE
  reads the leases the first one committed. No row can pass both WHEREs.

A row stays claimable only while no other row of the same app is leased: the apps a worker is
sending are left alone until it finishes, so a slower worker cannot send an older document of an
app after a quicker one sent a newer one (the newer change's row waits and is sent afterwards).

A reindex pauses the workers (``pause``): a change sent to the old index while the new one is
being built would be lost at the swap, so changes wait in the outbox and go to the new index.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, aliased

from store.db import models as m
from store.lib.events import Event

# Longer than a batch can take (client timeouts plus waiting for the tasks, see
# search.worker.TASK_TIMEOUT_SECONDS), so a live worker never loses its lease; the rows of a worker
# that died are taken up again after this long.
LEASE_SECONDS = 300
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
ERROR_CHARS = 500
# The row a reindex holds while it builds the new index (no app has id 0): see ``pause``.
PAUSE_APP_ID = 0

_CREDENTIALS_IN_URL = re.compile(r"(?<=://)[^/@\s]+@")


def queue_for_meilisearch(session: Session, event: Event) -> None:
    """Event subscriber: one outbox row per change of an app, in the change's own transaction.

    Any event about an app counts (it carries ``app_id``): ``AppChanged`` today, adoption events
    later. Read by attribute so that ``search/`` need not import the features that declare them.
    """
    app_id = getattr(event, "app_id", None)
    if isinstance(app_id, int):
        reason = str(getattr(event, "what", type(event).__name__))
        session.execute(insert(m.SearchOutbox).values(app_id=app_id, reason=reason[:40]))


def _now() -> datetime:
    return datetime.now(UTC)


def _due_and_free(row: type[m.SearchOutbox], now: datetime) -> tuple[ColumnElement[bool], ...]:
    return row.available_at <= now, row.claimed_until.is_(None) | (row.claimed_until < now)


def _claimable(row: type[m.SearchOutbox], now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Due, not leased, no row of the same app leased, and no reindex running."""
    leased = aliased(m.SearchOutbox)
    busy = exists().where(
        leased.claimed_until >= now, or_(leased.app_id == row.app_id, leased.app_id == PAUSE_APP_ID)
    )
    return (*_due_and_free(row, now), row.app_id != PAUSE_APP_ID, ~busy)


async def claim(
    session: AsyncSession, worker_id: str, limit: int, lease_seconds: float = LEASE_SECONDS
) -> list[m.SearchOutbox]:
    """Lease up to ``limit`` due rows to ``worker_id``, oldest first, and commit the lease.

    Call it on a fresh session: on SQLite the claim must open its own transaction (see above).
    """
    now = _now()
    row = m.SearchOutbox
    # A cheap read first: an idle worker polls often, and on SQLite an UPDATE takes the write lock.
    if await session.scalar(select(row.id).where(*_claimable(row, now)).limit(1)) is None:
        await session.rollback()
        return []
    lease = {"claimed_until": now + timedelta(seconds=lease_seconds), "claimed_by": worker_id}
    options = {"synchronize_session": False}
    if session.bind.dialect.name == "postgresql":
        oldest = select(row.id).where(*_claimable(row, now)).order_by(row.id).limit(limit)
        ids = list(await session.scalars(oldest.with_for_update(skip_locked=True, of=row)))
        if not ids:
            await session.rollback()
            return []
        statement = update(row).where(row.id.in_(ids))
    else:
        # One statement: the rows are chosen and leased under the write lock. The outer WHERE
        # repeats the lease check on the row being written.
        pick = aliased(m.SearchOutbox)
        oldest = select(pick.id).where(*_claimable(pick, now)).order_by(pick.id).limit(limit)
        statement = update(row).where(row.id.in_(oldest.scalar_subquery()), *_due_and_free(row, now))
    claimed = await session.scalars(statement.values(**lease).returning(row), execution_options=options)
    rows = sorted(claimed, key=lambda r: r.id)
    for claimed_row in rows:  # keep their values readable after the commit, whatever the session maker
        session.expunge(claimed_row)
    await session.commit()
    return rows


async def complete(session: AsyncSession, rows: Sequence[m.SearchOutbox], worker_id: str) -> int:
    """Delete the rows this worker sent. Rows added since (a later change) stay for the next
    round; a row whose lease ran out and was taken by another worker is that worker's to delete."""
    if not rows:
        return 0
    result = await session.execute(
        delete(m.SearchOutbox).where(
            m.SearchOutbox.id.in_([r.id for r in rows]), m.SearchOutbox.claimed_by == worker_id
        )
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def backoff_seconds(attempts: int) -> float:
    """Delay before try number ``attempts + 1``: 1 s, 2 s, 4 s … capped at 5 min, with jitter so
    that rows failed together do not all come back in the same instant."""
    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.75, 1.0)  # noqa: S311 - jitter, not a secret


def describe_error(exc: BaseException) -> str:
    """What goes into ``last_error`` and the log: the error's type and message, without
    credentials a URL might carry, and bounded."""
    text = f"{type(exc).__name__}: {exc}"
    return _CREDENTIALS_IN_URL.sub("***@", text)[:ERROR_CHARS]


async def fail(session: AsyncSession, rows: Sequence[m.SearchOutbox], worker_id: str, error: str) -> None:
    """Give the rows back: lease released, one attempt more, due again after the backoff."""
    if not rows:
        return
    now = _now()
    current = {
        row_id: attempts
        for row_id, attempts in await session.execute(
            select(m.SearchOutbox.id, m.SearchOutbox.attempts).where(
                m.SearchOutbox.id.in_([r.id for r in rows]), m.SearchOutbox.claimed_by == worker_id
            )
        )
    }
    if current:
        await session.execute(
            update(m.SearchOutbox),
            [
                {
                    "id": row_id,
                    "attempts": attempts + 1,
                    "available_at": now + timedelta(seconds=backoff_seconds(attempts + 1)),
                    "claimed_until": None,
                    "claimed_by": "",
                    "last_error": error[:ERROR_CHARS],
                }
                for row_id, attempts in current.items()
            ],
        )
    await session.commit()


async def retry_now(session: AsyncSession) -> int:
    """Make every waiting row due at once: called when Meilisearch answers again, since the
    backoff the rows are waiting out was the outage's."""
    now = _now()
    result = await session.execute(
        update(m.SearchOutbox)
        .where(m.SearchOutbox.available_at > now, m.SearchOutbox.claimed_until.is_(None))
        .values(available_at=now)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def pause(session: AsyncSession, holder: str, seconds: float) -> None:
    """Hold every worker off for ``seconds`` (renew by calling again); ``resume`` ends it. A
    holder that dies releases the workers when its lease runs out."""
    until = _now() + timedelta(seconds=seconds)
    held = await session.execute(
        update(m.SearchOutbox)
        .where(m.SearchOutbox.app_id == PAUSE_APP_ID, m.SearchOutbox.claimed_by == holder)
        .values(claimed_until=until)
    )
    if not held.rowcount:  # type: ignore[attr-defined]
        session.add(
            m.SearchOutbox(app_id=PAUSE_APP_ID, reason="reindex", claimed_until=until, claimed_by=holder)
        )
    await session.commit()


async def resume(session: AsyncSession, holder: str) -> None:
    await session.execute(
        delete(m.SearchOutbox).where(
            m.SearchOutbox.app_id == PAUSE_APP_ID, m.SearchOutbox.claimed_by == holder
        )
    )
    await session.commit()


async def waiting_ids(session: AsyncSession) -> list[int]:
    """The rows committed so far (a reindex notes them before it reads the database)."""
    rows = await session.scalars(
        select(m.SearchOutbox.id).where(m.SearchOutbox.app_id != PAUSE_APP_ID).order_by(m.SearchOutbox.id)
    )
    return list(rows)


async def forget_covered(session: AsyncSession, ids: Sequence[int]) -> int:
    """Delete rows a finished reindex made redundant: ``ids`` were committed before it read the
    database, so the new index holds their changes. Rows of an app a worker is still sending stay
    (that worker may have read an older document than the reindex): they are sent again."""
    now = _now()
    row, leased = m.SearchOutbox, aliased(m.SearchOutbox)
    app_busy = exists().where(leased.app_id == row.app_id, leased.claimed_until >= now)
    deleted = 0
    for start in range(0, len(ids), 1000):
        chunk = list(ids[start : start + 1000])
        result = await session.execute(
            delete(row).where(row.id.in_(chunk), ~app_busy), execution_options={"synchronize_session": False}
        )
        deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.commit()
    return deleted


@dataclass(frozen=True)
class Backlog:
    rows: int
    oldest_age_seconds: float | None


async def backlog(session: AsyncSession) -> Backlog:
    """How many rows wait and how old the oldest is (for /health and the operators)."""
    waiting = select(func.count(), func.min(m.SearchOutbox.created_at)).where(
        m.SearchOutbox.app_id != PAUSE_APP_ID
    )
    count, oldest = (await session.execute(waiting)).one()
    if oldest is None:
        return Backlog(rows=int(count), oldest_age_seconds=None)
    if oldest.tzinfo is None:  # an aggregate skips the column type's result processing on SQLite
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=UTC)
    return Backlog(rows=int(count), oldest_age_seconds=max(0.0, (_now() - oldest).total_seconds()))
