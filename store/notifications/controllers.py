"""The inbox API: the signed-in user's notifications, the unread count, marking them read."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.errors import Unauthorized
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import current_user, signed_in

from . import schemas as s
from .services import NotificationService

NotificationId = Annotated[int, Parameter(description="The notification's number.")]


def _user(request: Request[Any, Any, Any]) -> m.User:
    user = current_user(request)
    if user is None:
        raise Unauthorized()
    return user


class InboxApi(Controller):
    path = "/api/v1/me/inbox"
    tags = ["notifications"]
    guards = [signed_in]

    @get("/", name="api_inbox", summary="Your notifications, newest first, with the unread count")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        unread: Annotated[bool, Parameter(description="Only the unread ones.")] = False,
        page: PageNumber = 1,
        per_page: int = items_per_page(20, maximum=100),
    ) -> s.InboxPageOut:
        user = _user(request)
        service = NotificationService(db_session)
        found = await service.list_inbox(user, unread_only=unread, page=page, per_page=per_page)
        return s.InboxPageOut.of_inbox(found, await service.count_unread(user), request.app.route_reverse)

    @post(
        "/{notification_id:int}/read",
        name="api_inbox_read",
        summary="Mark one of your notifications read",
        status_code=HTTP_200_OK,
    )
    async def mark_read(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, notification_id: NotificationId
    ) -> s.NotificationOut:
        row = await NotificationService(db_session).mark_read(_user(request), notification_id)
        return s.NotificationOut.of(row, request.app.route_reverse)

    @post(
        "/read-all",
        name="api_inbox_read_all",
        summary="Mark all your notifications read",
        status_code=HTTP_200_OK,
    )
    async def mark_all_read(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> s.ReadAllOut:
        user = _user(request)
        service = NotificationService(db_session)
        marked = await service.mark_all_read(user)
        return s.ReadAllOut(marked=marked, unread=await service.count_unread(user))


NOTIFICATION_API = [InboxApi]
