"""Small helpers for server-rendered forms: read a urlencoded body, turn errors into per-field text,
show a refused form again, and redirect to a named route after a form post succeeded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import AppError

PageResponse = TypeVar("PageResponse", bound=Response[Any])

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


async def rerender(
    db_session: AsyncSession,
    exc: AppError,
    page: Callable[..., Awaitable[PageResponse]],
    /,
    *args: Any,
    **kwargs: Any,
) -> PageResponse:
    """Answer a refused form post: roll back what the refused write left in the session, then
    show the page again, ``page(*args, **kwargs, errors=..., status_code=...)``, with each error
    under its field and the error's status.

    ``page`` runs after the rollback, which expired every row the session had loaded, so it loads
    what it shows itself (a page function, not a template built beforehand).
    """
    await db_session.rollback()
    return await page(*args, **kwargs, errors=form_errors(exc), status_code=exc.status_code)


def redirect_to(
    request: Request[Any, Any, Any], route: str, *, anchor: str = "", **path_params: Any
) -> Redirect:
    """Redirect to the page of the route named ``route`` (``anchor``: a fragment, without ``#``).

    Paths come from the route table (``route_reverse``), as ``url_for`` does in templates, so a
    page's path is written once, on its handler.
    """
    path = request.app.route_reverse(route, **path_params)
    return Redirect(path=path + (f"#{anchor}" if anchor else ""))
