"""The confirmation a page shows once after a form post ("Approved.", "Marked as read.").

The redirect sets a short-lived cookie scoped to the page it leads to; that page reads it, shows
the message and deletes it. The cookie carries a code only, looked up in the page's own table of
messages, so no text a user typed (or a link someone crafted) ever reaches the message. A code
may name what it is about ("app_returned:42", an id or a slug): the page looks that up itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.response import Template
from litestar.types import Message, Scope

from store.lib import policy
from store.lib.i18n import _, gettext

COOKIE = "store_done"
MAX_AGE = 300  # seconds: long enough for the redirect, short enough to never show stale
# What a confirmation may be about: an id, a slug or a region code, never free text.
_ABOUT = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# The page's context key of a confirmation shown by base.html, above the page's content.
CONTEXT = "flash"
# Confirmations any page shows, since the action leads wherever the user was going: signing in
# goes back to the page the user came from. base.html asks for them (``site_waiting``) when the
# page has none of its own.
SITE_DONE: dict[str, str] = {
    "signed_in": _("Signed in as %(name)s."),
    "signed_out": _("Signed out."),
}
# A path the confirmation cookie may be scoped to as it is (no query, nothing to escape).
_COOKIE_PATH = re.compile(r"/[A-Za-z0-9/_.~-]{0,500}")
# The request state's key of the path whose cookie ``forget_shown`` deletes.
_SHOWN = "flash_shown"


@dataclass(frozen=True)
class Done:
    """A confirmation as base.html shows it: the text, and a link to what it is about."""

    text: str
    link: str = ""
    link_text: str = ""


def remember(
    request: Request[Any, Any, Any],
    response: Response[Any],
    code: str,
    *,
    path: str,
    about: str | int | None = None,
) -> None:
    """Have the page at ``path`` confirm ``code`` when the browser follows ``response``.

    ``about``: the id or slug of what the action changed, for a page that names it (looked up
    again when shown, see :func:`waiting_about`).
    """
    value = code if about is None else f"{code}:{about}"
    response.set_cookie(
        COOKIE,
        value,
        path=path,  # only that page reads it
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.app.state["settings"].app.is_production,
    )


def waiting(request: Request[Any, Any, Any], messages: Mapping[str, str]) -> str | None:
    """The confirmation waiting for this page, translated; None when there is none."""
    code = request.cookies.get(COOKIE)
    return gettext(messages[code]) if code is not None and code in messages else None


def forget(request: Request[Any, Any, Any], response: Response[Any], *, path: str) -> None:
    """Delete the cookie once its page has shown it."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path=path)


def waiting_about(request: Request[Any, Any, Any], messages: Mapping[str, str]) -> tuple[str, str] | None:
    """The code waiting for this page (one of ``messages``) and what it is about ("" when the
    action named nothing); None when there is none. The page looks the thing up itself, so what
    the message names comes from the database, not from the cookie."""
    code, _sep, about = request.cookies.get(COOKIE, "").partition(":")
    if code not in messages or (about and not _ABOUT.fullmatch(about)):
        return None
    return code, about


def show(request: Request[Any, Any, Any], page: Template, done: Done | str | None, *, path: str) -> Template:
    """Put the confirmation into ``page`` (base.html shows it) and delete the cookie, so it shows
    once. Only for the page as it is shown after a redirect, not when a refused form is shown again."""
    if done:
        page.context[CONTEXT] = done if isinstance(done, Done) else Done(done)
    forget(request, page, path=path)
    return page


def remember_anywhere(
    request: Request[Any, Any, Any], response: Response[Any], code: str, *, target: str
) -> None:
    """Have the page at ``target`` (a local path, maybe with a query), whichever it is, confirm
    ``code`` (one of :data:`SITE_DONE`). A path that would need escaping gets no confirmation."""
    path = urlsplit(target).path or "/"
    if _COOKIE_PATH.fullmatch(path):
        remember(request, response, code, path=path)


def site_waiting(request: Request[Any, Any, Any]) -> Done | None:
    """The confirmation of :data:`SITE_DONE` waiting for this page, translated; None when there is
    none. The cookie is deleted as the page is sent (:func:`forget_shown`), so it shows once."""
    code = request.cookies.get(COOKIE)
    if code not in SITE_DONE:
        return None
    request.scope.setdefault("state", {})[_SHOWN] = request.url.path
    if code == "signed_in":
        user = policy.current_user(request)
        if user is None:  # the session ended in between: nothing to confirm
            return None
        return Done(gettext(SITE_DONE[code], name=user.display_name or user.username))
    return Done(gettext(SITE_DONE[code]))


async def forget_shown(message: Message, scope: Scope) -> None:
    """``before_send`` hook: delete the confirmation cookie of a page that showed one of
    :data:`SITE_DONE` (the page's own confirmations are deleted by :func:`forget`)."""
    if message["type"] != "http.response.start":
        return
    path = scope.get("state", {}).get(_SHOWN)
    if path:
        gone = Cookie(key=COOKIE, path=path, expires=0, max_age=0)
        MutableScopeHeaders.from_message(message).add("set-cookie", gone.to_header(header=""))
