"""Per-request context: the language, and who is asking.

How a request is authenticated belongs to the accounts feature (``store/accounts/auth.py``);
``create_app`` hands that function to this middleware, so lib knows only its shape: it returns
the user (or None) and how they proved it ("session", "token" or None). Cookie-authenticated API
writes are then checked against CSRF here, whatever the feature calls its session.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.types import ASGIApp, Receive, Scope, Send

from .errors import Forbidden
from .i18n import LANG_COOKIE, _, current_locale, negotiate

# PUT, PATCH and DELETE cannot be sent cross-origin without a CORS preflight, which the store
# never grants; POST can (forms), so cookie-authenticated API POSTs are checked.
CSRF_CHECKED_METHODS = frozenset({"POST"})
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"

# (scope, lower-cased headers, cookies) -> (the user or None, "session" | "token" | None)
Authenticate = Callable[[Scope, dict[str, str], dict[str, str]], Awaitable[tuple[Any, str | None]]]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header means no cookies, not an error page
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _signed(token: str, secret_key: str) -> bool:
    """The same HMAC check Litestar's CSRF middleware applies to form posts."""
    body, mac = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    return len(token) > CSRF_SECRET_LENGTH and hmac.compare_digest(mac, generate_csrf_hash(body, secret_key))


class RequestContextMiddleware(ASGIMiddleware):
    scopes = ("http",)  # type: ignore[assignment]
    # /metrics has a Bearer token of its own (store/site/metrics.py), which is not an API token.
    exclude_path_pattern = ("^/static/", "^/favicon\\.ico$", "^/metrics$")

    def __init__(self, authenticate: Authenticate) -> None:
        self.authenticate = authenticate

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = _headers(scope)
        cookies = _cookies(headers)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        query_lang = query["lang"][0] if query.get("lang") else None
        locale = negotiate(query_lang, cookies.get(LANG_COOKIE), headers.get("accept-language"))
        current_locale.set(locale)
        scope["state"]["locale"] = locale

        user, via = await self.authenticate(scope, headers, cookies)
        scope["user"] = user
        scope["auth"] = via
        method = scope.get("method", "GET")
        if via == "session" and scope["path"].startswith("/api/") and method in CSRF_CHECKED_METHODS:
            self._check_api_csrf(headers, cookies, scope["litestar_app"].state["secret_key"])
        await next_app(scope, receive, send)

    @staticmethod
    def _check_api_csrf(headers: dict[str, str], cookies: dict[str, str], secret_key: str) -> None:
        """Cookie-authenticated API writes must be JSON (a cross-site form cannot send it without a
        CORS preflight) or carry the CSRF header the pages use."""
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return
        token = headers.get(CSRF_HEADER, "")
        if token and hmac.compare_digest(token, cookies.get(CSRF_COOKIE, "")) and _signed(token, secret_key):
            return
        raise Forbidden(_("Send JSON, an API token, or the X-CSRFToken header with this request."))
