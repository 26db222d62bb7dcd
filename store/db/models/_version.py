"""Versions of an app and their artifacts. Published files never change; bad versions are yanked."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._base import Base, utcnow
from ._user import User


class ReviewStatus(StrEnum):
    """Where a version, file or screenshot stands with the provincial review (省统).

    Things added to a draft are reviewed with the app; things added to a published app wait for
    their own review. Only approved things are shown to the public (see catalog/lifecycle.py).
    """

    APPROVED = "approved"
    PENDING = "pending"
    RETURNED = "returned"  # the reviewer sent it back with a comment; still not public


class ArtifactKind(StrEnum):
    PACKAGE = "package"  # deployment package
    SOURCE = "source"  # source archive
    DOCS = "docs"  # documentation
    API_SPEC = "api_spec"  # interface specification


class Version(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("app_id", "version", name="uq_versions_app_id_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    # Semver order as a string the database can sort (store.lib.semver.Version.sort_key).
    sort_key: Mapped[str] = mapped_column(String(200), index=True)
    release_notes: Mapped[str] = mapped_column(Text, default="")
    release_date: Mapped[date] = mapped_column(Date)
    min_requirements: Mapped[str] = mapped_column(Text, default="")
    yanked: Mapped[bool] = mapped_column(Boolean, default=False)
    yank_reason: Mapped[str] = mapped_column(Text, default="")
    yanked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # The publisher marks a release that fixes a security problem; when it becomes public, every
    # region running an older version is alerted.
    security_fix: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    review_status: Mapped[str] = mapped_column(
        String(20), default=ReviewStatus.PENDING, server_default=ReviewStatus.PENDING.value, index=True
    )
    # The reviewer's comment on the last decision about this version or one of its files.
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")
    artifacts: Mapped[list[Artifact]] = relationship(
        back_populates="version", lazy="selectin", order_by="Artifact.id", cascade="all, delete-orphan"
    )

    @property
    def live_artifacts(self) -> list[Artifact]:
        return [a for a in self.artifacts if a.removed_at is None]

    @property
    def is_approved(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @property
    def approved_artifacts(self) -> list[Artifact]:
        """The files the public may see (when the version and its app are public too)."""
        return [a for a in self.live_artifacts if a.review_status == ReviewStatus.APPROVED]


class Artifact(Base):
    __tablename__ = "artifacts"
    # A file name once used in a version stays used, even after the file is removed.
    __table_args__ = (UniqueConstraint("version_id", "filename", name="uq_artifacts_version_id_filename"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    download_count: Mapped[int] = mapped_column(BigInteger, default=0)
    review_status: Mapped[str] = mapped_column(
        String(20), default=ReviewStatus.PENDING, server_default=ReviewStatus.PENDING.value, index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    version: Mapped[Version] = relationship(back_populates="artifacts", lazy="joined")
