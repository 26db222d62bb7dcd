"""Apps: create, edit, list and filter, and move through review. Rules live here; callers commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from store.db import models as m
from store.lib import policy
from store.lib.errors import Conflict, NotFound, ValidationFailed, field_error
from store.lib.i18n import _, gettext
from store.lib.pagination import paginate
from store.notifications import fanout

from . import audit, lifecycle, rules
from .labels import label
from .validation import clean_app

# How each life-cycle action reads in "it cannot be … now".
ACTION_WORDS = {
    "submit": _("submitted for review"),
    "approve": _("approved"),
    "return": _("returned"),
    "deprecate": _("deprecated"),
}
LABEL_KINDS_XC = (m.LabelKind.XC_CPU, m.LabelKind.XC_OS, m.LabelKind.XC_DB)


@dataclass(frozen=True)
class AppFilters:
    category: str | None = None
    region: str | None = None
    zone: str | None = None
    tag: str | None = None
    maturity: str | None = None
    xinchuang: str | None = None  # a CPU/OS/database name, or "any" for verified on anything
    kind: str | None = None
    q: str | None = None
    status: str = m.AppStatus.PUBLISHED


def _slug_from(data: dict[str, Any], region_code: str) -> str:
    base = "".join(
        ch if ch.isascii() and ch.isalnum() else "-" for ch in str(data.get("name_en") or "").lower()
    )
    base = "-".join(part for part in base.split("-") if part)[:48]
    return base if len(base) >= 3 else f"app-{region_code}-{secrets.token_hex(3)}"


class AppRepository(SQLAlchemyAsyncRepository[m.App]):
    """advanced-alchemy's queries on apps (a page with its total)."""

    model_type = m.App


