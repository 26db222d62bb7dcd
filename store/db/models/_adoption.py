"""Adoptions (复用): a region reusing a published app, its history and the versions it has run.

Three tables:

- ``adoptions``: the current state of one (app, adopting region) reuse. ``status`` moves only
  through ``store/adoptions/lifecycle.py``; ``revision`` grows by one with every change, and a
  change is written as ``UPDATE … WHERE id = :id AND revision = :seen`` so two decisions cannot
  both apply (the loser updates no row and answers 409). One *open* adoption (requested, approved,
  deploying, live) per app and adopting region is enforced by a partial unique index, the same on
  SQLite and PostgreSQL; closed ones (declined, withdrawn, retired) stay as history, any number.
- ``adoption_events``: the timeline, append-only: every transition (from → to), note,
  publisher confirmation, feedback, upgrade, re-confirmation and stale marking, with who, when,
  a comment and the values it set (``data``). Replaying the transitions from ``requested`` gives
  the current status (the property test checks the pure half of that).
- ``adoption_versions``: the versions an adoption has run over time; an upgrade closes the
  current row (``until``) and opens a new one, so "who runs 1.2.0 now" and "who ran it" are both
  answerable. ``adoptions.current_version`` is the open row's version, kept for cheap lists.

Versions are stored as their string (``versions`` is unique on (app_id, version)), not as a key:
the adopter names what it runs, and a yanked version's row stays.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Select,
    SmallInteger,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._app import App
from ._base import Base, TimestampMixin, utcnow
from ._region import Region
from ._user import User


class AdoptionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    DEPLOYING = "deploying"
    LIVE = "live"
    RETIRED = "retired"


# At most one of these per (app, adopting region); the others are history.
OPEN_ADOPTION_STATUSES: tuple[str, ...] = (
    AdoptionStatus.REQUESTED,
    AdoptionStatus.APPROVED,
    AdoptionStatus.DEPLOYING,
    AdoptionStatus.LIVE,
)
# The one WHERE clause of the partial unique index (the migration writes the same text).
OPEN_ADOPTION_WHERE = "status IN ('requested', 'approved', 'deploying', 'live')"
ADOPTION_STATUS_CHECK = (
    "status IN ('requested', 'approved', 'declined', 'withdrawn', 'deploying', 'live', 'retired')"
)


class Confirmation(StrEnum):
    """The publisher's answer to "this region runs your app": shown beside every live adoption."""

    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class AdoptionEventKind(StrEnum):
    TRANSITION = "transition"
    NOTE = "note"
    CONFIRM = "confirm"
    FEEDBACK = "feedback"
    UPGRADE = "upgrade"
    RECONFIRM = "reconfirm"  # the adopter's yearly "still live"
    STALE = "stale"  # the sweep: not re-confirmed in time


class Adoption(Base, TimestampMixin):
    __tablename__ = "adoptions"
    __table_args__ = (
        Index(
            "uq_adoptions_open_per_region",
            "app_id",
            "adopter_region_code",
            unique=True,
            sqlite_where=text(OPEN_ADOPTION_WHERE),
            postgresql_where=text(OPEN_ADOPTION_WHERE),
        ),
        # The statistics: "live, gone live in the period" and "requested in the period".
        Index("ix_adoptions_status_went_live_on", "status", "went_live_on"),
        Index("ix_adoptions_created_at", "created_at"),
        CheckConstraint(ADOPTION_STATUS_CHECK, name="status_known"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("saving_wan IS NULL OR saving_wan >= 0", name="saving_not_negative"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    adopter_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=AdoptionStatus.REQUESTED, index=True)
    # +1 on every change; sent in every answer, checked against ``expected_revision``.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    requested_version: Mapped[str] = mapped_column(String(64))
    current_version: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    environment: Mapped[str] = mapped_column(String(200), default="")  # e.g. a 政务云 node
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Dates of the steps the figures use (time to decision, time to live); every step's moment
    # is in the history too.
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    went_live_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # 节约财政资金: money saved against building it anew, in 万元, with how it was estimated.
    saving_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    saving_basis: Mapped[str] = mapped_column(String(500), default="")
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    publisher_confirmation: Mapped[str] = mapped_column(String(12), default=Confirmation.UNCONFIRMED)
    confirmation_comment: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Once a year a live adoption is re-confirmed by the adopter; 30 days past due it is stale
    # (still live, flagged). Set when it goes live and at each re-confirmation.
    reconfirm_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)

    app: Mapped[App] = relationship(lazy="joined")
    adopter_region: Mapped[Region] = relationship(lazy="joined")
    requested_by: Mapped[User | None] = relationship(lazy="joined")
    events: Mapped[list[AdoptionEvent]] = relationship(
        back_populates="adoption",
        lazy="noload",
        order_by="AdoptionEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    versions: Mapped[list[AdoptionVersion]] = relationship(
        back_populates="adoption",
        lazy="noload",
        order_by="AdoptionVersion.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ADOPTION_STATUSES


class AdoptionEvent(Base):
    __tablename__ = "adoption_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # For transitions; for other kinds both are the status the adoption was in.
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    # What the step set, e.g. {"went_live_on": "2026-05-01", "saving_wan": "120.00"}.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The adoption's revision after this step: the timeline and the row's revision line up.
    revision: Mapped[int] = mapped_column(Integer)

    adoption: Mapped[Adoption] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")


class AdoptionVersion(Base):
    __tablename__ = "adoption_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))  # None: runs it now
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    adoption: Mapped[Adoption] = relationship(back_populates="versions")


def live_adoption_counts_query(app_ids: list[int]) -> Select[tuple[int, int]]:
    """``(app_id, number of live adoptions)`` for the apps among ``app_ids`` that have any.

    A statement, not a function that runs it, so it serves an ``AsyncSession`` (the adoption
    services) and the synchronous session of the search index's commit hook alike; it lives with
    the table because ``search/`` may import ``store.db`` but no feature.
    """
    return (
        select(Adoption.app_id, func.count())
        .where(Adoption.app_id.in_(app_ids), Adoption.status == AdoptionStatus.LIVE)
        .group_by(Adoption.app_id)
    )
