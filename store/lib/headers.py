"""Security headers on every answer the store sends, in one place.

Registered as the app's ``before_send`` hook rather than in ``middleware=[...]``: Litestar runs
middleware only for matched routes, so a 404, a 405 or an error raised by the request-context
middleware (a bad API token) would otherwise go out without them.

- Pages (``text/html``): a Content-Security-Policy that allows scripts, styles, fonts, images and
  connections from the store itself only — no inline script or style, no ``eval``, no plugins, no
  framing. Images may also be ``data:`` (Pico's icons are inline SVG in its stylesheet). The
  same policy holds for the API documentation (see store/site/apidocs.py): Swagger UI styles
  through the CSSOM, which a policy does not govern, and it is tested in a browser.
- Every other answer (JSON, downloads, images, static files): ``default-src 'none'; sandbox``, so
  even a file a browser decided to render could run nothing.
- Everywhere: ``nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin``, a
  Permissions-Policy that turns off device access, and HSTS in production.
- ``Cache-Control: no-store`` on every answer to a signed-in user (session or token) and on the
  answer that signs one in, unless the handler chose its own; static files are left alone.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from .security import SESSION_COOKIE

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"


class SecurityHeaders:
    """``before_send`` hook adding the headers above to each ``http.response.start``."""

    def __init__(self, *, production: bool) -> None:
        self.common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Permissions-Policy": PERMISSIONS_POLICY,
        }
        if production:  # production runs behind HTTPS only (secure cookies, see settings)
            self.common["Strict-Transport-Security"] = HSTS

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in self.common.items():
            if name not in headers:
                headers[name] = value
        # A 304 carries no policy: the browser applies its headers to the copy it kept (a page),
        # and with no content type the non-page policy would strip that page of its style.
        if "Content-Security-Policy" not in headers and message.get("status") != 304:
            html = headers.get("content-type", "").lower().startswith("text/html")
            headers["Content-Security-Policy"] = PAGE_POLICY if html else OTHER_POLICY
        if _private(scope, headers) and "Cache-Control" not in headers:
            headers["Cache-Control"] = NO_STORE


def _private(scope: Scope, headers: MutableScopeHeaders) -> bool:
    """Whether the answer is for one signed-in person (or signs them in) and must not be kept."""
    if scope.get("path", "").startswith("/static/"):
        return False
    if scope.get("user") is not None:
        return True
    prefix = f"{SESSION_COOKIE}=".lower()
    return any(value.lower().startswith(prefix) for value in headers.getall("set-cookie", []))
