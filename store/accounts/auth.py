"""Who is asking: an API token (``Authorization: Bearer``) or the session cookie.

``create_app`` passes :func:`authenticate` to the request-context middleware (store/lib), which
runs it for every request before the handler. The user is looked up in a short database session
of its own that is committed and closed before the handler runs, so SQLite never sees two writers
from one request. For a page, the same session counts the user's unread notifications for the
header (one COUNT; not for the API, static files or htmx fragments), and what else waits for the
user, by the counter the application state holds (one more aggregate query, for reviewers and
city staff only).
"""

from __future__ import annotations

from typing import Any

from litestar.types import Scope
from sqlalchemy.ext.asyncio import async_sessionmaker

from store.db import models as m
from store.lib.errors import Unauthorized
from store.lib.i18n import _
from store.lib.security import SESSION_COOKIE
from store.lib.templating import HEADER_COUNTER, HEADER_COUNTS, UNREAD_COUNT
from store.notifications.services import count_unread

from .services import SessionService, TokenService


async def authenticate(
    scope: Scope, headers: dict[str, str], cookies: dict[str, str]
) -> tuple[m.User | None, str | None]:
    """The user and how they proved it ("token" or "session"); ``(None, None)`` for anonymous.

    A malformed, unknown or revoked token is refused (401) rather than treated as anonymous: a
    script should learn that its credentials are wrong. A stale session cookie is simply ignored.
    """
    maker: async_sessionmaker[Any] = scope["litestar_app"].state["auth_session_maker"]
    authorization = headers.get("authorization", "")
    if authorization:
        scheme, _sep, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized(_("Send API tokens as 'Authorization: Bearer <token>'."))
        async with maker() as session:
            user = await TokenService(session).resolve(secret.strip())
            await session.commit()
        if user is None:
            raise Unauthorized(_("The API token is unknown, expired or revoked."))
        return user, "token"
    cookie = cookies.get(SESSION_COOKIE)
    if cookie:
        async with maker() as session:
            user = await SessionService(session).resolve(cookie)
            if user is not None and _shows_header(scope, headers):
                scope["state"][UNREAD_COUNT] = await count_unread(session, user.id)
                counter = scope["litestar_app"].state.get(HEADER_COUNTER)
                if counter is not None:
                    scope["state"][HEADER_COUNTS] = await counter(session, user)
        if user is not None:
            return user, "session"
    return None, None


def _shows_header(scope: Scope, headers: dict[str, str]) -> bool:
    """Whether the answer may be a whole page with the header and its unread count: not the
    API, the schema or the health check, and not an htmx fragment."""
    path: str = scope.get("path", "")
    if path.startswith(("/api/", "/schema", "/health", "/static/")):
        return False
    return headers.get("hx-request") != "true"
