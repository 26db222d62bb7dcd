"""The inbox page: the signed-in user's notifications, unread ones marked, with "mark read" for
one or all; and ``/inbox/{id}/open``, which marks one read and goes where it leads.

The target of ``open`` is computed here from the row (its adoption's or app's page), never taken
from the request, so the link cannot be turned into an open redirect. Only the user's own rows
are found: any other number is a 404 and changes nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import flash
from store.lib.errors import Unauthorized
from store.lib.forms import form_data
from store.lib.i18n import _
from store.lib.pagination import Page, PageNumber
from store.lib.policy import current_user, signed_in

from .messages import link_of, text_of
from .services import NotificationService

PER_PAGE = 20
Show = Literal["all", "unread"]

# What the page confirms after a form post (store/lib/flash.py carries the code to the page).
DONE: dict[str, str] = {
    "read": _("Marked as read."),
    "all_read": _("All notifications are marked as read."),
    "none_unread": _("Nothing was unread."),
}


def _user(request: Request[Any, Any, Any]) -> m.User:
    user = current_user(request)
    if user is None:
        raise Unauthorized()
    return user


def _back(request: Request[Any, Any, Any], show: str, done: str) -> Redirect:
    """Back to the inbox (keeping the unread filter), which then says what happened, once."""
    path = request.app.route_reverse("inbox")
    response = Redirect(path=path, query_params={"show": "unread"} if show == "unread" else None)
    flash.remember(request, response, done, path=path)
    return response


class InboxPages(Controller):
    include_in_schema = False
    path = "/inbox"
    guards = [signed_in]

    @get("/", name="inbox")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        show: Show = "all",
        page: PageNumber = 1,
    ) -> Template:
        user = _user(request)
        service = NotificationService(db_session)
        found = await service.list_inbox(user, unread_only=show == "unread", page=page, per_page=PER_PAGE)
        reverse = request.app.route_reverse
        items = [
            {
                "row": row,
                "text": text_of(row.kind, row.params),
                "link": reverse("inbox_open", notification_id=row.id),
            }
            for row in found.items
        ]
        unread = await service.count_unread(user)
        response = Template(
            "notifications/inbox.html",
            context={
                "items": items,
                "page": Page.of(found),
                "show": show,
                "unread": unread,
                "done": flash.waiting(request, DONE),
            },
        )
        flash.forget(request, response, path=request.app.route_reverse("inbox"))
        return response

    @get("/{notification_id:int}/open", name="inbox_open")
    async def open(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, notification_id: int
    ) -> Redirect:
        row = await NotificationService(db_session).mark_read(_user(request), notification_id)
        return Redirect(path=link_of(row, request.app.route_reverse))

    @post("/{notification_id:int}/read", name="inbox_read")
    async def mark_read(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, notification_id: int
    ) -> Response[Any]:
        form = await form_data(request)
        await NotificationService(db_session).mark_read(_user(request), notification_id)
        return _back(request, form.get("show", ""), "read")

    @post("/read-all", name="inbox_read_all")
    async def mark_all_read(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        marked = await NotificationService(db_session).mark_all_read(_user(request))
        return _back(request, form.get("show", ""), "all_read" if marked else "none_unread")


NOTIFICATION_PAGES = [InboxPages]
