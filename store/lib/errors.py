"""Domain errors and the one place that turns any error into a response.

API clients get ``{"error": {"code", "message", "details"}}``; browsers get a friendly page.
Nobody gets a stack trace.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy import exc as sa_exc

from . import requestid
from .i18n import _, gettext

logger = logging.getLogger("store.errors")


class AppError(Exception):
    """An error a user can act on. ``message`` is an English msgid, translated when shown."""

    status_code = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")
    #: response headers that go with this error (e.g. Retry-After)
    headers: dict[str, str] = {}

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[dict[str, Any]] | dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.params = params
        super().__init__(self.message)

    def translated(self) -> str:
        return gettext(self.message, **self.params)


class BadRequest(AppError):
    pass


class InvalidRequest(AppError):
    """The body or parameters do not parse (Litestar's own 400s answer with this)."""

    code = "invalid_request"
    default_message = _("The request body or parameters are malformed.")


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    default_message = _("Please sign in first.")


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    default_message = _("You do not have permission to do this.")


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = _(
        "The form has expired or was not sent from this site. Please reload the page and try again."
    )


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    default_message = _("The page or item you asked for does not exist.")


class MethodNotAllowed(AppError):
    status_code = 405
    code = "method_not_allowed"
    default_message = _("This method is not allowed here.")


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    default_message = _("A request with this Idempotency-Key is still in progress. Try again in a moment.")


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    default_message = _("The upload is larger than the limit.")


class ValidationFailed(AppError):
    """Semantic validation failed; ``details`` lists ``{"field", "message"}`` items."""

    status_code = 422
    code = "validation_failed"
    default_message = _("Some fields are not valid.")


class IdempotencyKeyReused(AppError):
    """The key was sent before with a different request (as Stripe's API answers)."""

    status_code = 422
    code = "idempotency_key_reused"
    default_message = _("This key was already used for a different request.")


class RequestTimeout(AppError):
    """The request body stopped arriving (store/lib/deadlines.py); the connection is closed."""

    status_code = 408
    code = "request_timeout"
    default_message = _("The request body stopped arriving before it was complete. Please send it again.")
    headers = {"Connection": "close"}


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"
    default_message = _("Send this request as JSON, with Content-Type: application/json.")


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"
    default_message = _("Too many attempts. Please wait and try again.")


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
    default_message = _("A service the store depends on is unavailable. Please try again later.")
    headers = {"Retry-After": "5"}


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached, or has no connection free, right now (``is_unavailable``).
    Nothing was written: the transaction the request was in never committed."""

    code = "database_unavailable"
    default_message = _("The database is unavailable at the moment. Please try again in a few seconds.")


class OtherHttpError(AppError):
    """A Litestar HTTP error of a status the store has no error of its own for."""

    code = "error"

    def __init__(self, status_code: int) -> None:
        super().__init__()
        self.status_code = status_code


class InternalError(AppError):
    """Anything unexpected: logged in full, answered without detail."""

    status_code = HTTP_500_INTERNAL_SERVER_ERROR
    code = "internal_error"
    default_message = _("Something went wrong on our side. The error was logged.")


def field_error(field: str, message: str, **params: Any) -> dict[str, str]:
    """One entry of ``details``: which field and why, in the request's language."""
    return {"field": field, "message": gettext(message, **params)}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/health/")) or path == "/health":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


# Litestar's own HTTP errors are answered as the store's error of the same status, so each
# message is declared once, on its class above.
_BY_STATUS: dict[int, type[AppError]] = {
    error.status_code: error
    for error in (
        InvalidRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        PayloadTooLarge,
        TooManyRequests,
    )
}


# asyncpg's errors that mean the server is gone, going or refusing connections: a lost or
# refused connection (class 08), a shutdown or restart (57P01-57P03), too many clients (53300).
_PG_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    # what asyncpg raises for a connection the server closed between two statements
    asyncpg.ConnectionDoesNotExistError,
)
# Said by asyncpg on a connection whose server went away while it was in use.
_LOST_CONNECTION_WORDS = ("connection is closed", "connection was closed", "cannot switch to state")


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or has no connection free now (it
    may be restarting), rather than that the request or the code is wrong. Follows what
    SQLAlchemy wrapped (``orig``) and what an error was raised from (``__cause__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.TimeoutError):  # every pooled connection in use
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        # Opening a connection: refused, reset, a name that does not resolve, asyncpg's timeout.
        if isinstance(current, ConnectionError | socket.gaierror | TimeoutError):
            return True
        if isinstance(current, _PG_UNAVAILABLE):
            return True
        if isinstance(current, asyncpg.InterfaceError | asyncpg.InternalClientError) and any(
            words in str(current) for words in _LOST_CONNECTION_WORDS
        ):
            return True
        # SQLite: another process held the write lock longer than the busy timeout (30 s).
        if isinstance(current, sqlite3.OperationalError) and "database is locked" in str(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False


def _as_app_error(exc: Exception) -> AppError:
    if isinstance(exc, AppError):
        return exc
    if is_unavailable(exc):
        logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        return DatabaseUnavailable()
    if isinstance(exc, ValidationException):
        details = [
            {"field": str(item.get("key", "")), "message": str(item.get("message", ""))}
            for item in (exc.extra if isinstance(exc.extra, list) else [])
            if isinstance(item, dict)
        ]
        return InvalidRequest(details=details)
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return CsrfFailed()
    if isinstance(exc, HTTPException):
        known = _BY_STATUS.get(exc.status_code)
        if known is not None:
            return known()
        return OtherHttpError(exc.status_code)
    logger.exception("unhandled error", exc_info=exc)
    return InternalError()


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    error = _as_app_error(exc)
    status, code, message, details = error.status_code, error.code, error.translated(), error.details
    # The id the answer carries as X-Request-ID (store/lib/observe.py): a user quotes it to support.
    request_id = requestid.of_scope(request.scope)
    if wants_json(request):
        return Response(
            {"error": {"code": code, "message": message, "details": details, "request_id": request_id}},
            status_code=status,
            media_type="application/json",
            headers=dict(error.headers),
        )
    if status == 401 and request.method == "GET":
        # A page that needs a signed-in user sends the browser to sign in, then back (with the
        # page's query: a dashboard's filters, a list's page).
        query = request.url.query
        here = request.url.path + (f"?{query}" if query and len(query) <= 500 else "")
        return Redirect(path=request.app.route_reverse("login"), query_params={"next": here})
    return Template(
        template_name="error.html",
        context={
            "status": status,
            "code": code,
            "message": message,
            "details": details,
            "request_id": request_id,
        },
        status_code=status,
        headers=dict(error.headers),
    )
