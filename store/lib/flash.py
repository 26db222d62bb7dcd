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

from litestar import Request, Response
from litestar.response import Template

from store.lib.i18n import gettext

COOKIE = "store_done"
MAX_AGE = 300  # seconds: long enough for the redirect, short enough to never show stale
# What a confirmation may be about: an id, a slug or a region code, never free text.
_ABOUT = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# The page's context key of a confirmation shown by base.html, above the page's content.
CONTEXT = "flash"


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
