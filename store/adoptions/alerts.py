"""Version alerts: the regions running a version hear when it is yanked, or when a newer release
that fixes a security problem becomes public.

The store knows which version each region runs (``adoptions.current_version``), so these alerts
go exactly to the staff of the regions concerned: the adopting region's city staff (and, for a
district, its city's), through ``notifications.fanout.for_region``. Only adoptions that run the
app count: approved, deploying and live (a mere request runs nothing yet; closed ones no more).

:func:`version_alerts` is an event subscriber (``store/lib/events.py``) on ``AppChanged``: it runs
inside the commit of the change, on the sync session, so the notifications commit or roll back
with the yank or the approval, and a refused change alerts nobody. It reads with one query and
writes one ``INSERT … SELECT`` per affected adoption (one per adopting region: a region has at
most one open adoption of an app).

A version becomes public in two ways: a reviewer approves it in a public app (audit action
``version_approved`` with a ``review_status`` change), or the app itself is approved with the
versions that waited in it (``approved``; while an app is submitted or returned nothing of it is
public, so at that moment every approved version becomes public again). Either way, an adoption
hears of one security release at most once (the one query also says whether it was told of it
before), so a re-approved app does not repeat old alerts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from store.catalog.events import AppChanged
from store.catalog.lifecycle import PUBLIC
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionStatus
from store.lib.events import Event
from store.notifications.fanout import for_region

# Open adoptions that run their ``current_version`` (a request only names the one it wants).
RUNNING = (AdoptionStatus.APPROVED, AdoptionStatus.DEPLOYING, AdoptionStatus.LIVE)


def version_alerts(session: Session, event: Event) -> None:
    """Notify the regions running a yanked version, or a version older than a security release
    that has just become public. Quick and synchronous: it runs inside the commit."""
    if not isinstance(event, AppChanged):
        return
    if event.what == "version_yanked" and event.version:
        _alert_yanked(session, event.app_id, event.version)
    elif event.what == "version_approved" and event.version:
        if _made_public(session, event.app_id, event.version):
            _alert_security_release(session, event.app_id, only=event.version)
    elif event.what == "approved":
        _alert_security_release(session, event.app_id)


def _alert_yanked(session: Session, app_id: int, version: str) -> None:
    rows = session.execute(
        select(
            Adoption.id,
            Adoption.adopter_region_code,
            m.Region.name.label("region_name"),
            m.App.name.label("app_name"),
            m.App.slug,
            m.Version.yank_reason,
        )
        .join(m.App, m.App.id == Adoption.app_id)
        .join(m.Region, m.Region.code == Adoption.adopter_region_code)
        .join(
            m.Version,
            and_(m.Version.app_id == Adoption.app_id, m.Version.version == Adoption.current_version),
        )
        .where(
            Adoption.app_id == app_id,
            Adoption.current_version == version,
            Adoption.status.in_(RUNNING),
            m.Version.yanked.is_(True),
        )
        .order_by(Adoption.id)
    ).all()
    for row in rows:
        params = {
            "app": row.app_name,
            "app_slug": row.slug,
            "region": row.region_name,
            "version": version,
            "reason": row.yank_reason,
        }
        _notify(session, row.adopter_region_code, m.NotificationKind.VERSION_YANKED, app_id, row.id, params)


def _made_public(session: Session, app_id: int, version: str) -> bool:
    """Whether the review that was just recorded for ``version`` approved the version itself (not
    only files added to a version already public), and the version is a security fix."""
    security_fix = session.scalar(
        select(m.Version.security_fix).where(m.Version.app_id == app_id, m.Version.version == version)
    )
    if not security_fix:
        return False
    # The audit row of this review is in this transaction (the review flushed it): the last one.
    changes = session.scalar(
        select(m.AuditEntry.changes)
        .where(m.AuditEntry.app_id == app_id, m.AuditEntry.action == "version_approved")
        .order_by(m.AuditEntry.id.desc())
        .limit(1)
    )
    if not isinstance(changes, dict):
        return False
    named = changes.get("version")
    return isinstance(named, list) and version in named and "review_status" in changes


def _alert_security_release(session: Session, app_id: int, *, only: str | None = None) -> None:
    """Every running adoption of the app on a version older (semver) than a public security
    release (``only`` that release, or any): each is told of the newest such release, unless it
    was told of that one before."""
    current = aliased(m.Version)
    fix = aliased(m.Version)
    told = exists().where(
        m.Notification.adoption_id == Adoption.id,
        m.Notification.kind == m.NotificationKind.SECURITY_RELEASE.value,
        m.Notification.params["fixed_in"].as_string() == fix.version,
    )
    query = (
        select(
            Adoption.id,
            Adoption.adopter_region_code,
            Adoption.current_version,
            m.Region.name.label("region_name"),
            m.App.name.label("app_name"),
            m.App.slug,
            fix.version.label("fixed_in"),
            told.label("told"),
        )
        .join(m.App, m.App.id == Adoption.app_id)
        .join(m.Region, m.Region.code == Adoption.adopter_region_code)
        .join(current, and_(current.app_id == Adoption.app_id, current.version == Adoption.current_version))
        .join(
            fix,
            and_(
                fix.app_id == Adoption.app_id,
                fix.security_fix.is_(True),
                fix.review_status == m.ReviewStatus.APPROVED,
                fix.yanked.is_(False),
                fix.sort_key > current.sort_key,
            ),
        )
        .where(Adoption.app_id == app_id, Adoption.status.in_(RUNNING), m.App.status.in_(PUBLIC))
        .order_by(Adoption.id, fix.sort_key.desc())
    )
    if only is not None:
        query = query.where(fix.version == only)
    seen: set[int] = set()
    for row in session.execute(query):
        if row.id in seen:
            continue  # an older release: the newest one is what this adoption should move to
        seen.add(row.id)
        if row.told:
            continue
        params = {
            "app": row.app_name,
            "app_slug": row.slug,
            "region": row.region_name,
            "version": row.current_version,
            "fixed_in": row.fixed_in,
        }
        _notify(session, row.adopter_region_code, m.NotificationKind.SECURITY_RELEASE, app_id, row.id, params)


def _notify(
    session: Session,
    region_code: str,
    kind: m.NotificationKind,
    app_id: int,
    adoption_id: int,
    params: dict[str, Any],
) -> None:
    session.execute(for_region(region_code, kind, app_id=app_id, adoption_id=adoption_id, params=params))
