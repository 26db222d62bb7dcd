"""The review gate after publication (省统): what waits for a provincial reviewer once an app is
public, and the reviewer's decisions on it. Rules live here; callers commit.

Three kinds of work reach the queue: submissions (reviewed in ``AppService.review``), versions,
files and screenshots added to a public app (pending until approved here), and edits of a public
app's metadata since its last approval (live at once, but shown with their before/after until a
reviewer marks them seen or returns the app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog import audit, lifecycle, rules
from store.db import models as m
from store.lib import policy
from store.lib.errors import Conflict, NotFound
from store.lib.i18n import _
from store.notifications import fanout

# Audit actions after which a public app's edits count as seen by the province.
REVIEW_MARKS = ("approved", "changes_seen")
# Audit actions that change what the public reads about an app without a review first.
LIVE_CHANGES = ("edited",)
# Each kind of work in the queue is bounded; the oldest come first.
QUEUE_LIMIT = 200
# What a publisher does to a returned app before submitting it again, beyond editing its fields:
# shown to the reviewer with the resubmission.
CONTENT_CHANGES = (
    "version_added",
    "version_yanked",
    "artifact_uploaded",
    "artifact_removed",
    "screenshot_added",
    "screenshot_removed",
)


def _public_app() -> ColumnElement[bool]:
    return m.App.status.in_(lifecycle.PUBLIC)


def _release_waits() -> ColumnElement[bool]:
    """A version (joined with its app) waits for review: a public app's version that is not
    withdrawn and is pending itself or has a pending file. Both halves are looked up by their
    review-status index (an OR with EXISTS would read every version: 40 ms at 30,000)."""
    pending = m.ReviewStatus.PENDING
    waiting = union(
        select(m.Version.id).where(m.Version.review_status == pending),
        select(m.Artifact.version_id).where(
            m.Artifact.review_status == pending, m.Artifact.removed_at.is_(None)
        ),
    )
    return _public_app() & m.Version.yanked.is_(False) & m.Version.id.in_(waiting)


def _screenshot_waits() -> ColumnElement[bool]:
    """A screenshot (joined with its app) of a public app waits for review."""
    return _public_app() & (m.Screenshot.review_status == m.ReviewStatus.PENDING)


# The header's badges show "99+" from here on; counting stops there, so a long queue costs no more.
COUNT_CAP = 100


def _capped(query: Select[Any]) -> Any:
    """``SELECT count(*)`` of at most COUNT_CAP rows of ``query``, as a scalar subquery."""
    return select(func.count()).select_from(query.limit(COUNT_CAP).subquery()).scalar_subquery()


async def count_waiting(session: AsyncSession) -> int:
    """The header's number for a reviewer, in one statement: submissions, versions and
    screenshots waiting for a decision (edits since approval are public already and are not
    counted), each looked up by its status index and counted up to COUNT_CAP. The same
    conditions as the queue's lists."""
    submissions = select(m.App.id).where(m.App.status == m.AppStatus.SUBMITTED)
    releases = select(m.Version.id).join(m.App, m.App.id == m.Version.app_id).where(_release_waits())
    screenshots = (
        select(m.Screenshot.id).join(m.App, m.App.id == m.Screenshot.app_id).where(_screenshot_waits())
    )
    total = await session.scalar(select(_capped(submissions) + _capped(releases) + _capped(screenshots)))
    return int(total or 0)


async def count_returned(session: AsyncSession, user: m.User) -> int:
    """The header's number for city staff: their region's drafts that a reviewer returned (the
    ones their apps page lists first), in one statement, up to COUNT_CAP."""
    returned = select(m.App.id).where(rules.own_apps(user), lifecycle.returned_draft())
    return int(await session.scalar(select(_capped(returned))) or 0)


@dataclass(frozen=True)
class ChangeSet:
    """The edits of an app since its last approval or "seen" mark."""

    entries: list[m.AuditEntry]
    # field -> [value at the last review, value now]; fields changed back are left out
    diff: dict[str, list[Any]]

    def __bool__(self) -> bool:
        return bool(self.entries)


