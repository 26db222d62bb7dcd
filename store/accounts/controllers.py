"""Sign-in, the account page with API tokens, and user administration — JSON API and pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.errors import AppError, Forbidden, TooManyRequests, Unauthorized, UnsupportedMediaType
from store.lib.forms import form_data, form_errors
from store.lib.i18n import _, gettext
from store.lib.pagination import Page, PageNumber, items_per_page
from store.lib.policy import current_user, requires, signed_in
from store.lib.security import SESSION_COOKIE
from store.settings import Settings

from . import schemas as s
from .services import SessionService, TokenService, UserService

# Answers that show a token's secret: not kept by the browser or any proxy, whoever asks.
SECRET_SHOWN = CacheControlHeader(no_store=True)


def _settings(request: Request[Any, Any, Any]) -> Settings:
    return request.app.state["settings"]


def _me(request: Request[Any, Any, Any]) -> m.User:
    user = current_user(request)
    if user is None:
        raise Unauthorized()
    return user


async def _check_password(
    request: Request[Any, Any, Any], db_session: AsyncSession, username: str, password: str
) -> m.User:
    """Count the attempt, commit the count, then check the password (401, or 429 when locked).

    The count is committed before the slow check so that parallel guesses see each other's
    counts: at most ``login_max_failures`` passwords are checked before the account locks.
    """
    settings = _settings(request)
    service = UserService(db_session)
    attempt = await service.count_sign_in(
        username,
        max_failures=settings.auth.login_max_failures,
        lockout_seconds=settings.auth.login_lockout_seconds,
    )
    await db_session.commit()
    return await service.authenticate(attempt, password)


async def _sign_in(
    request: Request[Any, Any, Any], db_session: AsyncSession, username: str, password: str
) -> tuple[m.User, str]:
    user = await _check_password(request, db_session, username, password)
    settings = _settings(request)
    secret = await SessionService(db_session).start(
        user, max_age=settings.auth.session_max_age, user_agent=request.headers.get("user-agent", "")
    )
    return user, secret


def _set_session_cookie(response: Response[Any], request: Request[Any, Any, Any], secret: str) -> None:
    settings = _settings(request)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.auth.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.app.is_production,
        path="/",
    )


async def _sign_out(request: Request[Any, Any, Any], db_session: AsyncSession) -> None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await SessionService(db_session).end(secret)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


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
        summary="Sign in with username and password (JSON); sets the session cookie",
        guards=[json_from_this_site],
    )
    async def login(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: s.LoginRequest
    ) -> Response[s.UserOut]:
        user, secret = await _sign_in(request, db_session, data.username, data.password)
        response = Response(s.UserOut.of(user), status_code=200)
        _set_session_cookie(response, request, secret)
        return response

    @post("/logout", summary="End the current session", status_code=200)
    async def logout(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> Response[dict[str, bool]]:
        await _sign_out(request, db_session)
        response = Response({"signed_out": True})
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class MeApi(Controller):
    path = "/api/v1/me"
    tags = ["auth"]
    guards = [signed_in]

    @get("/", summary="The signed-in user, with role and region")
    async def me(self, request: Request[Any, Any, Any]) -> s.UserOut:
        return s.UserOut.of(_me(request))


class TokensApi(Controller):
    path = "/api/v1/tokens"
    tags = ["tokens"]
    guards = [requires("tokens.manage")]

    @get("/", summary="Your API tokens (never their secrets)")
    async def list_tokens(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> list[s.TokenOut]:
        return [s.TokenOut.of(t) for t in await TokenService(db_session).list(_me(request))]

    @post(
        "/",
        summary="Create a token; its secret is returned this once",
        status_code=HTTP_201_CREATED,
        cache_control=SECRET_SHOWN,
    )
    async def create_token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: s.TokenCreate
    ) -> s.IssuedTokenOut:
        issued = await TokenService(db_session).issue(_me(request), data.name, data.expires_in_days)
        return s.IssuedTokenOut(token=s.TokenOut.of(issued.token), secret=issued.secret)

    @delete("/{token_id:int}", summary="Revoke a token", status_code=200)
    async def revoke_token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, token_id: int
    ) -> s.TokenOut:
        return s.TokenOut.of(await TokenService(db_session).revoke(_me(request), token_id))


class UsersApi(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [requires("users.manage")]

    @get("/", summary="All users (provincial admins)")
    async def list_users(
        self,
        db_session: AsyncSession,
        page: PageNumber = 1,
        per_page: int = items_per_page(50, maximum=100),
    ) -> s.UserPage:
        users, total = await UserService(db_session).list(page=page, per_page=per_page)
        return s.UserPage(items=[s.UserOut.of(u) for u in users], total=total, page=page, per_page=per_page)

    @post("/", summary="Create a user", status_code=HTTP_201_CREATED)
    async def create_user(self, db_session: AsyncSession, data: s.UserCreate) -> s.UserOut:
        user = await UserService(db_session).create(
            username=data.username,
            role=data.role,
            password=data.password,
            region_code=data.region,
            display_name=data.display_name,
        )
        return s.UserOut.of(user)

    @get("/{user_id:int}", summary="One user")
    async def get_user(self, db_session: AsyncSession, user_id: int) -> s.UserOut:
        return s.UserOut.of(await UserService(db_session).get(user_id))

    @patch(
        "/{user_id:int}",
        summary="Change a user's role, region, name, status or password",
        description=(
            "A new password ends all the user's sessions and, unless `revoke_tokens` is false, "
            "revokes their API tokens."
        ),
    )
    async def update_user(self, db_session: AsyncSession, user_id: int, data: s.UserUpdate) -> s.UserOut:
        service = UserService(db_session)
        user = await service.get(user_id)
        if data.password is not None:
            await service.set_password(user, data.password, revoke_tokens=data.revoke_tokens)
        user = await service.update(
            user,
            role=data.role,
            region_code=data.region,
            display_name=data.display_name,
            is_active=data.is_active,
        )
        return s.UserOut.of(user)


# ---------------------------------------------------------------- pages


class AuthPages(Controller):
    include_in_schema = False

    @get("/login", name="login")
    async def login_form(self, request: Request[Any, Any, Any], next: str = "/") -> Template:
        return Template(
            "accounts/login.html", context={"next": _safe_next(next), "errors": {}, "username": ""}
        )

    @post("/login", name="login_submit")
    async def login_submit(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        target = _safe_next(form.get("next"))
        try:
            _user, secret = await _sign_in(
                request, db_session, form.get("username", ""), form.get("password", "")
            )
        except AppError as exc:
            return Template(
                "accounts/login.html",
                context={"next": target, "errors": form_errors(exc), "username": form.get("username", "")},
                status_code=exc.status_code,
            )
        response = Redirect(path=target)
        _set_session_cookie(response, request, secret)
        return response

    @post("/logout", name="logout")
    async def logout(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        await _sign_out(request, db_session)
        response = Redirect(path="/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class AccountPages(Controller):
    """The account page shows a new token's secret (and the user's tokens): never kept in a cache."""

    path = "/account"
    include_in_schema = False
    guards = [signed_in]
    cache_control = SECRET_SHOWN

    async def _render(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        *,
        new_secret: str | None = None,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        tokens = await TokenService(db_session).list(_me(request))
        return Template(
            "accounts/account.html",
            context={"tokens": tokens, "new_secret": new_secret, "errors": errors or {}, "notice": notice},
            status_code=status_code,
        )

    @get("/", name="account")
    async def account(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return await self._render(request, db_session)

    @post("/tokens", name="account_token_create")
    async def create_token(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        form = await form_data(request)
        days = form.get("expires_in_days", "").strip()
        try:
            issued = await TokenService(db_session).issue(
                _me(request), form.get("name", "")[:100], int(days) if days.isdigit() else None
            )
        except AppError as exc:
            await db_session.rollback()  # a token refused for the limit was already added
            return await self._render(
                request, db_session, errors=form_errors(exc), status_code=exc.status_code
            )
        # Rendered, not redirected: the secret is shown exactly once, on this response.
        return await self._render(request, db_session, new_secret=issued.secret)

    @post("/tokens/{token_id:int}/revoke", name="account_token_revoke")
    async def revoke_token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, token_id: int
    ) -> Redirect:
        await TokenService(db_session).revoke(_me(request), token_id)
        return Redirect(path="/account")

    @post("/password", name="account_password")
    async def change_password(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> Response[Any]:
        form = await form_data(request)
        me = _me(request)
        try:
            # Guesses of the current password count like sign-in attempts and lock likewise.
            await _check_password(request, db_session, me.username, form.get("current_password", ""))
        except Unauthorized:
            errors = {"current_password": gettext(_("The current password is wrong."))}
            return await self._render(request, db_session, errors=errors, status_code=422)
        except TooManyRequests as exc:
            errors = {"current_password": exc.translated()}
            return await self._render(request, db_session, errors=errors, status_code=exc.status_code)
        await db_session.commit()  # the right password clears the count, even if what follows fails
        service = UserService(db_session)
        user = await service.get(me.id)
        revoke_tokens = form.get("revoke_tokens") == "on"
        try:
            await service.set_password(user, form.get("new_password", ""), revoke_tokens=revoke_tokens)
        except AppError as exc:
            return await self._render(
                request, db_session, errors=form_errors(exc), status_code=exc.status_code
            )
        # Every session of the user ended, this one included; this browser gets a new one.
        settings = _settings(request)
        secret = await SessionService(db_session).start(
            user, max_age=settings.auth.session_max_age, user_agent=request.headers.get("user-agent", "")
        )
        notice = (
            _("Your password was changed. Your other sessions were signed out and your API tokens revoked.")
            if revoke_tokens
            else _(
                "Your password was changed and your other sessions signed out. Your API tokens still work."
            )
        )
        response = await self._render(request, db_session, notice=gettext(notice))
        _set_session_cookie(response, request, secret)
        return response


class UserAdminPages(Controller):
    path = "/admin/users"
    include_in_schema = False
    guards = [requires("users.manage")]

    @get("/", name="admin_users")
    async def list_users(self, db_session: AsyncSession, page: PageNumber = 1) -> Template:
        users, total = await UserService(db_session).list(page=page, per_page=50)
        return Template(
            "accounts/admin_users.html",
            context={
                "users": users,
                "page": Page(page, 50, total),
                "errors": {},
                "form": {},
                "roles": list(m.Role),
            },
        )

    @post("/", name="admin_user_create")
    async def create_user(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        try:
            await UserService(db_session).create(
                username=form.get("username", "").strip(),
                role=form.get("role", ""),
                password=form.get("password", ""),
                region_code=form.get("region", "").strip() or None,
                display_name=form.get("display_name", "").strip()[:100],
            )
        except AppError as exc:
            await db_session.rollback()
            users, total = await UserService(db_session).list(page=1, per_page=50)
            form.pop("password", None)
            return Template(
                "accounts/admin_users.html",
                context={
                    "users": users,
                    "page": Page(1, 50, total),
                    "errors": form_errors(exc),
                    "form": form,
                    "roles": list(m.Role),
                },
                status_code=exc.status_code,
            )
        return Redirect(path="/admin/users")

    @get("/{user_id:int}", name="admin_user")
    async def edit_user(self, db_session: AsyncSession, user_id: int) -> Template:
        user = await UserService(db_session).get(user_id)
        return Template(
            "accounts/admin_user_edit.html", context={"user": user, "errors": {}, "roles": list(m.Role)}
        )

    @post("/{user_id:int}", name="admin_user_update")
    async def update_user(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int
    ) -> Response[Any]:
        form = await form_data(request)
        service = UserService(db_session)
        user = await service.get(user_id)
        revoke_tokens = form.get("revoke_tokens") == "on"
        try:
            if form.get("password"):
                await service.set_password(user, form["password"], revoke_tokens=revoke_tokens)
            await service.update(
                user,
                role=form.get("role") or None,
                region_code=form.get("region", "").strip() or None,
                display_name=form.get("display_name", "").strip()[:100],
                is_active=form.get("is_active") == "on",
            )
        except AppError as exc:
            await db_session.rollback()
            user = await service.get(user_id)
            return Template(
                "accounts/admin_user_edit.html",
                context={"user": user, "errors": form_errors(exc), "roles": list(m.Role)},
                status_code=exc.status_code,
            )
        if not form.get("password"):
            return Redirect(path="/admin/users")
        # After a password reset, say what it did to the user's sessions and tokens.
        notice = (
            _("The password was changed: the user's sessions were ended and their API tokens revoked.")
            if revoke_tokens
            else _(
                "The password was changed and the user's sessions were ended. Their API tokens still work."
            )
        )
        return Template(
            "accounts/admin_user_edit.html",
            context={"user": user, "errors": {}, "roles": list(m.Role), "notice": gettext(notice)},
        )


ACCOUNT_ROUTES = [AuthApi, MeApi, TokensApi, UsersApi, AuthPages, AccountPages, UserAdminPages]
