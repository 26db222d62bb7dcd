"""Apps: what a city publishes — metadata, life-cycle status, and labels used for filtering."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._base import Base, TimestampMixin
from ._region import Region
from ._user import User


class AppKind(StrEnum):
    APPLICATION = "application"  # 应用
    COMPONENT = "component"  # 组件
    CAPABILITY = "capability"  # 公共能力


class Category(StrEnum):
    GOVERNANCE = "governance"  # 一网统管
    SERVICES = "services"  # 一网通办
    COLLABORATION = "collaboration"  # 一网协同
    SUPPORT = "support"  # 公共支撑


class Maturity(StrEnum):
    PILOT = "pilot"  # 试点
    PROMOTED = "promoted"  # 推广
    MATURE = "mature"  # 成熟


class LicenseType(StrEnum):
    OPEN_SOURCE = "open_source"
    GOV_FREE = "gov_free"  # free licence to government bodies
    PAID = "paid"


class Offering(StrEnum):
    STANDARD_FREE = "standard_free"  # 免费标准版: only a deployment fee
    NEGOTIATED = "negotiated"  # 优惠快速匹配: a negotiated price
    READY_TO_USE = "ready_to_use"  # 即开即用: hosted, ready to use


class DeploymentMode(StrEnum):
    GOV_CLOUD = "gov_cloud"  # on the adopter's 政务云
    HOSTED = "hosted"  # hosted by the publisher
    SAAS = "saas"


class AppStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"


class LabelKind(StrEnum):
    """Multi-valued attributes kept as rows so every filter is one indexed EXISTS."""

    TAG = "tag"
    XC_CPU = "xc_cpu"
    XC_OS = "xc_os"
    XC_DB = "xc_db"
    INTEGRATION = "integration"  # 粤系列 platform
    DEPLOYMENT = "deployment"


class App(Base, TimestampMixin):
    __tablename__ = "apps"
    # The statistics: apps first published in a period.
    __table_args__ = (Index("ix_apps_status_published_at", "status", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    department: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    maturity: Mapped[str] = mapped_column(String(20), index=True)
    license_type: Mapped[str] = mapped_column(String(20))
    license_spdx: Mapped[str] = mapped_column(String(64), default="")
    reuse_terms: Mapped[str] = mapped_column(Text, default="")
    offering: Mapped[str] = mapped_column(String(20))
    price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    deployment_fee_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # [{"description": str, "amount_yuan": str, "year": int}]: what adopters budget from.
    reference_prices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tech_stack: Mapped[list[str]] = mapped_column(JSON, default=list)
    requirements: Mapped[str] = mapped_column(Text, default="")
    docs_url: Mapped[str] = mapped_column(String(500), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=AppStatus.DRAFT, index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    deprecation_reason: Mapped[str] = mapped_column(Text, default="")
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    region: Mapped[Region] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")
    successor: Mapped[App | None] = relationship(remote_side="App.id", lazy="selectin", join_depth=1)
    labels: Mapped[list[AppLabel]] = relationship(
        back_populates="app", cascade="all, delete-orphan", lazy="selectin", order_by="AppLabel.id"
    )

    def label_values(self, kind: str) -> list[str]:
        return [label.value for label in self.labels if label.kind == kind]

    @property
    def tags(self) -> list[str]:
        return self.label_values(LabelKind.TAG)

    @property
    def deployment_modes(self) -> list[str]:
        return self.label_values(LabelKind.DEPLOYMENT)

    @property
    def integrations(self) -> list[str]:
        return self.label_values(LabelKind.INTEGRATION)

    @property
    def xinchuang(self) -> dict[str, list[str]]:
        return {
            "cpus": self.label_values(LabelKind.XC_CPU),
            "os": self.label_values(LabelKind.XC_OS),
            "databases": self.label_values(LabelKind.XC_DB),
        }


class AppLabel(Base):
    __tablename__ = "app_labels"
    __table_args__ = (Index("ix_app_labels_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(50))

    app: Mapped[App] = relationship(back_populates="labels")
