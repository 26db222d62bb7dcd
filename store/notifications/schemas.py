"""API shapes for the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import msgspec
from advanced_alchemy.service import OffsetPagination

from store.db import models as m
from store.lib.pagination import PageOut

from .messages import Reverse, link_of, text_of


class NotificationOut(msgspec.Struct):
    id: int
    kind: str
    # In the request's language; the link is a path on this site (the adoption's or app's page).
    text: str
    link: str
    app_slug: str | None
    adoption_id: int | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: m.Notification, reverse: Reverse | None = None) -> NotificationOut:
        slug = row.params.get("app_slug") if isinstance(row.params, dict) else None
        return cls(
            id=row.id,
            kind=row.kind,
            text=text_of(row.kind, row.params),
            link=link_of(row, reverse),
            app_slug=str(slug) if slug else None,
            adoption_id=row.adoption_id,
            created_at=row.created_at,
            read_at=row.read_at,
        )


class InboxPageOut(PageOut):
    items: list[NotificationOut]
    unread: int = 0  # all the user's unread notifications, whatever the filter and page

    @classmethod
    def of_inbox(
        cls, found: OffsetPagination[m.Notification], unread: int, reverse: Reverse | None = None
    ) -> Self:
        page = cls.of(found, lambda row: NotificationOut.of(row, reverse))
        page.unread = unread
        return page


class ReadAllOut(msgspec.Struct):
    marked: int  # how many were unread and are now read
    unread: int
