"""Idempotency-Key support for uploads and publishing calls.

The first successful answer to (user, key) is stored; a retry with the same key gets the same
status and body without doing the work twice. Keys are kept for a day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m

from .errors import ValidationFailed, field_error
from .i18n import _

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 100
KEEP_FOR = timedelta(days=1)


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


def fingerprint_of(request: Request[Any, Any, Any]) -> str:
    return f"{request.method} {request.url.path}"[:400]


async def replay(
    session: AsyncSession, user: m.User | None, request: Request[Any, Any, Any]
) -> Response[Any] | None:
    """The stored answer for this request's key, if it was seen before."""
    key = key_of(request)
    if key is None or user is None:
        return None
    await session.execute(
        delete(m.IdempotencyRecord).where(m.IdempotencyRecord.created_at < m.utcnow() - KEEP_FOR)
    )
    record = await session.scalar(
        select(m.IdempotencyRecord).where(
            m.IdempotencyRecord.user_id == user.id, m.IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.fingerprint != fingerprint_of(request):
        raise ValidationFailed(
            details=[field_error("Idempotency-Key", _("This key was already used for a different request."))]
        )
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
    key = key_of(request)
    if key is None or user is None:
        return
    session.add(
        m.IdempotencyRecord(
            user_id=user.id, key=key, fingerprint=fingerprint_of(request), status_code=status_code, body=body
        )
    )
    await session.flush()
