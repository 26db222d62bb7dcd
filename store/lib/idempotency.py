"""Idempotency-Key support for uploads and publishing calls.

A key belongs to one user and one request: its method, path, query string and a SHA-256 of its
body (a streamed upload is not read twice, so instead its declared SHA-256, length and content
type; the file name is in the query). Only a hash of that fingerprint is stored.

Write handlers get all of this from one decorator, ``@idempotent``. The first request with a
key claims it (``replay`` inserts a pending row) and its successful answer is stored in that row
(``answer``). A retry of the same request gets that answer again with
``Idempotent-Replayed: true`` and the work is not done twice; the same key on a different
request is refused (422 ``idempotency_key_reused``, as Stripe's API answers); a retry that
arrives while the first request is still running gets 409. A request that fails gives its key
back (its transaction rolls back; an upload, which commits before its bytes arrive, calls
``release``). Keys are kept for a day; a claim left pending for an hour is taken as abandoned.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ParamSpec, cast

import msgspec
from litestar import Request, Response
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.db.unique import insert_unless_exists

from .errors import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationFailed, field_error
from .i18n import _
from .policy import current_user

logger = logging.getLogger("store.idempotency")
P = ParamSpec("P")

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 100
KEEP_FOR = timedelta(days=1)
PENDING = 0  # the status_code of a claim whose request has not answered yet
ABANDONED_AFTER = timedelta(hours=1)  # longer than any upload; the process died meanwhile
# What identifies a streamed upload's body without reading it.
STREAMED_BODY_HEADERS = ("content-length", "x-checksum-sha256", "x-content-type")


def key_of(request: Request[Any, Any, Any]) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            details=[
                field_error(
                    "Idempotency-Key", _("Send a key of 1 to %(max)s characters."), max=MAX_KEY_LENGTH
                )
            ]
        )
    return key


async def fingerprint_of(request: Request[Any, Any, Any], *, streamed: bool = False) -> str:
    """A SHA-256 of what makes this request this request (the user is part of the row's key)."""
    if streamed:
        body = "\n".join(request.headers.get(name, "") for name in STREAMED_BODY_HEADERS)
    else:
        body = hashlib.sha256(await request.body()).hexdigest()
    parts = (request.method, request.url.path, request.url.query, body)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


async def replay(
    session: AsyncSession, user: m.User | None, request: Request[Any, Any, Any], *, streamed: bool = False
) -> Response[Any] | None:
    """Claim this request's key and return None (go ahead), or answer as the first request with
    this key did. ``streamed``: the body is an upload that must not be read here."""
    key = key_of(request)
    if key is None or user is None:
        return None
    fingerprint = await fingerprint_of(request, streamed=streamed)
    now = m.utcnow()
    await session.execute(
        delete(m.IdempotencyRecord).where(
            or_(
                m.IdempotencyRecord.created_at < now - KEEP_FOR,
                (m.IdempotencyRecord.status_code == PENDING)
                & (m.IdempotencyRecord.created_at < now - ABANDONED_AFTER),
            )
        )
    )
    claim = m.IdempotencyRecord(
        user_id=user.id, key=key, fingerprint=fingerprint, status_code=PENDING, body={}, created_at=now
    )
    # A parallel request with the same key waits here until the first one's transaction ends.
    if await insert_unless_exists(session, claim, "user_id", "key") is not None:
        return None
    record = await session.scalar(
        select(m.IdempotencyRecord).where(
            m.IdempotencyRecord.user_id == user.id, m.IdempotencyRecord.key == key
        )
    )
    if record is not None and record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record is None or record.status_code == PENDING:
        raise IdempotencyKeyInUse()  # (None: released just now; a retry may claim it)
    return Response(record.body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


async def answer(
    session: AsyncSession,
    user: m.User | None,
    request: Request[Any, Any, Any],
    out: Any,
    status_code: int = 200,
) -> Response[Any]:
    """Answer with ``out`` (a schema) and remember it under the request's key, if any."""
    body = msgspec.to_builtins(out)
    await remember(session, user, request, status_code, body)
    return Response(body, status_code=status_code)


async def remember(
    session: AsyncSession, user: m.User | None, request: Request[Any, Any, Any], status_code: int, body: Any
) -> None:
    """Store the answer in the row ``replay`` claimed for this request."""
    key = key_of(request)
    if key is None or user is None:
        return
    await session.execute(
        update(m.IdempotencyRecord)
        .where(
            m.IdempotencyRecord.user_id == user.id,
            m.IdempotencyRecord.key == key,
            m.IdempotencyRecord.status_code == PENDING,
        )
        .values(status_code=status_code, body=body)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, user: m.User | None, request: Request[Any, Any, Any]) -> None:
    """Give the key back after a failure that came after its claim was committed, so that the
    client can retry with it. Best effort: an abandoned claim also expires by itself."""
    key = key_of(request)
    if key is None or user is None:
        return
    try:
        await session.rollback()
        await session.execute(
            delete(m.IdempotencyRecord).where(
                m.IdempotencyRecord.user_id == user.id,
                m.IdempotencyRecord.key == key,
                m.IdempotencyRecord.status_code == PENDING,
            )
        )
        await session.commit()
    except Exception:  # the original error matters more; the claim expires anyway
        logger.warning("could not release idempotency key", exc_info=True)


def idempotent(
    status_code: int = 200, *, streamed: bool = False
) -> Callable[[Callable[P, Awaitable[Any]]], Callable[P, Awaitable[Response[Any]]]]:
    """Make a write handler honour ``Idempotency-Key``; put it under the route decorator::

        @post("/", guards=[requires("apps.create")])
        @idempotent(HTTP_201_CREATED)
        async def create_app(self, request: Request, db_session: AsyncSession, data: AppIn) -> AppOut:
            ...

    The handler takes ``request`` and ``db_session`` and returns its answer: a schema, sent with
    ``status_code``, or a ``Response`` carrying one when the status depends on the outcome. A
    retry is answered from the record before the handler runs (``replay``), and the answer is
    recorded for the next retry (``answer``). ``streamed``: the body is an upload, fingerprinted
    by its headers, which the handler commits before the bytes arrive; so a failure gives the
    key back (``release``). The route keeps ``Response[Any]`` as its declared return type.
    """

    def decorate(handler: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Response[Any]]]:
        @functools.wraps(handler)
        async def remembered(*args: P.args, **kwargs: P.kwargs) -> Response[Any]:
            request = cast("Request[Any, Any, Any]", kwargs["request"])
            session = cast("AsyncSession", kwargs["db_session"])
            user = current_user(request)
            if replayed := await replay(session, user, request, streamed=streamed):
                return replayed
            try:
                result = await handler(*args, **kwargs)
            except Exception:
                if streamed:
                    await release(session, user, request)
                raise
            if isinstance(result, Response):
                return await answer(session, user, request, result.content, result.status_code or status_code)
            return await answer(session, user, request, result, status_code)

        # Litestar reads the route's return type from the annotations (the parameters from the
        # handler's own signature, through ``__wrapped__``): what this wrapper returns.
        remembered.__annotations__ = {**handler.__annotations__, "return": Response[Any]}
        return remembered

    return decorate
