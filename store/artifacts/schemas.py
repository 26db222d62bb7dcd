"""API shapes for versions and artifacts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from store.db import models as m
from store.lib.schemas import from_attributes


class VersionIn(msgspec.Struct, forbid_unknown_fields=True):
    version: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    release_notes: Annotated[str, msgspec.Meta(max_length=50_000)] = ""
    release_date: date | None = None
    min_requirements: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    # The release fixes a security problem: once public, regions running older versions are alerted.
    security_fix: bool = False


class YankIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=5000)]


class ArtifactOut(msgspec.Struct):
    id: int
    kind: str
    filename: str
    size: int
    sha256: str
    content_type: str
    download_count: int
    download_url: str
    created_at: datetime
    review_status: str

    @classmethod
    def of(cls, artifact: m.Artifact) -> ArtifactOut:
        return from_attributes(cls, artifact, download_url=f"/api/v1/artifacts/{artifact.id}/download")


class VersionOut(msgspec.Struct):
    version: str
    release_notes: str
    release_date: date
    min_requirements: str
    yanked: bool
    yank_reason: str
    yanked_at: datetime | None
    security_fix: bool
    is_prerelease: bool
    created_at: datetime
    # approved, or (shown only to the publisher's region and provincial staff) pending/returned
    review_status: str
    review_comment: str
    artifacts: list[ArtifactOut]

    @classmethod
    def of(cls, version: m.Version, *, unreviewed_visible: bool) -> VersionOut:
        """``unreviewed_visible``: include files a reviewer has not approved (the caller decides
        who may see them, see ``catalog.rules.can_view_unreviewed``)."""
        files = version.live_artifacts if unreviewed_visible else version.approved_artifacts
        return from_attributes(
            cls,
            version,
            is_prerelease="-" in version.version.split("+")[0],
            artifacts=[ArtifactOut.of(a) for a in files],
        )
