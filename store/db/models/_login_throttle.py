"""Failed sign-ins for usernames that have no account, so they lock like real ones.

Only a SHA-256 of the name is kept: people type passwords into the username field.
"""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ._base import Base


class LoginThrottle(Base):
    __tablename__ = "login_throttles"

    name_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)
