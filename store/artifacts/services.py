"""Versions, their artifacts and app screenshots.

An upload runs in three steps so no database transaction stays open while bytes stream:
``plan_upload`` checks everything that can be checked up front (read-only), the caller commits,
``store`` streams to object storage (no database), then ``record_upload`` writes the rows. If
recording fails, the caller deletes the stored object: no row ever points at a missing object.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog import audit, lifecycle
from store.catalog.rules import can_view_item, visible_items
from store.db import models as m
from store.db.unique import insert_unless_exists
from store.lib import filenames, mediatypes, metrics, policy, semver
from store.lib.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
    field_error,
)
from store.lib.i18n import _
from store.lib.storage import (
    ChecksumMismatch,
    ObjectTooLarge,
    Storage,
    StorageError,
    StoredObject,
    hash_stream,
)

from .images import PreparedImage

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
NAME_REUSED = _(
    "%(filename)s was already uploaded to this version with different content; a file name is never reused."
)


def _check_can_publish(user: m.User | None, app: m.App) -> None:
    policy.authorize(user, "versions.publish", app.region_code)
    if app.status not in lifecycle.ACCEPTS_VERSIONS:
        raise Conflict(_("Versions can be added only to draft or published apps."))


def _human_size(limit: int) -> str:
    return f"{limit / 1024**3:.1f} GiB" if limit >= 1024**3 else f"{limit / 1024**2:.0f} MiB"


class VersionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_for_app(self, app: m.App, user: m.User | None) -> list[m.Version]:
        """The versions this user may see, newest first: approved ones, and to the publisher's
        region and provincial staff also those waiting for review or returned."""
        query = select(m.Version).where(
            m.Version.app_id == app.id, visible_items(user, app.region_code, m.Version.review_status)
        )
        return list(await self.session.scalars(query.order_by(m.Version.sort_key.desc())))

    async def find(self, app: m.App, version: str) -> m.Version | None:
        return await self.session.scalar(
            select(m.Version).where(m.Version.app_id == app.id, m.Version.version == version)
        )

    async def get(self, app: m.App, version: str, user: m.User | None) -> m.Version:
        """The version, if this user may see it; otherwise 404, as if it did not exist."""
        found = await self.find(app, version)
        if found is None or not can_view_item(user, app.status, app.region_code, found.review_status):
            raise NotFound(_("The app has no version %(version)s."), version=version)
        return found

    @staticmethod
    def parse(version: str) -> semver.Version:
        parsed = semver.parse(version)
        if parsed is None:
            raise ValidationFailed(
                details=[field_error("version", _("Use a semantic version such as 1.2.0 or 2.0.0-rc.1."))]
            )
        return parsed

    async def create(
        self,
        user: m.User | None,
        app: m.App,
        *,
        version: str,
        release_notes: str = "",
        release_date: date | None = None,
        min_requirements: str = "",
        security_fix: bool = False,
        existing_ok: bool = False,
    ) -> m.Version:
        """Add a version; 409 if it exists, unless ``existing_ok`` (an upload to a new version:
        of two parallel first uploads, one creates it and the other uploads into it).
        ``security_fix`` marks a release that fixes a security problem: when it becomes public,
        the regions running an older version are alerted (``store.adoptions.alerts``)."""
        _check_can_publish(user, app)
        parsed = self.parse(version.strip())
        if len(release_notes) > 50_000 or len(min_requirements) > 10_000:
            raise ValidationFailed(details=[field_error("release_notes", _("The text is too long."))])
        exists = Conflict(
            _("Version %(version)s already exists; published versions never change."), version=version
        )
        if (found := await self.find(app, version.strip())) is not None:
            if existing_ok:
                return found
            raise exists
        row = m.Version(
            app_id=app.id,
            version=version.strip(),
            sort_key=parsed.sort_key,
            release_notes=release_notes,
            release_date=release_date or date.today(),
            min_requirements=min_requirements,
            security_fix=security_fix,
            created_by_id=user.id if user else None,
        )
        # Inserted unless a parallel request inserted it first (a check-then-add would fail there).
        added = await insert_unless_exists(self.session, row, "app_id", "version")
        if added is None:
            if existing_ok and (found := await self.find(app, version.strip())) is not None:
                return found
            raise exists
        row = added
        changes: dict[str, list[object]] = {"version": [None, row.version]}
        if row.security_fix:
            changes["security_fix"] = [None, True]
        audit.record(self.session, app, user, "version_added", changes=changes)
        await self.session.flush()
        return row

    async def resubmit_if_returned(self, user: m.User | None, app: m.App, version: m.Version) -> None:
        """A fix uploaded to a returned version sends it, with the files it still has, back to
        the reviewer (lifecycle: returned --resubmit--> pending)."""
        new_status = lifecycle.next_review_status(version.review_status, "resubmit")
        if new_status is None:
            return
        version.review_status = new_status
        for artifact in await self.session.scalars(
            select(m.Artifact).where(
                m.Artifact.version_id == version.id,
                m.Artifact.removed_at.is_(None),
                m.Artifact.review_status == m.ReviewStatus.RETURNED,
            )
        ):
            artifact.review_status = new_status
        audit.record(
            self.session,
            app,
            user,
            "version_resubmitted",
            changes={
                "version": [version.version, version.version],
                "review_status": [m.ReviewStatus.RETURNED, new_status],
            },
        )

    async def yank(self, user: m.User | None, app: m.App, version: m.Version, reason: str) -> m.Version:
        policy.authorize(user, "versions.publish", app.region_code)
        reason = reason.strip()
        if not reason:
            raise ValidationFailed(details=[field_error("reason", _("Say why the version is withdrawn."))])
        if version.yanked:
            raise Conflict(_("This version is already withdrawn."))
        version.yanked = True
        version.yank_reason = reason[:5000]
        version.yanked_at = m.utcnow()
        audit.record(
            self.session,
            app,
            user,
            "version_yanked",
            changes={"version": [version.version, version.version]},
            comment=reason,
        )
        await self.session.flush()
        return version


@dataclass(frozen=True)
class UploadPlan:
    """Everything decided before the bytes arrive."""

    app_id: int
    region_code: str
    version: str
    version_id: int | None  # None: the version is created when the upload is recorded
    filename: str
    kind: str
    content_type: str
    key: str
    expected_sha256: str | None
    max_bytes: int
    existing: m.Artifact | None  # the same file name was used before in this version


class ArtifactService:
    def __init__(self, session: AsyncSession, storage: Storage) -> None:
        self.session = session
        self.storage = storage

    async def plan_upload(
        self,
        user: m.User | None,
        app: m.App,
        version: str,
        *,
        filename: str,
        kind: str,
        content_type: str,
        content_length: int | None,
        expected_sha256: str | None,
        max_bytes: int,
    ) -> UploadPlan:
        _check_can_publish(user, app)
        errors = []
        clean_name = filenames.sanitize(filename or "")
        if clean_name is None:
            errors.append(
                field_error(
                    "filename",
                    _(
                        "Give a file name of at most 200 characters, without folders, slashes, control "
                        "characters or a name Windows reserves (such as CON or NUL)."
                    ),
                )
            )
        if kind not in set(m.ArtifactKind):
            errors.append(
                field_error(
                    "kind",
                    _("%(value)s is not one of: %(choices)s."),
                    value=kind,
                    choices=", ".join(m.ArtifactKind),
                )
            )
        sha = (expected_sha256 or "").strip().lower() or None
        if sha is not None and not SHA256_RE.match(sha):
            errors.append(field_error("sha256", _("A SHA-256 is 64 hexadecimal characters.")))
        parsed = semver.parse(version)
        if parsed is None:
            errors.append(field_error("version", _("Use a semantic version such as 1.2.0 or 2.0.0-rc.1.")))
        if errors:
            raise ValidationFailed(details=errors)
        if content_length is not None and content_length > max_bytes:
            raise PayloadTooLarge(_("Files may be at most %(limit)s."), limit=_human_size(max_bytes))
        assert clean_name is not None
        existing_version = await VersionService(self.session).find(app, version)
        if existing_version is not None and existing_version.yanked:
            raise Conflict(_("Version %(version)s is withdrawn; upload to a new version."), version=version)
        existing = None
        if existing_version is not None:
            existing = await self.session.scalar(
                select(m.Artifact).where(
                    m.Artifact.version_id == existing_version.id, m.Artifact.filename == clean_name
                )
            )
        return UploadPlan(
            app_id=app.id,
            region_code=app.region_code,
            version=version,
            version_id=existing_version.id if existing_version else None,
            filename=clean_name,
            kind=kind,
            content_type=mediatypes.download_type(content_type),  # never text/html from an upload
            key=f"artifacts/{app.id}/{uuid.uuid4().hex}",
            expected_sha256=sha,
            max_bytes=max_bytes,
            existing=existing,
        )

    async def store(self, plan: UploadPlan, chunks: AsyncIterator[bytes]) -> StoredObject | None:
        """Stream the bytes. Returns None when the same name was used before and the bytes match
        (a retried pipeline); raises 409 when they differ."""
        try:
            if plan.existing is not None:
                _size, sha = await hash_stream(chunks, max_bytes=plan.max_bytes)
                if plan.existing.removed_at is None and sha == plan.existing.sha256:
                    return None
                raise Conflict(NAME_REUSED, filename=plan.filename)
            return await self.storage.put_stream(
                plan.key,
                chunks,
                content_type=plan.content_type,
                max_bytes=plan.max_bytes,
                expected_sha256=plan.expected_sha256,
            )
        except ObjectTooLarge as exc:
            raise PayloadTooLarge(_("Files may be at most %(limit)s."), limit=_human_size(exc.limit)) from exc
        except ChecksumMismatch as exc:
            raise ValidationFailed(
                _("The file arrived with a different SHA-256 than announced; nothing was kept."),
                details=[
                    field_error(
                        "sha256",
                        _("Expected %(expected)s, received %(actual)s."),
                        expected=exc.expected,
                        actual=exc.actual,
                    )
                ],
            ) from exc
        except StorageError as exc:
            raise ServiceUnavailable(
                _("The file store is unavailable; nothing was kept. Please try again later.")
            ) from exc

    async def record_upload(
        self, user: m.User | None, app: m.App, plan: UploadPlan, stored: StoredObject
    ) -> m.Artifact:
        """Write the rows for a stored object (creating the version if it is new)."""
        versions = VersionService(self.session)
        version = await versions.create(user, app, version=plan.version, existing_ok=True)
        artifact = m.Artifact(
            version_id=version.id,
            kind=plan.kind,
            filename=plan.filename,
            content_type=plan.content_type,
            size=stored.size,
            sha256=stored.sha256,
            object_key=stored.key,
            uploaded_by_id=user.id if user else None,
        )
        self.session.add(artifact)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Conflict(
                _("%(filename)s was uploaded to this version at the same moment; try again."),
                filename=plan.filename,
            ) from exc
        await versions.resubmit_if_returned(user, app, version)
        metrics.uploaded(plan.kind, stored.size)
        audit.record(
            self.session,
            app,
            user,
            "artifact_uploaded",
            changes={
                "file": [None, f"{version.version}/{artifact.filename}"],
                "sha256": [None, artifact.sha256],
            },
        )
        await self.session.flush()
        await self.session.refresh(artifact)
        return artifact

    async def get_for_download(self, artifact_id: int, user: m.User | None) -> m.Artifact:
        artifact = await self.session.get(m.Artifact, artifact_id)
        if artifact is None or artifact.removed_at is not None:
            raise NotFound(_("No file with this id."))
        app = await self.session.get(m.App, artifact.version.app_id)
        if app is None or not all(
            can_view_item(user, app.status, app.region_code, status)
            for status in (artifact.version.review_status, artifact.review_status)
        ):
            raise NotFound(_("No file with this id."))
        await self.session.execute(
            update(m.Artifact)
            .where(m.Artifact.id == artifact.id)
            .values(download_count=m.Artifact.download_count + 1)
        )
        metrics.downloaded(artifact.size)
        return artifact

    async def remove(self, user: m.User | None, artifact_id: int) -> tuple[m.Artifact, str]:
        """Mark a file removed (its name stays used); returns the object key to delete after commit."""
        artifact = await self.session.get(m.Artifact, artifact_id)
        app = await self.session.get(m.App, artifact.version.app_id) if artifact else None
        # A file this user may not see is missing to them (404), not forbidden: ids reveal nothing.
        if (
            artifact is None
            or app is None
            or artifact.removed_at is not None
            or not all(
                can_view_item(user, app.status, app.region_code, status)
                for status in (artifact.version.review_status, artifact.review_status)
            )
        ):
            raise NotFound(_("No file with this id."))
        policy.authorize(user, "versions.publish", app.region_code)
        if not lifecycle.file_removable(app.status, artifact.review_status):
            raise Conflict(
                _("Files of a submitted or published app never change; withdraw the version instead.")
            )
        artifact.removed_at = m.utcnow()
        audit.record(
            self.session,
            app,
            user,
            "artifact_removed",
            changes={"file": [f"{artifact.version.version}/{artifact.filename}", None]},
        )
        await self.session.flush()
        return artifact, artifact.object_key


MAX_SCREENSHOTS = 12
#: the pieces an image in memory is stored in (the storage gathers them to hash and write)
PIECE_BYTES = 1 << 20


async def _pieces(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), PIECE_BYTES):
        yield data[start : start + PIECE_BYTES]


TOO_MANY_SCREENSHOTS = _("An app may have at most %(max)s screenshots.")


class ScreenshotService:
    def __init__(self, session: AsyncSession, storage: Storage) -> None:
        self.session = session
        self.storage = storage

    async def check_can_add(self, user: m.User | None, app: m.App) -> None:
        """Everything that can refuse a screenshot without looking at it. Controllers call this
        before reading the upload, so a refused request costs no image decoding."""
        policy.authorize(user, "apps.edit", app.region_code)
        if app.status not in lifecycle.EDITABLE:
            raise Conflict(_("An app under review or deprecated cannot be edited."))
        if await self._count(app) >= MAX_SCREENSHOTS:
            raise Conflict(TOO_MANY_SCREENSHOTS, max=MAX_SCREENSHOTS)

    async def _count(self, app: m.App) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(m.Screenshot).where(m.Screenshot.app_id == app.id)
        )
        return count or 0

    async def add(self, user: m.User | None, app: m.App, image: PreparedImage, caption: str) -> m.Screenshot:
        await self.check_can_add(user, app)
        base = f"screenshots/{app.id}/{uuid.uuid4().hex}"
        try:
            # put_stream, not put_bytes: the size and SHA-256 of what was stored, hashed off the
            # event loop on the way (as for files), so `store check` can tell a damaged image.
            stored = await self.storage.put_stream(
                base, _pieces(image.image), content_type=image.content_type, max_bytes=len(image.image)
            )
            thumb = await self.storage.put_stream(
                base + "-thumb.jpg",
                _pieces(image.thumbnail),
                content_type="image/jpeg",
                max_bytes=len(image.thumbnail),
            )
        except StorageError as exc:
            await self._forget(base)
            raise ServiceUnavailable(
                _("The file store is unavailable; nothing was kept. Please try again later.")
            ) from exc
        shot = m.Screenshot(
            app_id=app.id,
            caption=caption.strip()[:200],
            object_key=base,
            thumb_key=base + "-thumb.jpg",
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size=stored.size,
            sha256=stored.sha256,
            thumb_size=thumb.size,
            thumb_sha256=thumb.sha256,
        )
        # Parallel uploads all passed the check above: lock the app's row (PostgreSQL; SQLite
        # takes its write lock at the insert, which comes before the count) and count again with
        # the new one included, so the limit holds. The caller rolls the row back on the 409.
        await self.session.execute(select(m.App.id).where(m.App.id == app.id).with_for_update())
        self.session.add(shot)
        await self.session.flush()
        if await self._count(app) > MAX_SCREENSHOTS:
            await self._forget(base)
            raise Conflict(TOO_MANY_SCREENSHOTS, max=MAX_SCREENSHOTS)
        metrics.uploaded("screenshot", len(image.image))
        audit.record(
            self.session, app, user, "screenshot_added", changes={"screenshot": [None, shot.caption or base]}
        )
        await self.session.flush()
        return shot

    async def _forget(self, base: str) -> None:
        for key in (base, base + "-thumb.jpg"):
            with contextlib.suppress(StorageError):
                await self.storage.delete(key)

    async def get(self, screenshot_id: int, user: m.User | None) -> m.Screenshot:
        shot, _app = await self._get_with_app(screenshot_id, user)
        return shot

    async def _get_with_app(self, screenshot_id: int, user: m.User | None) -> tuple[m.Screenshot, m.App]:
        """The screenshot and its app; as for files, one this user may not see is missing (404),
        not forbidden."""
        shot = await self.session.get(m.Screenshot, screenshot_id)
        app = await self.session.get(m.App, shot.app_id) if shot else None
        if (
            shot is None
            or app is None
            or not can_view_item(user, app.status, app.region_code, shot.review_status)
        ):
            raise NotFound(_("No screenshot with this id."))
        return shot, app

    async def remove(self, user: m.User | None, screenshot_id: int) -> list[str]:
        shot, app = await self._get_with_app(screenshot_id, user)
        policy.authorize(user, "apps.edit", app.region_code)
        if app.status not in lifecycle.EDITABLE:  # the reviewer sees the app as it was submitted
            raise Conflict(_("An app under review or deprecated cannot be edited."))
        audit.record(
            self.session,
            app,
            user,
            "screenshot_removed",
            changes={"screenshot": [shot.caption or shot.object_key, None]},
        )
        await self.session.delete(shot)
        await self.session.flush()
        return [shot.object_key, shot.thumb_key]
