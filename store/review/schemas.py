"""API shapes of the review gate and its queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from advanced_alchemy.service import OffsetPagination

from store.artifacts.schemas import ArtifactOut
from store.catalog.schemas import AppSummaryOut, AuditOut
from store.db import models as m
from store.lib.schemas import from_attributes

from .services import ChangedApp, ChangeSet, PendingRelease, PendingScreenshot


class ScreenshotOut(msgspec.Struct):
    id: int
    app: str
    caption: str
    url: str
    thumbnail_url: str
    review_status: str
    review_comment: str
    created_at: datetime

    @classmethod
    def of(cls, app: m.App, shot: m.Screenshot) -> ScreenshotOut:
        return from_attributes(
            cls,
            shot,
            app=app.slug,
            url=f"/screenshots/{shot.id}",
            thumbnail_url=f"/screenshots/{shot.id}/thumbnail",
        )


class ChangesOut(msgspec.Struct):
    """A public app's edits since its last approval or "seen" mark."""

    app: str
    name: str
    # field -> [value at the last review, value now]
    changes: dict[str, list[Any]]
    edits: list[AuditOut]

    @classmethod
    def of(cls, app: m.App, changes: ChangeSet) -> ChangesOut:
        return cls(
            app=app.slug,
            name=app.name,
            changes=changes.diff,
            edits=[AuditOut.of(entry) for entry in changes.entries],
        )


class PendingReleaseOut(msgspec.Struct):
    app: str
    name: str
    region: str
    version: str
    # pending: the version itself waits; approved: only files added to it since wait
    version_review_status: str
    created_at: datetime
    files: list[ArtifactOut]

    @classmethod
    def of(cls, item: PendingRelease) -> PendingReleaseOut:
        return cls(
            app=item.app.slug,
            name=item.app.name,
            region=item.app.region_code,
            version=item.version.version,
            version_review_status=item.version.review_status,
            created_at=item.version.created_at,
            files=[ArtifactOut.of(a) for a in item.files],
        )


class QueueOut(msgspec.Struct):
    """Everything waiting for a provincial reviewer, oldest first (each list is bounded)."""

    submissions: list[AppSummaryOut]
    submissions_total: int
    pending_versions: list[PendingReleaseOut]
    pending_screenshots: list[ScreenshotOut]
    changed_apps: list[ChangesOut]

    @classmethod
    def of(
        cls,
        submissions: OffsetPagination[m.App],
        releases: list[PendingRelease],
        screenshots: list[PendingScreenshot],
        changed: list[ChangedApp],
    ) -> QueueOut:
        return cls(
            submissions=[AppSummaryOut.of(a) for a in submissions.items],
            submissions_total=submissions.total,
            pending_versions=[PendingReleaseOut.of(r) for r in releases],
            pending_screenshots=[ScreenshotOut.of(p.app, p.screenshot) for p in screenshots],
            changed_apps=[ChangesOut.of(c.app, c.changes) for c in changed],
        )
