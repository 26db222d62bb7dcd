"""Request-level helpers shared by the accounts API (controllers.py) and pages (pages.py): signing
in and out, the session cookie, and the signed-in user. Private to this package."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import CacheControlHeader
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.errors import Unauthorized
from store.lib.policy import current_user
from store.lib.security import SESSION_COOKIE
from store.settings import Settings

from .services import SessionService, UserService

# Answers that show a token's secret: not kept by the browser or any proxy, whoever asks.
SECRET_SHOWN = CacheControlHeader(no_store=True)


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    return request.app.state["settings"]


def signed_in_user(request: Request[Any, Any, Any]) -> m.User:
    user = current_user(request)
    if user is None:
        raise Unauthorized()
    return user


async def check_password(
    request: Request[Any, Any, Any], db_session: AsyncSession, username: str, password: str
) -> m.User:
    """Count the attempt, commit the count, then check the password (401, or 429 when locked).

    The count is committed before the slow check so that parallel guesses see each other's
    counts: at most ``login_max_failures`` passwords are checked before the account locks.
    """
    settings = settings_of(request)
    service = UserService(db_session)
    attempt = await service.count_sign_in(
        username,
        max_failures=settings.auth.login_max_failures,
        lockout_seconds=settings.auth.login_lockout_seconds,
    )
    await db_session.commit()
    return await service.authenticate(attempt, password)


async def start_session(request: Request[Any, Any, Any], db_session: AsyncSession, user: m.User) -> str:
    """A new session for ``user`` in this browser; returns the secret for the cookie."""
    settings = settings_of(request)
    return await SessionService(db_session).start(
        user, max_age=settings.auth.session_max_age, user_agent=request.headers.get("user-agent", "")
    )


async def sign_in(
    request: Request[Any, Any, Any], db_session: AsyncSession, username: str, password: str
) -> tuple[m.User, str]:
    user = await check_password(request, db_session, username, password)
    return user, await start_session(request, db_session, user)


def set_session_cookie(response: Response[Any], request: Request[Any, Any, Any], secret: str) -> None:
    settings = settings_of(request)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.auth.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.app.is_production,
        path="/",
    )


async def sign_out(request: Request[Any, Any, Any], db_session: AsyncSession) -> None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await SessionService(db_session).end(secret)
