"""Regions: 广东省, its 21 cities (seeded by migration) and districts added by provincial admins."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ._base import Base, TimestampMixin


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


class Zone(StrEnum):
    """The zones of "一核一带一区"."""

    CORE = "core"  # 珠三角核心区
    EAST_WING = "east_wing"  # 沿海经济带东翼 (粤东)
    WEST_WING = "west_wing"  # 沿海经济带西翼 (粤西)
    NORTH = "north"  # 北部生态发展区 (粤北)


class Region(Base, TimestampMixin):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    zone: Mapped[str | None] = mapped_column(String(12))
    # 粤东西北: the 12 cities outside 珠三角核心区, and their districts.
    is_east_west_north: Mapped[bool] = mapped_column(Boolean, default=False)
