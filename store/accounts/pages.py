"""Accounts pages: signing in and out, the account page with API tokens and the password form, and
user administration."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import flash
from store.lib.errors import AppError, TooManyRequests, Unauthorized, ValidationFailed
from store.lib.forms import form_data, form_errors, redirect_to, rerender
from store.lib.i18n import _, gettext
from store.lib.pagination import Page, PageNumber
from store.lib.policy import requires, signed_in
from store.lib.security import SESSION_COOKIE, local_path

from ._web import (
    SECRET_SHOWN,
    check_password,
    set_session_cookie,
    sign_in,
    sign_out,
    signed_in_user,
    start_session,
)
from .services import TokenService, UserService, check_password_strength

USERS_PER_PAGE = 50

# What the account and user pages confirm after a redirect (store/lib/flash.py carries the code;
# the user pages' codes name the user: ``about`` is the user's id).
ACCOUNT_DONE: dict[str, str] = {"token_revoked": _("Token revoked. Scripts using it no longer get in.")}
USERS_DONE: dict[str, str] = {
    "user_added": _("User %(username)s added. Give them their initial password."),
    "user_saved": _("Changes to %(username)s saved."),
}


def _to_users(request: Request[Any, Any, Any], done: str, user_id: int) -> Redirect:
    """Back to the list of users, which then names the user and what happened (once)."""
    response = redirect_to(request, "admin_users")
    path = request.app.route_reverse("admin_users")
    flash.remember(request, response, done, path=path, about=user_id)
    return response


async def _users_done(request: Request[Any, Any, Any], db_session: AsyncSession) -> str | None:
    found = flash.waiting_about(request, USERS_DONE)
    if found is None or not found[1].isdigit():
        return None
    user = await db_session.get(m.User, int(found[1]))
    return gettext(USERS_DONE[found[0]], username=user.username) if user else None


def _login_page(
    next: str, username: str = "", *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Template:
    return Template(
        "accounts/login.html",
        context={"next": next, "errors": errors or {}, "username": username},
        status_code=status_code,
    )


class AuthPages(Controller):
    include_in_schema = False

    @get("/login", name="login")
    async def login_form(self, request: Request[Any, Any, Any], next: str = "/") -> Template:
        return _login_page(local_path(next))

    @post("/login", name="login_submit")
    async def login_submit(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        target = local_path(form.get("next"))
        try:
            _user, secret = await sign_in(
                request, db_session, form.get("username", ""), form.get("password", "")
            )
        except AppError as exc:
            # Nothing to roll back: the attempt was counted and committed on purpose.
            return _login_page(
                target, form.get("username", ""), errors=form_errors(exc), status_code=exc.status_code
            )
        # The one redirect to a path rather than a route: where the user was going, made local.
        response = Redirect(path=target)
        set_session_cookie(response, request, secret)
        flash.remember_anywhere(request, response, "signed_in", target=target)
        return response

    @post("/logout", name="logout")
    async def logout(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        await sign_out(request, db_session)
        response = redirect_to(request, "home")
        response.delete_cookie(SESSION_COOKIE, path="/")
        flash.remember(request, response, "signed_out", path=request.app.route_reverse("home"))
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
        email: str | None = None,
        status_code: int = 200,
    ) -> Template:
        """``email``: the address to show in its field (what was just saved or refused); the
        stored one when not given."""
        user = signed_in_user(request)
        tokens = await TokenService(db_session).list_tokens(user)
        if email is None:
            email = (await UserService(db_session).get(user.id)).email
        return Template(
            "accounts/account.html",
            context={
                "tokens": tokens,
                "new_secret": new_secret,
                "errors": errors or {},
                "notice": notice,
                "email": email,
            },
            status_code=status_code,
        )

    @get("/", name="account")
    async def account(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        page = await self._render(request, db_session)
        path = request.app.route_reverse("account")
        return flash.show(request, page, flash.waiting(request, ACCOUNT_DONE), path=path)

    @post("/tokens", name="account_token_create")
    async def create_token(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        form = await form_data(request)
        days = form.get("expires_in_days", "").strip()
        try:
            issued = await TokenService(db_session).issue(
                signed_in_user(request), form.get("name", "")[:100], int(days) if days.isdigit() else None
            )
        except AppError as exc:
            # The rollback matters: a token refused for the limit was already added.
            return await rerender(db_session, exc, self._render, request, db_session)
        # Rendered, not redirected: the secret is shown exactly once, on this response.
        return await self._render(request, db_session, new_secret=issued.secret)

    @post("/tokens/{token_id:int}/revoke", name="account_token_revoke")
    async def revoke_token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, token_id: int
    ) -> Redirect:
        await TokenService(db_session).revoke(signed_in_user(request), token_id)
        response = redirect_to(request, "account")
        flash.remember(request, response, "token_revoked", path=request.app.route_reverse("account"))
        return response

    @post("/email", name="account_email")
    async def change_email(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        form = await form_data(request)
        service = UserService(db_session)
        user = await service.get(signed_in_user(request).id)
        try:
            await service.set_email(user, form.get("email", ""))
        except AppError as exc:
            return await rerender(
                db_session, exc, self._render, request, db_session, email=form.get("email", "")
            )
        notice = (
            _("Your e-mail address was saved. Notifications are also sent there when e-mail is enabled.")
            if user.email
            else _("Your e-mail address was removed. Notifications stay in your inbox only.")
        )
        return await self._render(request, db_session, notice=gettext(notice), email=user.email)

    @post("/password", name="account_password")
    async def change_password(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> Response[Any]:
        form = await form_data(request)
        account = signed_in_user(request)
        # A too short new password is said together with a wrong current one: both at once.
        weak: dict[str, str] = {}
        try:
            check_password_strength(form.get("new_password", ""))
        except ValidationFailed as exc:
            weak = form_errors(exc)
        try:
            # Guesses of the current password count like sign-in attempts and lock likewise.
            await check_password(request, db_session, account.username, form.get("current_password", ""))
        except Unauthorized:
            errors = {"current_password": gettext(_("The current password is wrong.")), **weak}
            return await self._render(request, db_session, errors=errors, status_code=422)
        except TooManyRequests as exc:
            errors = {"current_password": exc.translated(), **weak}
            return await self._render(request, db_session, errors=errors, status_code=exc.status_code)
        await db_session.commit()  # the right password clears the count, even if what follows fails
        service = UserService(db_session)
        user = await service.get(account.id)
        revoke_tokens = form.get("revoke_tokens") == "on"
        try:
            await service.set_password(user, form.get("new_password", ""), revoke_tokens=revoke_tokens)
        except AppError as exc:
            return await rerender(db_session, exc, self._render, request, db_session)
        # Every session of the user ended, this one included; this browser gets a new one.
        secret = await start_session(request, db_session, user)
        notice = (
            _("Your password was changed. Your other sessions were signed out and your API tokens revoked.")
            if revoke_tokens
            else _(
                "Your password was changed and your other sessions signed out. Your API tokens still work."
            )
        )
        response = await self._render(request, db_session, notice=gettext(notice))
        set_session_cookie(response, request, secret)
        return response


async def _users_page(
    db_session: AsyncSession,
    page: int = 1,
    form: dict[str, str] | None = None,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The list of users with the form to add one (``form``: what was posted, shown again)."""
    users = await UserService(db_session).list_users(page=page, per_page=USERS_PER_PAGE)
    return Template(
        "accounts/admin_users.html",
        context={
            "users": users.items,
            "page": Page.of(users),
            "errors": errors or {},
            "form": form or {},
            "roles": list(m.Role),
        },
        status_code=status_code,
    )


