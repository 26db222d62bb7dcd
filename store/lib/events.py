"""Domain events: the one seam every change passes through, inside the change's own transaction.

Why: search (and later statistics) must follow every change that alters what the catalog shows:
an approval, an edit of a published app, a deprecation or a return, a new version, a version,
file or screenshot approved by review, a yank, and later adoption counts. Instead of a call in
each service method that makes such a change, the change *emits* an event into its unit of work,
and whatever must follow the changes *subscribes* once, in the wiring (``store/app.py``, which
the CLI reuses). Features declare their events (``store/catalog/events.py``); lib knows none.

Why the same transaction: events wait in the session (``session.info``) until it commits. In
SQLAlchemy's ``before_commit`` hook each subscriber gets the (sync) session and each event, and
may ``session.add()`` rows. ``SessionTransaction._prepare_impl`` runs that hook *before* it
flushes the session until it is clean and before the COMMIT, so the added rows are written in
the same flush and commit (or roll back) with the change; for an ``AsyncSession`` the hook runs
on its sync session inside the same greenlet, so the same holds. A rollback, or a session closed
without commit, drops the waiting events (a rolled-back SAVEPOINT drops those emitted inside it):
a refused request is never heard of. This is the transactional outbox; an after-commit callback
would lose the event if the process died between the commit and the callback.

Search subscribes this way (``store.app.event_subscribers`` lists the subscribers): the
database index is rewritten in the change's transaction (``search.index_db.index_subscriber``),
and with Meilisearch an outbox row is added (``search.outbox.queue_for_meilisearch``), which a
worker reads after commit, sends to Meilisearch, and deletes (``search/worker.py``).

Subscribers are synchronous and quick (they run inside the commit): ``session.add`` or
``session.execute``, no network I/O. An exception in one aborts the commit, and so the change.
Only sessions made with ``session_info(subscribers)`` deliver events; other sessions (the test
suite's own, say) drop them at commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction


@dataclass(frozen=True)
class Event:
    """Base of domain events: an immutable fact about a change, named in the past tense."""


Subscriber = Callable[[Session, Event], None]

_SUBSCRIBERS = "store.events.subscribers"
_PENDING = "store.events.pending"  # [(transaction the event was emitted in, event)]


def session_info(subscribers: Sequence[Subscriber]) -> dict[str, Any]:
    """The ``info`` for a session maker whose sessions deliver their events to ``subscribers``."""
    return {_SUBSCRIBERS: tuple(subscribers)}


def emit(session: Session | AsyncSession, event: Event) -> None:
    """Add ``event`` to the session's unit of work; subscribers get it when the session commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    sync.info.setdefault(_PENDING, []).append((transaction, event))


def _inside(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@sa_event.listens_for(Session, "before_commit")
def _deliver(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT is released: its events wait for the outermost commit
    subscribers: tuple[Subscriber, ...] = session.info.get(_SUBSCRIBERS, ())
    # A subscriber may emit in turn; those events are delivered in this commit too.
    while pending := session.info.pop(_PENDING, None):
        for _transaction, event in pending:
            for subscriber in subscribers:
                subscriber(session, event)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending and previous_transaction.nested:
        pending[:] = [item for item in pending if not _inside(item[0], previous_transaction)]


@sa_event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed (delivered) or not
        session.info.pop(_PENDING, None)
