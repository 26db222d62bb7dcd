"""Small helpers for server-rendered forms: read a urlencoded body, turn errors into per-field text."""

from __future__ import annotations

from typing import Any

from litestar import Request

from .errors import AppError

MAX_FORM_FIELD = 20_000


async def form_data(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted form as plain strings (last value wins), bounded in length."""
    form = await request.form()
    data: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data[key] = value[:MAX_FORM_FIELD]
    return data


def form_errors(exc: AppError) -> dict[str, str]:
    """Map an error to ``{field: message}``; errors without a field go under ``"__all__"``."""
    errors: dict[str, str] = {}
    details = exc.details if isinstance(exc.details, list) else []
    for item in details:
        errors.setdefault(str(item.get("field") or "__all__"), str(item.get("message", "")))
    if not errors:
        errors["__all__"] = exc.translated()
    return errors
