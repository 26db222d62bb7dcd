"""Screenshots of an app: the image and its thumbnail live in object storage."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._base import Base, utcnow
from ._version import ReviewStatus


class Screenshot(Base):
    __tablename__ = "screenshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(String(200), default="")
    object_key: Mapped[str] = mapped_column(String(300))
    thumb_key: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # Size and SHA-256 of the image and of its thumbnail, measured as they were stored, so
    # `store check` and backups can tell a damaged object. NULL for screenshots uploaded before
    # migration 0009 (a migration cannot read object storage); `store check --fix` records them.
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    thumb_size: Mapped[int | None] = mapped_column(BigInteger)
    thumb_sha256: Mapped[str | None] = mapped_column(String(64))
    # Shown to the public only once approved, like versions (see catalog/lifecycle.py).
    review_status: Mapped[str] = mapped_column(
        String(20), default=ReviewStatus.PENDING, server_default=ReviewStatus.PENDING.value, index=True
    )
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
