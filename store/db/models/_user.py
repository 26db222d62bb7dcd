"""Users: a role and, for city staff, the one region they act for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._base import Base, TimestampMixin
from ._region import Region


class Role(StrEnum):
    PROVINCE_ADMIN = "province_admin"
    PROVINCE_REVIEWER = "province_reviewer"
    CITY_STAFF = "city_staff"


# The roles that act for the whole province rather than one city (the policy's role sets read it).
PROVINCIAL_ROLES: frozenset[str] = frozenset({Role.PROVINCE_ADMIN, Role.PROVINCE_REVIEWER})


class User(Base, TimestampMixin):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    # Optional: where notifications are e-mailed when SMTP is configured (the inbox always works).
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    region: Mapped[Region] = relationship(lazy="joined")
