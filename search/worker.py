"""The search worker: drains the outbox to Meilisearch, in batches, idempotently.

Each round claims a batch of outbox rows (``search/outbox.py``), sends each app's *current*
document — the one the database index holds, written in the same transaction as the app's last
change — or deletes the app from Meilisearch when it is no longer public, waits for the
Meilisearch task to succeed, and only then deletes the rows it claimed. Sending the current
document twice is harmless, so a row that is sent again (a lease that ran out, a crash between
the task and the delete) does no damage, and a change made meanwhile has a row of its own that
stays for the next round.

When Meilisearch is down the rows are given back with a backoff, the worker waits and tries to
reconnect with a growing pause, and when Meilisearch answers again it applies the index settings
(``ensure_index``) and drains the backlog. It runs inside ``store run`` (a background task per
server process) and as ``store worker``; any number of them may run at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import models as m
from store.lib.background import BackgroundTask, pause
from store.settings import SearchSettings

from . import outbox
from .errors import IndexingFailed, SearchUnavailable
from .meili import MeiliEngine

logger = logging.getLogger("search.worker")

BATCH = 200
# Between polls of an empty outbox: with the task's own few hundred milliseconds, a published
# app is searchable well within two seconds.
POLL_SECONDS = 0.5
# Pause between tries to reach Meilisearch again: growing to this.
RECONNECT_MAX_SECONDS = 30.0
# How long the worker waits for one Meilisearch task; with the client's own timeouts a batch
# stays well inside its lease (outbox.LEASE_SECONDS). A task still running then is retried.
TASK_TIMEOUT_SECONDS = 60.0


class Engine(Protocol):
    """What the worker needs of ``search.meili.MeiliEngine``."""

    async def ensure_index(self) -> Any: ...
    async def upsert(self, docs: list[dict[str, Any]]) -> Any: ...
    async def delete(self, ids: list[int]) -> Any: ...
    async def last_change(self) -> int | None: ...


def worker_engine(settings: SearchSettings) -> MeiliEngine:
    """The Meilisearch client a worker uses (its own, with a task timeout that fits the lease)."""
    return MeiliEngine(
        settings.meilisearch_url,
        settings.meilisearch_key,
        settings.index_prefix,
        task_timeout=TASK_TIMEOUT_SECONDS,
    )


def new_worker_id() -> str:
    """Names the worker in the leases it takes: host, process, and a tag per loop."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def current_documents(session: AsyncSession, app_ids: list[int]) -> dict[int, dict[str, Any] | None]:
    """Each app's document as the database index holds it; None for an app that is not public
    (or no longer exists), which Meilisearch must not have either."""
    rows = await session.execute(
        select(m.SearchDocument.app_id, m.SearchDocument.doc).where(m.SearchDocument.app_id.in_(app_ids))
    )
    found: dict[int, dict[str, Any] | None] = dict.fromkeys(app_ids)
    for app_id, doc in rows:
        found[app_id] = doc
    return found


async def drain_once(
    session_maker: async_sessionmaker[AsyncSession],
    meili: Engine,
    *,
    batch: int = BATCH,
    worker_id: str | None = None,
    lease_seconds: float = outbox.LEASE_SECONDS,
) -> int:
    """Send one batch; return how many outbox rows it handled (0 when there was nothing to do).

    On failure the claimed rows are given back with a backoff and their ``last_error``; a
    ``SearchUnavailable`` is raised again afterwards so that the caller can wait for Meilisearch.
    When Meilisearch refuses the batch for its input (``IndexingFailed``), the apps are sent one at
    a time, so that only the app whose document is refused waits (and shows in ``last_error``).
    """
    worker_id = worker_id or new_worker_id()
    async with session_maker() as session:
        rows = await outbox.claim(session, worker_id, batch, lease_seconds)
    if not rows:
        return 0
    try:
        async with session_maker() as session:
            documents = await current_documents(session, sorted({row.app_id for row in rows}))
        await _send(meili, documents)
    except IndexingFailed as exc:
        if len(documents) == 1:
            await _give_back(session_maker, rows, worker_id, exc)
            return 0
        # One document Meilisearch refuses must not hold back the others: one app at a time.
        return await _send_one_by_one(session_maker, meili, rows, documents, worker_id)
    except Exception as exc:
        await _give_back(session_maker, rows, worker_id, exc)
        if isinstance(exc, SearchUnavailable):
            raise
        return 0
    async with session_maker() as session:
        await outbox.complete(session, rows, worker_id)
    return len(rows)


async def _send(meili: Engine, documents: dict[int, dict[str, Any] | None]) -> None:
    """Upsert the public apps and delete the others, each in one request, waiting for the tasks."""
    upserts = [doc for doc in documents.values() if doc is not None]
    deletes = [app_id for app_id, doc in documents.items() if doc is None]
    if upserts:
        await meili.upsert(upserts)
    if deletes:
        await meili.delete(deletes)