def merged_diff(entries: list[m.AuditEntry]) -> dict[str, list[Any]]:
    """One before/after per field over several edits: the first "before", the last "after"."""
    merged: dict[str, list[Any]] = {}
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            if name in merged:
                merged[name][1] = pair[1]
            else:
                merged[name] = [pair[0], pair[1]]
    return {name: pair for name, pair in merged.items() if pair[0] != pair[1]}


@dataclass(frozen=True)
class PendingRelease:
    """A version of a public app that waits for review, or an approved one with new files."""

    app: m.App
    version: m.Version
    files: list[m.Artifact]  # its live files waiting for review

    @property
    def version_pending(self) -> bool:
        return self.version.review_status == m.ReviewStatus.PENDING


@dataclass(frozen=True)
class PendingScreenshot:
    app: m.App
    screenshot: m.Screenshot


@dataclass(frozen=True)
class ChangedApp:
    app: m.App
    changes: ChangeSet


@dataclass
class ReviewQueue:
    releases: list[PendingRelease] = field(default_factory=list)
    screenshots: list[PendingScreenshot] = field(default_factory=list)
    changed: list[ChangedApp] = field(default_factory=list)


@dataclass(frozen=True)
class Rounds:
    """How often an app was submitted and returned (its review rounds)."""

    submitted: int = 0
    returned: int = 0

    @property
    def resubmitted(self) -> bool:
        return self.returned > 0


@dataclass(frozen=True)
class Resubmission:
    """A submission after a return: the return it answers, and what the publisher changed since."""

    rounds: Rounds
    last_return: m.AuditEntry
    # field -> [value when returned, value now]; fields changed back are left out
    diff: dict[str, list[Any]]
    # versions, files and screenshots added or removed since the return (audit order)
    content: list[m.AuditEntry]


