"""Small helpers for server-rendered forms: read a urlencoded body, turn errors into per-field text
and into the summary at the top of a refused form, show a refused form again, and redirect to a
named route after a form post succeeded."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple, TypeVar

from litestar import Request, Response
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import AppError
from .i18n import _, gettext

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
    """Map an error to ``{field: message}``; errors without a field go under ``"__all__"``.

    Every error is kept: two about one field (too long, and not an e-mail address) are joined,
    so a form shows at once all that is wrong with it.
    """
    messages: dict[str, list[str]] = {}
    details = exc.details if isinstance(exc.details, list) else []
    for item in details:
        found = messages.setdefault(str(item.get("field") or "__all__"), [])
        message = str(item.get("message", ""))
        if message and message not in found:
            found.append(message)
    errors = {field: " ".join(found) for field, found in messages.items()}
    if not errors:
        errors["__all__"] = exc.translated()
    return errors


class SummaryItem(NamedTuple):
    """One line of a refused form's summary: ``href`` leads to the field, ``text`` says what to fix."""

    href: str
    text: str


_INDEXED = re.compile(r"^(?P<name>[^\[]+)\[(?P<index>\d+)\]")


def field_anchor(name: str, scope: str = "") -> str:
    """The id of a form field in the page ("field-contact_name"), which the summary links to.

    ``scope`` names the form on a page with several forms that have fields of the same name
    ("to-declined" gives "field-to-declined-comment"), so that each field's id is its own.
    """
    return "field-" + re.sub(r"[^A-Za-z0-9_-]", "-", f"{scope}-{name}" if scope else name)


def error_summary(
    errors: Mapping[str, str], labels: Mapping[str, str] | None = None, scope: str = ""
) -> list[SummaryItem]:
    """The field errors of a refused form, in the form's order, each as a link to its field
    with the field's label: what the banner at the top of a form lists (``scope``: the form's
    name when its page has several, see field_anchor).

    ``labels`` maps field names to their labels in the form's order. An error of one line of a
    list ("reference_prices[2]") is named by the list's label and the line's number, and links to
    the list; a field the labels do not name shows its message alone: the summary never shows a
    field's internal name. ``"__all__"`` (an error of the whole form) is not a field's.
    """
    labels = labels or {}
    order = {name: position for position, name in enumerate(labels)}
    items: list[tuple[int, int, SummaryItem]] = []
    for key, message in errors.items():
        if key == "__all__" or not message:
            continue
        indexed = _INDEXED.match(key)
        name = indexed.group("name") if indexed else key
        line = int(indexed.group("index")) if indexed else -1
        # A label that is a question ("这条记录哪里不对？") or ends in a colon reads badly before
        # the summary's own colon.
        label = (labels.get(name) or "").rstrip("?？:：").strip()
        if label and indexed:
            label = gettext(_("%(label)s, line %(number)s"), label=label, number=line + 1)
        text = gettext(_("%(label)s: %(error)s"), label=label, error=message) if label else message
        items.append((order.get(name, len(order)), line, SummaryItem("#" + field_anchor(name, scope), text)))
    return [item for *_position, item in sorted(items, key=lambda entry: entry[:2])]


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
