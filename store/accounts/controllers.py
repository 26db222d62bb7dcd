"""Sign-in, API tokens and user administration — the JSON API (the pages are in pages.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from store.lib.errors import Forbidden, UnsupportedMediaType
from store.lib.i18n import _
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import requires, signed_in
from store.lib.security import SESSION_COOKIE

from . import schemas as s
from ._web import SECRET_SHOWN, set_session_cookie, sign_in, sign_out, signed_in_user
from .services import TokenService, UserService


def _same_origin(origin: str, host: str) -> bool:
    """True when an ``Origin`` header names the host (and port) the request was sent to."""
    sent_from, sent_to = urlsplit(origin), urlsplit(f"//{host}")
    if sent_from.scheme not in {"http", "https"} or not sent_from.hostname or not sent_to.hostname:
        return False  # includes "null", sent from sandboxed and some cross-site contexts
    default_port = 443 if sent_from.scheme == "https" else 80
    try:
        ports = (sent_from.port or default_port, sent_to.port or default_port)
    except ValueError:
        return False
    return sent_from.hostname == sent_to.hostname and ports[0] == ports[1]


def json_from_this_site(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Against login CSRF (a cross-site page signing the victim into the attacker's account):
    another site's form can post text/plain or form data, but JSON only with a CORS preflight
    the store never grants; and a browser's ``Origin`` header, when sent, must be this site."""
    content_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType()
    origin = connection.headers.get("origin")
    if origin is not None and not _same_origin(origin, connection.headers.get("host", "")):
        raise Forbidden(_("Sign-in requests must come from this site."))


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/login",
        name="api_login",
        summary="Sign in with username and password (JSON); sets the session cookie",
        guards=[json_from_this_site],
    )
    async def login(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: s.LoginIn
    ) -> Response[s.UserOut]:
        user, secret = await sign_in(request, db_session, data.username, data.password)
        response = Response(s.UserOut.of(user), status_code=200)
        set_session_cookie(response, request, secret)
        return response

    @post("/logout", name="api_logout", summary="End the current session", status_code=200)
    async def logout(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> Response[dict[str, bool]]:
        await sign_out(request, db_session)
        response = Response({"signed_out": True})
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class MeApi(Controller):
    path = "/api/v1/me"
    tags = ["auth"]
    guards = [signed_in]

    @get("/", name="api_me", summary="The signed-in user, with role and region")
    async def me(self, request: Request[Any, Any, Any]) -> s.UserOut:
        return s.UserOut.of(signed_in_user(request))


class TokensApi(Controller):
    path = "/api/v1/tokens"
    tags = ["tokens"]
    guards = [requires("tokens.manage")]

    @get("/", name="api_token_list", summary="Your API tokens (never their secrets)")
    async def list_tokens(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> list[s.TokenOut]:
        return [s.TokenOut.of(t) for t in await TokenService(db_session).list_tokens(signed_in_user(request))]

    @post(
        "/",
        name="api_token_create",
        summary="Create a token; its secret is returned this once",
        status_code=HTTP_201_CREATED,
        cache_control=SECRET_SHOWN,
    )
    async def create_token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: s.TokenCreateIn
    ) -> s.IssuedTokenOut:
        issued = await TokenService(db_session).issue(
            signed_in_user(request), data.name, data.expires_in_days
        )
        return s.IssuedTokenOut(token=s.TokenOut.of(issued.token), secret=issued.secret)

    @delete("/{token_id:int}", name="api_token_revoke", summary="Revoke a token", status_code=200)
    async def revoke_token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, token_id: int
    ) -> s.TokenOut:
        return s.TokenOut.of(await TokenService(db_session).revoke(signed_in_user(request), token_id))


class UsersApi(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [requires("users.manage")]

    @get("/", name="api_user_list", summary="All users (provincial admins)")
    async def list_users(
        self,
        db_session: AsyncSession,
        page: PageNumber = 1,
        per_page: int = items_per_page(50, maximum=100),
    ) -> s.UserPageOut:
        found = await UserService(db_session).list_users(page=page, per_page=per_page)
        return s.UserPageOut.of(found, s.UserOut.of)

    @post("/", name="api_user_create", summary="Create a user", status_code=HTTP_201_CREATED)
    async def create_user(self, db_session: AsyncSession, data: s.UserCreateIn) -> s.UserOut:
        user = await UserService(db_session).create(
            username=data.username,
            role=data.role,
            password=data.password,
            region_code=data.region,
            display_name=data.display_name,
            email=data.email,
        )
        return s.UserOut.of(user)

    @get("/{user_id:int}", name="api_user_detail", summary="One user")
    async def get_user(self, db_session: AsyncSession, user_id: int) -> s.UserOut:
        return s.UserOut.of(await UserService(db_session).get(user_id))

    @patch(
        "/{user_id:int}",
        name="api_user_update",
        summary="Change a user's role, region, name, e-mail, status or password",
        description=(
            "A new password ends all the user's sessions and, unless `revoke_tokens` is false, "
            "revokes their API tokens."
        ),
    )
    async def update_user(self, db_session: AsyncSession, user_id: int, data: s.UserUpdateIn) -> s.UserOut:
        service = UserService(db_session)
        user = await service.get(user_id)
        user = await service.update(
            user,
            role=data.role,
            region_code=data.region,
            display_name=data.display_name,
            is_active=data.is_active,
            email=data.email,
            password=data.password,
            revoke_tokens=data.revoke_tokens,
        )
        return s.UserOut.of(user)


ACCOUNT_API = [AuthApi, MeApi, TokensApi, UsersApi]