class ReviewService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ reading

    async def _last_mark_id(self, app_id: int) -> int:
        return (
            await self.session.scalar(
                select(func.max(m.AuditEntry.id)).where(
                    m.AuditEntry.app_id == app_id, m.AuditEntry.action.in_(REVIEW_MARKS)
                )
            )
            or 0
        )

    async def get_changes_since_review(self, app: m.App) -> ChangeSet:
        """Edits of a public app made after its last approval or "seen" mark (audit order)."""
        if app.status not in lifecycle.PUBLIC:
            return ChangeSet([], {})
        rows = await self.session.scalars(
            select(m.AuditEntry)
            .where(
                m.AuditEntry.app_id == app.id,
                m.AuditEntry.action.in_(LIVE_CHANGES),
                m.AuditEntry.id > await self._last_mark_id(app.id),
            )
            .order_by(m.AuditEntry.id)
        )
        entries = list(rows)
        return ChangeSet(entries, merged_diff(entries))

    async def get_queue(self, user: m.User | None) -> ReviewQueue:
        """What waits for a reviewer in public apps, oldest first (submissions are listed by
        ``AppService.review_queue``)."""
        policy.authorize(user, "apps.review")
        release_rows = await self.session.execute(
            select(m.Version, m.App)
            .join(m.App, m.App.id == m.Version.app_id)
            .where(_release_waits())
            .order_by(m.Version.created_at, m.Version.id)
            .limit(QUEUE_LIMIT)
        )
        pairs = list(release_rows.tuples())
        files = await self._files_of([version.id for version, _app in pairs], (m.ReviewStatus.PENDING,))
        releases = [PendingRelease(app, version, files.get(version.id, [])) for version, app in pairs]
        shot_rows = await self.session.execute(
            select(m.Screenshot, m.App)
            .join(m.App, m.App.id == m.Screenshot.app_id)
            .where(_screenshot_waits())
            .order_by(m.Screenshot.created_at, m.Screenshot.id)
            .limit(QUEUE_LIMIT)
        )
        screenshots = [PendingScreenshot(app, shot) for shot, app in shot_rows.tuples()]
        return ReviewQueue(releases, screenshots, await self._changed_apps())

    async def _changed_apps(self) -> list[ChangedApp]:
        marks = m.AuditEntry.__table__.alias("marks")
        last_mark = (
            select(func.coalesce(func.max(marks.c.id), 0))
            .where(marks.c.app_id == m.App.id, marks.c.action.in_(REVIEW_MARKS))
            .scalar_subquery()
        )
        edited_since = exists().where(
            m.AuditEntry.app_id == m.App.id,
            m.AuditEntry.action.in_(LIVE_CHANGES),
            m.AuditEntry.id > last_mark,
        )
        apps = await self.session.scalars(
            select(m.App)
            .where(m.App.status.in_(lifecycle.PUBLIC), edited_since)
            .order_by(m.App.updated_at, m.App.id)
            .limit(QUEUE_LIMIT)
        )
        changed = []
        for app in apps:
            changes = await self.get_changes_since_review(app)
            if changes:
                changed.append(ChangedApp(app, changes))
        return changed

    async def list_pending_in(self, app: m.App) -> list[PendingRelease]:
        """The versions of ``app`` with something waiting for review (for its page)."""
        if app.status not in lifecycle.REVIEWED_SEPARATELY:
            return []
        versions = list(
            await self.session.scalars(
                select(m.Version)
                .where(m.Version.app_id == app.id, m.Version.yanked.is_(False))
                .order_by(m.Version.sort_key.desc())
            )
        )
        files = await self._files_of([v.id for v in versions], (m.ReviewStatus.PENDING,))
        return [
            PendingRelease(app, version, files.get(version.id, []))
            for version in versions
            if version.review_status == m.ReviewStatus.PENDING or version.id in files
        ]

    async def _files_of(
        self, version_ids: list[int], statuses: tuple[str, ...]
    ) -> dict[int, list[m.Artifact]]:
        """Live files of these versions in these review statuses, by version id. Read from the
        database: a version's ``artifacts`` loaded earlier in the session may miss new uploads."""
        if not version_ids:
            return {}
        rows = await self.session.scalars(
            select(m.Artifact)
            .where(
                m.Artifact.version_id.in_(version_ids),
                m.Artifact.removed_at.is_(None),
                m.Artifact.review_status.in_(statuses),
            )
            .order_by(m.Artifact.id)
        )
        out: dict[int, list[m.Artifact]] = {}
        for artifact in rows:
            out.setdefault(artifact.version_id, []).append(artifact)
        return out

    async def find_slug_of_screenshot(self, screenshot_id: int) -> str | None:
        return await self.session.scalar(
            select(m.App.slug)
            .join(m.Screenshot, m.Screenshot.app_id == m.App.id)
            .where(m.Screenshot.id == screenshot_id)
        )

    async def list_rounds(self, app_ids: list[int]) -> dict[int, Rounds]:
        """Submissions and returns of each app, in one grouped query (the queue marks
        resubmissions); apps never submitted are left out."""
        if not app_ids:
            return {}
        action = m.AuditEntry.action
        rows = await self.session.execute(
            select(
                m.AuditEntry.app_id,
                func.sum(case((action == "submitted", 1), else_=0)),
                func.sum(case((action == "returned", 1), else_=0)),
            )
            .where(m.AuditEntry.app_id.in_(app_ids), action.in_(("submitted", "returned")))
            .group_by(m.AuditEntry.app_id)
        )
        return {app_id: Rounds(int(sub or 0), int(ret or 0)) for app_id, sub, ret in rows.tuples() if app_id}

    async def find_resubmission(self, app: m.App) -> Resubmission | None:
        """For an app submitted again after a return: that return (its comment), the fields
        changed since (labelled by the page) and the versions, files and screenshots added or
        removed since; None for a first submission or an app not under review."""
        if app.status != m.AppStatus.SUBMITTED:
            return None
        last_return = await self.session.scalar(
            select(m.AuditEntry)
            .where(m.AuditEntry.app_id == app.id, m.AuditEntry.action == "returned")
            .order_by(m.AuditEntry.id.desc())
            .limit(1)
        )
        if last_return is None:
            return None
        since = list(
            await self.session.scalars(
                select(m.AuditEntry)
                .where(
                    m.AuditEntry.app_id == app.id,
                    m.AuditEntry.id > last_return.id,
                    m.AuditEntry.action.in_((*LIVE_CHANGES, *CONTENT_CHANGES)),
                )
                .order_by(m.AuditEntry.id)
            )
        )
        rounds = (await self.list_rounds([app.id])).get(app.id, Rounds())
        edits = [entry for entry in since if entry.action in LIVE_CHANGES]
        content = [entry for entry in since if entry.action in CONTENT_CHANGES]
        return Resubmission(rounds, last_return, merged_diff(edits), content)

    # ------------------------------------------------------------------ deciding

    def _check_reviewed_separately(self, app: m.App) -> None:
        if app.status not in lifecycle.REVIEWED_SEPARATELY:
            raise Conflict(_("Until the app is published, what is in it is reviewed with the app."))

    async def review_version(
        self, user: m.User | None, app: m.App, version: m.Version, decision: str, comment: str
    ) -> m.Version:
        """Approve or return a version of a public app with its files that wait for review (or,
        in an approved version, only the files added since)."""
        policy.authorize(user, "apps.review")
        decision, comment = lifecycle.checked_decision(decision, comment)
        self._check_reviewed_separately(app)
        before = version.review_status
        after = lifecycle.next_review_status(before, decision)
        live = (await self._files_of([version.id], tuple(m.ReviewStatus))).get(version.id, [])
        files = [
            (artifact, moved)
            for artifact in live
            if (moved := lifecycle.next_review_status(artifact.review_status, decision)) is not None
        ]
        if after is None and not files:
            raise Conflict(
                _("Nothing in version %(version)s is waiting for review."), version=version.version
            )
        if after is not None:
            version.review_status = after
        for artifact, moved in files:
            artifact.review_status = moved
        version.review_comment = comment
        changes: dict[str, Any] = {"version": [version.version, version.version]}
        if after is not None:
            changes["review_status"] = [before, after]
        if files:
            changes["files"] = [None, [artifact.filename for artifact, _moved in files]]
        audit.record(
            self.session,
            app,
            user,
            "version_approved" if decision == "approve" else "version_returned",
            changes=changes,
            comment=comment,
        )
        # The publisher's staff hear of the decision in their inbox, in the same transaction.
        kind = (
            m.NotificationKind.VERSION_APPROVED
            if decision == "approve"
            else m.NotificationKind.VERSION_RETURNED
        )
        params = {"app": app.name, "app_slug": app.slug, "version": version.version, "comment": comment}
        await self.session.execute(fanout.for_region(app.region_code, kind, app_id=app.id, params=params))
        await self.session.flush()
        return version

    async def review_screenshot(
        self, user: m.User | None, screenshot_id: int, decision: str, comment: str
    ) -> tuple[m.App, m.Screenshot]:
        policy.authorize(user, "apps.review")
        decision, comment = lifecycle.checked_decision(decision, comment)
        shot = await self.session.get(m.Screenshot, screenshot_id)
        app = await self.session.get(m.App, shot.app_id) if shot else None
        if shot is None or app is None:
            raise NotFound(_("No screenshot with this id."))
        self._check_reviewed_separately(app)
        after = lifecycle.next_review_status(shot.review_status, decision)
        if after is None:
            raise Conflict(_("This screenshot is not waiting for review."))
        before, shot.review_status, shot.review_comment = shot.review_status, after, comment
        audit.record(
            self.session,
            app,
            user,
            "screenshot_approved" if decision == "approve" else "screenshot_returned",
            changes={"screenshot": [shot.caption or shot.object_key] * 2, "review_status": [before, after]},
            comment=comment,
        )
        await self.session.flush()
        return app, shot

    async def mark_changes_seen(self, user: m.User | None, app: m.App, comment: str = "") -> ChangeSet:
        """The reviewer has read the edits since the last review: they leave the queue, and the
        audit log keeps what was seen."""
        policy.authorize(user, "apps.review")
        changes = await self.get_changes_since_review(app)
        if not changes:
            raise Conflict(_("Nothing changed since the last review."))
        audit.record(
            self.session,
            app,
            user,
            "changes_seen",
            changes=changes.diff,
            comment=comment.strip(),
        )
        await self.session.flush()
        return changes
