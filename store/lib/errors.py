"""Domain errors and the one place that turns any error into a response.

API clients get ``{"error": {"code", "message", "details"}}``; browsers get a friendly page.
Nobody gets a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
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


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    default_message = _("Please sign in first.")


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    default_message = _("You do not have permission to do this.")


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    default_message = _("The page or item you asked for does not exist.")


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


def field_error(field: str, message: str, **params: Any) -> dict[str, str]:
    """One entry of ``details``: which field and why, in the request's language."""
    return {"field": field, "message": gettext(message, **params)}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/health":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


_HTTP_CODES = {
    400: ("invalid_request", _("The request body or parameters are malformed.")),
    401: ("unauthorized", _("Please sign in first.")),
    403: ("forbidden", _("You do not have permission to do this.")),
    404: ("not_found", _("The page or item you asked for does not exist.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    413: ("payload_too_large", _("The upload is larger than the limit.")),
    429: ("too_many_requests", _("Too many attempts. Please wait and try again.")),
}


def _describe(exc: Exception) -> tuple[int, str, str, Any]:
    if isinstance(exc, AppError):
        return exc.status_code, exc.code, exc.translated(), exc.details
    if isinstance(exc, ValidationException):
        details = []
        for item in exc.extra if isinstance(exc.extra, list) else []:
            if isinstance(item, dict):
                details.append({"field": str(item.get("key", "")), "message": str(item.get("message", ""))})
        return 400, "invalid_request", gettext("The request body or parameters are malformed."), details
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return (
            403,
            "csrf_failed",
            gettext(
                "The form has expired or was not sent from this site. Please reload the page and try again."
            ),
            None,
        )
    if isinstance(exc, NotAuthorizedException):
        return 401, "unauthorized", gettext("Please sign in first."), None
    if isinstance(exc, NotFoundException):
        return 404, "not_found", gettext("The page or item you asked for does not exist."), None
    if isinstance(exc, HTTPException):
        code, message = _HTTP_CODES.get(exc.status_code, ("error", _("The request could not be processed.")))
        return exc.status_code, code, gettext(message), None
    logger.exception("unhandled error", exc_info=exc)
    return (
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        gettext("Something went wrong on our side. The error was logged."),
        None,
    )


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, code, message, details = _describe(exc)
    if wants_json(request):
        return Response(
            {"error": {"code": code, "message": message, "details": details}},
            status_code=status,
            media_type="application/json",
        )
    if status == 401 and request.method == "GET":
        # A page that needs a signed-in user sends the browser to sign in, then back.
        return Redirect(path=f"/login?{urlencode({'next': request.url.path})}")
    return Template(
        template_name="error.html",
        context={"status": status, "code": code, "message": message, "details": details},
        status_code=status,
    )
