"""Claiming outbox rows (search/outbox.py) on SQLite and PostgreSQL: due and free rows only,
oldest first, one app at a time, and never the same row to two workers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from search import outbox
from store.db import models as m
from store.db.engine import session_maker


@pytest.fixture
def sessions(engine: AsyncEngine, clean_database: None) -> async_sessionmaker[AsyncSession]:
    return session_maker(engine)


async def add_rows(
    sessions: async_sessionmaker[AsyncSession], app_ids: list[int], **values: object
) -> list[int]:
    async with sessions() as session:
        ids = list(
            await session.scalars(
                insert(m.SearchOutbox).returning(m.SearchOutbox.id),
                [{"app_id": app_id, "reason": "edited", **values} for app_id in app_ids],
            )
        )
        await session.commit()
    return ids


async def claim(
    sessions: async_sessionmaker[AsyncSession], worker: str, limit: int = 100, **kw: float
) -> list[int]:
    async with sessions() as session:
        return [row.id for row in await outbox.claim(session, worker, limit, **kw)]


async def table(sessions: async_sessionmaker[AsyncSession]) -> dict[int, m.SearchOutbox]:
    async with sessions() as session:
        return {row.id: row for row in await session.scalars(select(m.SearchOutbox))}


async def test_claims_due_free_rows_oldest_first_and_leases_them(sessions) -> None:
    now = datetime.now(UTC)
    due = await add_rows(sessions, [1, 2, 3])
    (later,) = await add_rows(sessions, [4], available_at=now + timedelta(minutes=1))
    (leased,) = await add_rows(sessions, [5], claimed_until=now + timedelta(minutes=1), claimed_by="other")
    (expired,) = await add_rows(sessions, [6], claimed_until=now - timedelta(seconds=1), claimed_by="dead")

    assert await claim(sessions, "w1", limit=2) == due[:2]
    assert await claim(sessions, "w2") == [due[2], expired]
    assert await claim(sessions, "w3") == []
    rows = await table(sessions)
    assert {rows[i].claimed_by for i in due[:2]} == {"w1"}
    assert rows[expired].claimed_by == "w2"
    assert all(rows[i].claimed_until is not None and rows[i].claimed_until > now for i in [*due, expired])
    assert rows[later].claimed_until is None and rows[leased].claimed_by == "other"


async def test_an_app_being_sent_is_left_alone_until_its_worker_finishes(sessions) -> None:
    """A slower worker must not send an older document after a newer one: the later change of an
    app waits while another worker holds a row of that app."""
    (first,) = await add_rows(sessions, [7])
    assert await claim(sessions, "w1") == [first]
    (second,) = await add_rows(sessions, [7])
    (other_app,) = await add_rows(sessions, [8])
    assert await claim(sessions, "w2") == [other_app]
    assert await claim(sessions, "w3") == []  # app 7's second change waits for w1
    async with sessions() as session:
        row = await session.get(m.SearchOutbox, first)
        assert row is not None
        assert await outbox.complete(session, [row], "w1") == 1
    assert await claim(sessions, "w2") == [second]


async def test_complete_deletes_only_the_rows_this_worker_claimed(sessions) -> None:
    claimed_ids = await add_rows(sessions, [1, 2])
    async with sessions() as session:
        claimed = await outbox.claim(session, "w1", 10)
    assert [row.id for row in claimed] == claimed_ids
    (meanwhile,) = await add_rows(sessions, [1])  # the same app changed again while it was sent
    async with sessions() as session:
        # The lease of the second row ran out and another worker took it: not ours to delete.
        await session.execute(
            update(m.SearchOutbox).where(m.SearchOutbox.id == claimed_ids[1]).values(claimed_by="w2")
        )
        await session.commit()
    async with sessions() as session:
        assert await outbox.complete(session, claimed, "w1") == 1
    assert sorted(await table(sessions)) == [claimed_ids[1], meanwhile]


async def test_a_failed_row_is_released_with_backoff_and_its_error(sessions) -> None:
    (row_id,) = await add_rows(sessions, [3])
    for attempt in (1, 2, 3):
        async with sessions() as session:
            await session.execute(update(m.SearchOutbox).values(available_at=datetime.now(UTC)))
            await session.commit()
        async with sessions() as session:
            claimed = await outbox.claim(session, "w1", 10)
        before = datetime.now(UTC)
        async with sessions() as session:
            await outbox.fail(session, claimed, "w1", "SearchUnavailable: connection refused")
        row = (await table(sessions))[row_id]
        assert row.attempts == attempt
        assert row.claimed_until is None and row.claimed_by == ""
        assert row.last_error == "SearchUnavailable: connection refused"
        wait = (row.available_at - before).total_seconds()
        assert 0.75 * 2 ** (attempt - 1) - 0.1 <= wait <= 2 ** (attempt - 1) + 0.1
        assert await claim(sessions, "w2") == []  # not due before its backoff


async def test_retry_now_makes_waiting_rows_due(sessions) -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    ids = await add_rows(sessions, [1, 2], available_at=later, attempts=4)
    async with sessions() as session:
        assert await outbox.retry_now(session) == 2
    assert await claim(sessions, "w1") == ids


async def test_a_reindex_pauses_every_claim_until_it_resumes(sessions) -> None:
    (row_id,) = await add_rows(sessions, [1])
    async with sessions() as session:
        await outbox.pause(session, "reindex:1", 60)
    assert await claim(sessions, "w1") == []
    async with sessions() as session:
        await outbox.pause(session, "reindex:1", 60)  # renewed, not doubled
        assert (await outbox.backlog(session)).rows == 1  # the pause is not a change waiting
    async with sessions() as session:
        await outbox.resume(session, "reindex:1")
    assert await claim(sessions, "w1") == [row_id]
    assert list(await table(sessions)) == [row_id]


async def test_a_finished_reindex_forgets_the_rows_it_covered_but_not_an_app_in_flight(sessions) -> None:
    covered = await add_rows(sessions, [1, 2, 3])
    async with sessions() as session:
        claimed = await outbox.claim(session, "slow-worker", 1)  # app 1, still being sent
        noted = await outbox.waiting_ids(session)
    assert noted == covered and [row.app_id for row in claimed] == [1]
    (later,) = await add_rows(sessions, [2])  # committed after the reindex read the database
    async with sessions() as session:
        assert await outbox.forget_covered(session, noted) == 2
    assert sorted(await table(sessions)) == [covered[0], later]


async def test_backlog_counts_rows_and_the_age_of_the_oldest(sessions) -> None:
    async with sessions() as session:
        empty = await outbox.backlog(session)
    assert (empty.rows, empty.oldest_age_seconds) == (0, None)
    await add_rows(sessions, [1], created_at=datetime.now(UTC) - timedelta(seconds=90))
    await add_rows(sessions, [2])
    async with sessions() as session:
        backlog = await outbox.backlog(session)
    assert backlog.rows == 2
    assert backlog.oldest_age_seconds is not None and 89 <= backlog.oldest_age_seconds <= 120


async def test_concurrent_workers_never_claim_the_same_row(sessions) -> None:
    """Four workers claim in small batches at the same time until nothing is left: every row is
    claimed exactly once (SKIP LOCKED on PostgreSQL, the single writer on SQLite)."""
    ids = await add_rows(sessions, list(range(100, 180)))
    claimed: dict[str, list[int]] = {}

    async def worker(name: str) -> None:
        mine = claimed.setdefault(name, [])
        while batch := await claim(sessions, name, limit=3):
            mine += batch
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    every = [row_id for batch in claimed.values() for row_id in batch]
    assert sorted(every) == ids  # each row once: none twice, none left out
    assert sum(1 for batch in claimed.values() if batch) >= 2, claimed  # they did run side by side


def test_backoff_grows_to_five_minutes_with_jitter() -> None:
    for attempts, ceiling in [(1, 1), (2, 2), (3, 4), (9, 256), (10, 300), (40, 300)]:
        delays = [outbox.backoff_seconds(attempts) for _ in range(50)]
        assert all(0.75 * ceiling <= d <= ceiling for d in delays), (attempts, delays)
        assert len(set(delays)) > 1  # jitter


def test_the_error_kept_has_no_credentials_and_is_bounded() -> None:
    error = outbox.describe_error(ConnectionError("http://admin:s3cret@meili:7700/indexes " + "x" * 900))
    assert "s3cret" not in error and "admin" not in error
    assert error.startswith("ConnectionError: http://***@meili:7700/indexes")
    assert len(error) == outbox.ERROR_CHARS
