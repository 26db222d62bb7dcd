"""Domain errors and the one place that turns any error into a response.

API clients get ``{"error": {"code", "message", "details"}}``; browsers get a friendly page.
Nobody gets a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .i18n import _, gettext

logger = logging.getLogger("store.errors")


class AppError(Exception):
    """An error a user can act on. ``message`` is an English msgid, translated when shown."""

    status_code = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")

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
    if request.url.path.startswith("/api/") or request.url.path == "/health":
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


def _as_app_error(exc: Exception) -> AppError:
    if isinstance(exc, AppError):
        return exc
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


def _describe(exc: Exception) -> tuple[int, str, str, Any]:
    error = _as_app_error(exc)
    return error.status_code, error.code, error.translated(), error.details


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, code, message, details = _describe(exc)
    if wants_json(request):
        return Response(
            {"error": {"code": code, "message": message, "details": details}},
            status_code=status,
            media_type="application/json",
        )
    if status == 401 and request.method == "GET":
        # A page that needs a signed-in user sends the browser to sign in, then back (with the
        # page's query: a dashboard's filters, a list's page).
        query = request.url.query
        here = request.url.path + (f"?{query}" if query and len(query) <= 500 else "")
        return Redirect(path=request.app.route_reverse("login"), query_params={"next": here})
    return Template(
        template_name="error.html",
        context={"status": status, "code": code, "message": message, "details": details},
        status_code=status,
    )