def _user_values(user: m.User) -> dict[str, str]:
    """The user form's fields as the stored user fills them in (check boxes: "on" when ticked)."""
    return {
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "region": user.region_code,
        "is_active": "on" if user.is_active else "",
        "revoke_tokens": "on",
    }


async def _user_page(
    db_session: AsyncSession,
    user_id: int,
    values: dict[str, str] | None = None,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Template:
    """One user's form: role, region, name, status and a new password; ``values``: what was
    posted, when a refused form is shown again (never the password)."""
    user = await UserService(db_session).get(user_id)
    return Template(
        "accounts/admin_user_edit.html",
        context={
            "user": user,
            "values": _user_values(user) if values is None else values,
            "errors": errors or {},
            "roles": list(m.Role),
            "notice": notice,
        },
        status_code=status_code,
    )


class UserAdminPages(Controller):
    path = "/admin/users"
    include_in_schema = False
    guards = [requires("users.manage")]

    @get("/", name="admin_users")
    async def list_users(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, page: PageNumber = 1
    ) -> Template:
        shown = await _users_page(db_session, page)
        path = request.app.route_reverse("admin_users")
        return flash.show(request, shown, await _users_done(request, db_session), path=path)

    @post("/", name="admin_user_create")
    async def create_user(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        try:
            created = await UserService(db_session).create(
                username=form.get("username", "").strip(),
                role=form.get("role", ""),
                password=form.get("password", ""),
                region_code=form.get("region", "").strip() or None,
                display_name=form.get("display_name", "").strip()[:100],
            )
        except AppError as exc:
            form.pop("password", None)  # never sent back to the browser
            return await rerender(db_session, exc, _users_page, db_session, 1, form)
        return _to_users(request, "user_added", created.id)

    @get("/{user_id:int}", name="admin_user")
    async def edit_user(self, db_session: AsyncSession, user_id: int) -> Template:
        return await _user_page(db_session, user_id)

    @post("/{user_id:int}", name="admin_user_update")
    async def update_user(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int
    ) -> Response[Any]:
        form = await form_data(request)
        service = UserService(db_session)
        user = await service.get(user_id)
        revoke_tokens = form.get("revoke_tokens") == "on"
        try:
            # One call: the new password is checked with the other fields, all errors at once.
            await service.update(
                user,
                role=form.get("role") or None,
                region_code=form.get("region", "").strip() or None,
                display_name=form.get("display_name", "").strip()[:100],
                is_active=form.get("is_active") == "on",
                email=form.get("email"),
                password=form.get("password") or None,
                revoke_tokens=revoke_tokens,
            )
        except AppError as exc:
            form.pop("password", None)  # never sent back to the browser
            return await rerender(db_session, exc, _user_page, db_session, user_id, form)
        if not form.get("password"):
            return _to_users(request, "user_saved", user_id)
        # After a password reset, say what it did to the user's sessions and tokens.
        notice = (
            _("The password was changed: the user's sessions were ended and their API tokens revoked.")
            if revoke_tokens
            else _(
                "The password was changed and the user's sessions were ended. Their API tokens still work."
            )
        )
        return await _user_page(db_session, user_id, notice=gettext(notice))


ACCOUNT_PAGES = [AuthPages, AccountPages, UserAdminPages]
