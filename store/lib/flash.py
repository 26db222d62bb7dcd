"""The confirmation a page shows once after a form post ("Approved.", "Marked as read.").

The redirect sets a short-lived cookie scoped to the page it leads to; that page reads it, shows
the message and deletes it. The cookie carries a code only, looked up in the page's own table of
messages, so no text a user typed (or a link someone crafted) ever reaches the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response

from store.lib.i18n import gettext

COOKIE = "store_done"
MAX_AGE = 300  # seconds: long enough for the redirect, short enough to never show stale


def remember(request: Request[Any, Any, Any], response: Response[Any], code: str, *, path: str) -> None:
    """Have the page at ``path`` confirm ``code`` when the browser follows ``response``."""
    response.set_cookie(
        COOKIE,
        code,
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
