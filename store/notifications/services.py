"""A user's inbox: list it, count what is unread, mark one or all read.

Every call names the user, and every query is limited to that user's rows: someone else's
notification is "not found" (404), never read or changed. Services flush but never commit.
"""

from __future__ import annotations

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from store.db import models as m
from store.lib.errors import NotFound
from store.lib.i18n import _
from store.lib.pagination import paginate

# Rendering needs only the row (its params name the app): the app is not joined in.
ROW_ONLY = lazyload(m.Notification.app)


class NotificationRepository(SQLAlchemyAsyncRepository[m.Notification]):
    model_type = m.Notification


async def count_unread(session: AsyncSession, user_id: int) -> int:
    """The header's number: one COUNT on the (user_id, read_at) index."""
    count = await session.scalar(
        select(func.count())
        .select_from(m.Notification)
        .where(m.Notification.user_id == user_id, m.Notification.read_at.is_(None))
    )
    return int(count or 0)


class NotificationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_inbox(
        self, user: m.User, *, unread_only: bool = False, page: int = 1, per_page: int = 20
    ) -> OffsetPagination[m.Notification]:
        """The user's notifications, newest first (unread ones only if asked)."""
        query = select(m.Notification).options(ROW_ONLY).where(m.Notification.user_id == user.id)
        if unread_only:
            query = query.where(m.Notification.read_at.is_(None))
        query = query.order_by(m.Notification.created_at.desc(), m.Notification.id.desc())
        return await paginate(
            NotificationRepository(session=self.session), query, page=page, per_page=per_page
        )

    async def count_unread(self, user: m.User) -> int:
        return await count_unread(self.session, user.id)

    async def get(self, user: m.User, notification_id: int) -> m.Notification:
        """One of the user's own notifications; 404 for any other id."""
        found = await self.session.scalar(
            select(m.Notification)
            .options(ROW_ONLY)
            .where(m.Notification.id == notification_id, m.Notification.user_id == user.id)
        )
        if found is None:
            raise NotFound(_("You have no notification with this number."))
        return found

    async def mark_read(self, user: m.User, notification_id: int) -> m.Notification:
        """Mark one of the user's notifications read (a read one keeps its first reading time)."""
        await self.session.execute(
            update(m.Notification)
            .where(
                m.Notification.id == notification_id,
                m.Notification.user_id == user.id,
                m.Notification.read_at.is_(None),
            )
            .values(read_at=m.utcnow())
            .execution_options(synchronize_session=False)
        )
        found = await self.get(user, notification_id)
        await self.session.refresh(found, attribute_names=["read_at"])
        return found

    async def mark_all_read(self, user: m.User) -> int:
        """Mark every unread notification of the user read; how many were."""
        result = await self.session.execute(
            update(m.Notification)
            .where(m.Notification.user_id == user.id, m.Notification.read_at.is_(None))
            .values(read_at=m.utcnow())
            .execution_options(synchronize_session=False)
        )
        await self.session.flush()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
