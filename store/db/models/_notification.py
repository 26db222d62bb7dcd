"""Notifications: one inbox row per recipient, written in the same transaction as the change.

Who hears what (``store/notifications/``): the publishing region's staff of new requests and
withdrawals, of an adopter going live (to confirm it), and of the provincial reviewer's decisions
on their apps and versions; the adopting region's staff of decisions, confirmations,
re-confirmation reminders and version alerts (a version they run is yanked, or a newer one fixes
a security problem). Rows are fanned out at write time, one per active staff user,
so "unread" is a column of the user's own row and the header's count is one indexed COUNT.

The row keeps the kind and its parameters, not the text: the inbox renders it in the reader's
language. A row is also the outbox of its e-mail (``email_state``): with SMTP configured, the
mail worker claims ``pending`` rows, sends them and marks them ``sent`` (or ``failed`` after a
few attempts); without SMTP they stay ``none`` and the inbox alone carries them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._app import App
from ._base import Base, utcnow


class NotificationKind(StrEnum):
    ADOPTION_REQUESTED = "adoption_requested"  # to the publisher
    ADOPTION_WITHDRAWN = "adoption_withdrawn"  # to the publisher
    ADOPTION_APPROVED = "adoption_approved"  # to the adopter
    ADOPTION_DECLINED = "adoption_declined"  # to the adopter
    ADOPTION_LIVE = "adoption_live"  # to the publisher: confirm or dispute it
    ADOPTION_RETIRED = "adoption_retired"  # to the publisher
    ADOPTION_CONFIRMED = "adoption_confirmed"  # to the adopter
    ADOPTION_DISPUTED = "adoption_disputed"  # to the adopter
    RECONFIRM_DUE = "reconfirm_due"  # to the adopter: the yearly "still live?"
    ADOPTION_STALE = "adoption_stale"  # to the adopter: not re-confirmed in time
    VERSION_YANKED = "version_yanked"  # to every adopter running the withdrawn version
    SECURITY_RELEASE = "security_release"  # to every adopter running an older version
    APP_APPROVED = "app_approved"  # to the publisher: the reviewer approved the app, it is published
    APP_RETURNED = "app_returned"  # to the publisher: the reviewer returned the app with comments
    VERSION_APPROVED = "version_approved"  # to the publisher: a version of a public app is public
    VERSION_RETURNED = "version_returned"  # to the publisher: a version was returned with comments


class EmailState(StrEnum):
    NONE = "none"  # no e-mail: SMTP is off or the user has no address
    PENDING = "pending"  # waiting for the mail worker
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count and the inbox page: a user's rows, newest first.
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    # Indexed: the version alerts look up what an adoption was already told; deletes cascade.
    adoption_id: Mapped[int | None] = mapped_column(
        ForeignKey("adoptions.id", ondelete="CASCADE"), index=True
    )
    # What the message names (region names, versions, a comment), rendered at reading time.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    email_state: Mapped[str] = mapped_column(String(10), default=EmailState.NONE, index=True)
    email_attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Set when the mail worker claims the row; a claim older than a few minutes is taken again.
    email_claimed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    app: Mapped[App | None] = relationship(lazy="joined")