async def _give_back(
    session_maker: async_sessionmaker[AsyncSession],
    rows: list[m.SearchOutbox],
    worker_id: str,
    exc: BaseException,
) -> None:
    error = outbox.describe_error(exc)
    async with session_maker() as session:
        await outbox.fail(session, rows, worker_id, error)
    apps = len({row.app_id for row in rows})
    logger.warning("search outbox: %d rows (%d apps) not sent, will retry: %s", len(rows), apps, error)


async def _send_one_by_one(
    session_maker: async_sessionmaker[AsyncSession],
    meili: Engine,
    rows: list[m.SearchOutbox],
    documents: dict[int, dict[str, Any] | None],
    worker_id: str,
) -> int:
    sent: list[m.SearchOutbox] = []
    for app_id, doc in documents.items():
        app_rows = [row for row in rows if row.app_id == app_id]
        try:
            await _send(meili, {app_id: doc})
        except IndexingFailed as exc:
            await _give_back(session_maker, app_rows, worker_id, exc)
            continue
        except Exception as exc:
            await _give_back(session_maker, [row for row in rows if row not in sent], worker_id, exc)
            if isinstance(exc, SearchUnavailable):
                raise
            break
        sent.extend(app_rows)
    async with session_maker() as session:
        await outbox.complete(session, sent, worker_id)
    return len(sent)


async def run_worker(
    session_maker: async_sessionmaker[AsyncSession],
    meili: Engine,
    stop: asyncio.Event,
    poll: float = POLL_SECONDS,
    *,
    batch: int = BATCH,
    heartbeat: Callable[[], None] | None = None,
    on_index_change: Callable[[], None] | None = None,
) -> None:
    """Drain the outbox until ``stop`` is set; ride out Meilisearch and database outages.

    A batch in flight is finished (its client calls have timeouts) before the loop returns.
    ``heartbeat`` is called at the start of every round (a container's liveness check).
    ``on_index_change`` is called when the index has changed since the last round, whichever
    worker changed it: a server process empties the answers it keeps (store/lib/httpcache.py),
    which may hold a search made before Meilisearch had the change.
    """
    worker_id = new_worker_id()
    connected = False
    failures = 0  # consecutive rounds that could not reach Meilisearch or the database
    seen_change: int | None = -1  # the index's last change as of the last round (-1: not read yet)
    logger.info("search worker %s started", worker_id)
    while not stop.is_set():
        if heartbeat is not None:
            heartbeat()
        try:
            if not connected:
                await meili.ensure_index()
                async with session_maker() as session:
                    waiting = await outbox.retry_now(session)
                connected, failures = True, 0
                logger.info("search worker connected to Meilisearch")
                if waiting:
                    logger.info("search worker: %d rows that waited out the outage are due again", waiting)
            handled = await drain_once(session_maker, meili, batch=batch, worker_id=worker_id)
            if on_index_change is not None:
                change = await meili.last_change()
                if change != seen_change:
                    seen_change = change
                    on_index_change()
            failures = 0
        except SearchUnavailable as exc:
            if connected:
                error = outbox.describe_error(exc)
                logger.warning("search worker: Meilisearch unavailable, retrying: %s", error)
            connected = False
            failures += 1
            await pause(stop, min(RECONNECT_MAX_SECONDS, outbox.backoff_seconds(failures)))
            continue
        except Exception:
            # The database, or a bug: log it, wait, go on. The rows stay in the outbox.
            logger.exception("search worker: round failed")
            failures += 1
            await pause(stop, min(RECONNECT_MAX_SECONDS, outbox.backoff_seconds(failures)))
            continue
        if handled < batch:  # a full batch means more may wait: go on at once
            await pause(stop, poll)
    logger.info("search worker %s stopped", worker_id)


class BackgroundWorker(BackgroundTask):
    """``run_worker`` as a task of a server process: ``start`` and ``stop`` are the app's start-up
    and shut-down hooks. With several server processes each runs one; the leases keep them apart."""

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        settings: SearchSettings,
        *,
        on_index_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__("search outbox worker", logger)
        self._session_maker = session_maker
        self._settings = settings
        self._on_index_change = on_index_change
        self._meili: MeiliEngine | None = None

    async def start(self) -> None:
        self._meili = worker_engine(self._settings)
        self.launch(
            run_worker(self._session_maker, self._meili, self._stop, on_index_change=self._on_index_change)
        )

    async def stop(self) -> None:
        """Let the batch in flight finish (its rows are leased; a batch cut short is sent again
        after the lease), then close the client."""
        await super().stop()
        if self._meili is not None:
            await self._meili.close()
            self._meili = None