class AppService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ reading

    async def get(self, slug: str, user: m.User | None) -> m.App:
        """The app, if this user may see it; otherwise 404 (drafts do not reveal they exist)."""
        app = await self.session.scalar(select(m.App).where(m.App.slug == slug))
        if app is None or not rules.can_view_app(user, app.status, app.region_code):
            raise NotFound(_("No app with the slug %(slug)s."), slug=slug)
        return app

    def _filtered(self, filters: AppFilters, user: m.User | None) -> Select[Any]:
        if filters.status == "all_mine":
            query = select(m.App).where(rules.own_apps(user))
        else:
            query = select(m.App).where(m.App.status == filters.status, rules.visible_apps(user))
        if filters.category:
            query = query.where(m.App.category == filters.category)
        if filters.kind:
            query = query.where(m.App.kind == filters.kind)
        if filters.maturity:
            query = query.where(m.App.maturity == filters.maturity)
        if filters.region:
            in_region = select(m.Region.code).where(
                or_(m.Region.code == filters.region, m.Region.parent_code == filters.region)
            )
            query = query.where(m.App.region_code.in_(in_region))
        if filters.zone:
            zone_regions = select(m.Region.code).where(m.Region.zone == filters.zone)
            query = query.where(m.App.region_code.in_(zone_regions))
        if filters.tag:
            query = query.where(self._has_label((m.LabelKind.TAG,), filters.tag))
        if filters.xinchuang:
            value = None if filters.xinchuang == "any" else filters.xinchuang
            query = query.where(self._has_label(LABEL_KINDS_XC, value))
        if filters.q:
            pattern = f"%{filters.q.strip()[:100]}%"
            query = query.where(
                or_(m.App.name.ilike(pattern), m.App.name_en.ilike(pattern), m.App.summary.ilike(pattern))
            )
        return query

    @staticmethod
    def _has_label(kinds: tuple[str, ...], value: str | None) -> Any:
        condition = (m.AppLabel.app_id == m.App.id) & m.AppLabel.kind.in_(kinds)
        if value is not None:
            condition = condition & (m.AppLabel.value == value)
        return exists().where(condition)

    async def list_apps(
        self, filters: AppFilters, user: m.User | None, *, page: int = 1, per_page: int = 20
    ) -> OffsetPagination[m.App]:
        order = (
            (m.App.submitted_at.asc(), m.App.id.asc())
            if filters.status == m.AppStatus.SUBMITTED
            else (m.App.published_at.desc().nullslast(), m.App.updated_at.desc(), m.App.id.desc())
        )
        query = self._filtered(filters, user).order_by(*order)
        return await paginate(AppRepository(session=self.session), query, page=page, per_page=per_page)

    async def list_submissions(
        self, user: m.User | None, *, page: int = 1, per_page: int = 50
    ) -> OffsetPagination[m.App]:
        """Submissions waiting for review, oldest first."""
        policy.authorize(user, "apps.review")
        return await self.list_apps(
            AppFilters(status=m.AppStatus.SUBMITTED), user, page=page, per_page=per_page
        )

    async def list_history(self, app: m.App, user: m.User | None) -> list[m.AuditEntry]:
        """Shown to the publisher and provincial staff only."""
        policy.authorize(user, "apps.read_history", app.region_code)
        rows = await self.session.scalars(
            select(m.AuditEntry)
            .where(m.AuditEntry.app_id == app.id)
            .order_by(m.AuditEntry.at, m.AuditEntry.id)
        )
        return list(rows)

    async def list_screenshots(self, app: m.App, user: m.User | None) -> list[m.Screenshot]:
        """The screenshots this user may see: approved ones, and to the publisher's region and
        provincial staff also those waiting for review."""
        query = select(m.Screenshot).where(
            m.Screenshot.app_id == app.id,
            rules.visible_items(user, app.region_code, m.Screenshot.review_status),
        )
        return list(await self.session.scalars(query.order_by(m.Screenshot.id)))

    async def find_latest_version(self, app: m.App) -> m.Version | None:
        """The highest version by semver that is not yanked and that the public gets: approved,
        or, while the app itself awaits approval, pending (approving the app approves it)."""
        shown = (
            [m.ReviewStatus.APPROVED]
            if app.status in lifecycle.REVIEWED_SEPARATELY
            else [m.ReviewStatus.APPROVED, m.ReviewStatus.PENDING]
        )
        return await self.session.scalar(
            select(m.Version)
            .where(
                m.Version.app_id == app.id,
                m.Version.yanked.is_(False),
                m.Version.review_status.in_(shown),
            )
            .order_by(m.Version.sort_key.desc())
            .limit(1)
            # Callers want its number (the API, the page's "latest" badge), not its files: one
            # statement fewer per app page and API answer. Reading them anyway fails loudly.
            .options(raiseload(m.Version.artifacts))
        )

    # ------------------------------------------------------------------ writing

    def _set_labels(self, app: m.App, labels: dict[str, list[str]]) -> None:
        for kind, values in labels.items():
            keep = [label for label in app.labels if label.kind != kind]
            app.labels = keep + [m.AppLabel(kind=kind, value=value) for value in values]

    async def create(self, user: m.User | None, data: dict[str, Any]) -> m.App:
        policy.authorize(user, "apps.create")
        assert user is not None
        values = clean_app(data, current=None)
        labels = values.pop("labels")
        slug = values.pop("slug", None) or _slug_from(values, user.region_code)
        # The same answer whether the slug belongs to a public app or to a draft this user may
        # not see (or is taken by a parallel request): a hidden app's existence does not leak.
        unavailable = ValidationFailed(
            details=[
                field_error("slug", _("The slug %(slug)s is not available. Choose another one."), slug=slug)
            ]
        )
        if await self.session.scalar(select(m.App.id).where(m.App.slug == slug)) is not None:
            raise unavailable
        app = m.App(
            slug=slug, region_code=user.region_code, created_by_id=user.id, status=m.AppStatus.DRAFT, **values
        )
        app.labels = []
        self._set_labels(app, labels)
        self.session.add(app)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # the only unique column is the slug
            raise unavailable from exc
        audit.record(self.session, app, user, "created", changes={"slug": [None, slug]})
        await self.session.flush()
        await self.session.refresh(app)
        return app

    async def update(self, user: m.User | None, app: m.App, data: dict[str, Any]) -> m.App:
        policy.authorize(user, "apps.edit", app.region_code)
        if app.status not in lifecycle.EDITABLE:
            raise Conflict(_("An app under review or deprecated cannot be edited."))
        before = audit.snapshot(app)
        values = clean_app(data, current=app)
        labels = values.pop("labels")
        for key, value in values.items():
            setattr(app, key, value)
        self._set_labels(app, labels)
        await self.session.flush()
        changes = audit.diff(before, audit.snapshot(app))
        if changes:
            audit.record(self.session, app, user, "edited", changes=changes)
            await self.session.flush()
        await self.session.refresh(app)
        return app

    async def _move(self, app: m.App, action: str) -> str:
        new_status = lifecycle.next_status(app.status, action)
        if new_status is None:
            raise Conflict(
                _("This app is %(status)s, so it cannot be %(action)s now."),
                status=label("status", app.status),
                action=gettext(ACTION_WORDS[action]),
            )
        return new_status

    async def submit(self, user: m.User | None, app: m.App) -> m.App:
        policy.authorize(user, "apps.submit", app.region_code)
        new_status = await self._move(app, "submit")
        has_file = await self.session.scalar(
            select(func.count())
            .select_from(m.Artifact)
            .join(m.Version)
            .where(m.Version.app_id == app.id, m.Artifact.removed_at.is_(None))
        )
        if not has_file:
            raise Conflict(_("Add a version with at least one file before submitting for review."))
        app.status = new_status
        app.submitted_at = m.utcnow()
        audit.record(
            self.session, app, user, "submitted", changes={"status": [m.AppStatus.DRAFT, new_status]}
        )
        await self.session.flush()
        return app

    async def review(self, user: m.User | None, app: m.App, decision: str, comment: str) -> m.App:
        policy.authorize(user, "apps.review")
        decision, comment = lifecycle.checked_decision(decision, comment)
        old_status = app.status
        app.status = await self._move(app, decision)
        app.review_comment = comment
        if decision == "approve":
            app.published_at = app.published_at or m.utcnow()
            await self._approve_contents(app)
        audit.record(
            self.session,
            app,
            user,
            "approved" if decision == "approve" else "returned",
            changes={"status": [old_status, app.status]},
            comment=comment,
        )
        # The publisher's staff hear of the decision in their inbox, in the same transaction.
        kind = m.NotificationKind.APP_APPROVED if decision == "approve" else m.NotificationKind.APP_RETURNED
        params = {"app": app.name, "app_slug": app.slug, "comment": comment}
        await self.session.execute(fanout.for_region(app.region_code, kind, app_id=app.id, params=params))
        await self.session.flush()
        return app

    async def _approve_contents(self, app: m.App) -> None:
        """Approving an app approves everything in it that waited for this review (what was
        returned stays returned until the publisher resubmits it)."""
        pending = m.ReviewStatus.PENDING
        rows: list[m.Version | m.Artifact | m.Screenshot] = []
        rows += await self.session.scalars(
            select(m.Version).where(m.Version.app_id == app.id, m.Version.review_status == pending)
        )
        rows += await self.session.scalars(
            select(m.Artifact)
            .join(m.Version)
            .where(m.Version.app_id == app.id, m.Artifact.review_status == pending)
        )
        rows += await self.session.scalars(
            select(m.Screenshot).where(m.Screenshot.app_id == app.id, m.Screenshot.review_status == pending)
        )
        for row in rows:
            row.review_status = m.ReviewStatus.APPROVED

    async def deprecate(
        self, user: m.User | None, app: m.App, reason: str, successor_slug: str | None
    ) -> m.App:
        policy.authorize(user, "apps.deprecate", app.region_code)
        reason = reason.strip()
        errors = []
        if not reason:
            errors.append(field_error("reason", _("Say why the app is deprecated.")))
        successor = None
        if successor_slug:
            successor = await self.session.scalar(select(m.App).where(m.App.slug == successor_slug))
            if successor is None or successor.id == app.id or successor.status != m.AppStatus.PUBLISHED:
                errors.append(field_error("successor", _("The successor must be another published app.")))
        if errors:
            raise ValidationFailed(details=errors)
        old_status = app.status
        app.status = await self._move(app, "deprecate")
        app.deprecation_reason = reason
        app.successor_id = successor.id if successor else None
        audit.record(
            self.session,
            app,
            user,
            "deprecated",
            changes={"status": [old_status, app.status], "successor": [None, successor_slug]},
            comment=reason,
        )
        await self.session.flush()
        await self.session.refresh(app)
        return app
