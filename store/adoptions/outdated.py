"""Who runs outdated versions: the open adoptions whose current version was withdrawn, is older
than a public security release, or is older than the latest public version, each with the reason.

One aggregate query answers it for one app, for the apps of a publishing region, for the
adoptions of an adopting region, or for all: per app, the newest public version and the newest
public security release (semver order, ``versions.sort_key``), compared with the version each
running adoption names. "Public" is what adopters are offered: approved by review, not withdrawn.
The worst reason wins: withdrawn, then security, then merely behind.

Shown on the app page to the publisher's staff and provincial staff (:func:`app_page_section`),
on ``/adoptions/outdated`` and as ``GET /api/v1/apps/{slug}/outdated-adoptions``
(``outdated_pages``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.catalog.rules import can_view_unreviewed, visible_apps
from store.db import models as m
from store.db.models._adoption import Adoption
from store.lib.i18n import _, gettext

from .alerts import RUNNING
from .services._common import in_region

SECTION_LIMIT = 200  # an app has at most one open adoption per region: far below this


class Reason(StrEnum):
    YANKED = "yanked"  # the version it runs was withdrawn
    SECURITY = "security"  # a newer public version fixes a security problem
    BEHIND = "behind"  # a newer public version exists


REASONS = {
    Reason.YANKED: _("Runs a withdrawn version"),
    Reason.SECURITY: _("A security fix is available"),
    Reason.BEHIND: _("A newer version is available"),
}
SEVERITY = {Reason.YANKED: 0, Reason.SECURITY: 1, Reason.BEHIND: 2}


@dataclass(frozen=True)
class OutdatedAdoption:
    adoption_id: int
    status: str
    app_id: int
    app_slug: str
    app_name: str
    publisher_region: str
    region: m.Region  # the adopting region
    version: str  # the version it runs
    latest: str | None  # the newest public version (None when every version was withdrawn)
    security_fix: str | None  # the newest public security release, when newer than ``version``
    yank_reason: str  # why ``version`` was withdrawn ("" when it was not)
    reason: Reason

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language."""
        return gettext(REASONS[self.reason])


@dataclass(frozen=True)
class Scope:
    """Which adoptions to look at; every condition given must hold (none: all)."""

    app_id: int | None = None
    publisher_region: str | None = None  # the app's region (a city includes its districts)
    adopter_region: str | None = None  # the adopting region (a city includes its districts)
    reason: Reason | None = None
    # Only apps this user may see (a list across apps; an app's own page has checked already).
    viewer: m.User | None = None


def _statement(scope: Scope) -> Select[Any]:
    current = aliased(m.Version)
    public = and_(m.Version.review_status == m.ReviewStatus.APPROVED, m.Version.yanked.is_(False))
    newest = (
        select(
            m.Version.app_id.label("app_id"),
            func.max(m.Version.sort_key).label("latest_key"),
            func.max(case((m.Version.security_fix.is_(True), m.Version.sort_key))).label("fix_key"),
        )
        .where(public)
        .group_by(m.Version.app_id)
        .subquery("newest")
    )

    def newest_named(*conditions: Any) -> Any:
        """The version string of the newest public version of the adoption's app (that meets
        ``conditions``): versions differing only in build metadata share a sort key."""
        return (
            select(m.Version.version)
            .where(m.Version.app_id == Adoption.app_id, public, *conditions)
            .order_by(m.Version.sort_key.desc(), m.Version.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    yanked = current.yanked.is_(True)
    # '' sorts below every key: an app without a (security) release is never newer.
    insecure = func.coalesce(newest.c.fix_key, "") > current.sort_key
    behind = func.coalesce(newest.c.latest_key, "") > current.sort_key
    reason = case(
        (yanked, literal(Reason.YANKED.value)),
        (insecure, literal(Reason.SECURITY.value)),
        else_=literal(Reason.BEHIND.value),
    )
    severity = case((yanked, 0), (insecure, 1), else_=2)
    statement = (
        select(
            Adoption.id,
            Adoption.status,
            Adoption.app_id,
            m.App.slug,
            m.App.name.label("app_name"),
            m.App.region_code.label("publisher_region"),
            m.Region,
            Adoption.current_version,
            newest_named().label("latest"),
            case((insecure, newest_named(m.Version.security_fix.is_(True))), else_=literal(None)).label(
                "security_fix"
            ),
            current.yank_reason,
            reason.label("reason"),
        )
        .join(m.App, m.App.id == Adoption.app_id)
        .join(m.Region, m.Region.code == Adoption.adopter_region_code)
        .join(current, and_(current.app_id == Adoption.app_id, current.version == Adoption.current_version))
        .outerjoin(newest, newest.c.app_id == Adoption.app_id)
        .where(Adoption.status.in_(RUNNING), or_(yanked, insecure, behind))
        .order_by(severity, m.App.name, m.App.id, Adoption.adopter_region_code)
    )
    if scope.app_id is not None:
        statement = statement.where(Adoption.app_id == scope.app_id)
    if scope.publisher_region:
        statement = statement.where(in_region(m.App.region_code, scope.publisher_region))
    if scope.adopter_region:
        statement = statement.where(in_region(Adoption.adopter_region_code, scope.adopter_region))
    if scope.viewer is not None:
        statement = statement.where(visible_apps(scope.viewer))
    if scope.reason == Reason.YANKED:
        statement = statement.where(yanked)
    elif scope.reason == Reason.SECURITY:
        statement = statement.where(~yanked, insecure)
    elif scope.reason == Reason.BEHIND:
        statement = statement.where(~yanked, ~insecure)
    return statement


def _row(row: Any) -> OutdatedAdoption:
    return OutdatedAdoption(
        adoption_id=row.id,
        status=row.status,
        app_id=row.app_id,
        app_slug=row.slug,
        app_name=row.app_name,
        publisher_region=row.publisher_region,
        region=row.Region,
        version=row.current_version,
        latest=row.latest,
        security_fix=row.security_fix,
        yank_reason=row.yank_reason or "",
        reason=Reason(row.reason),
    )


async def outdated_adoptions(
    session: AsyncSession, scope: Scope, *, limit: int = SECTION_LIMIT, offset: int = 0
) -> list[OutdatedAdoption]:
    """The running adoptions in ``scope`` on an outdated version: withdrawn first, then those
    missing a security fix, then those merely behind; by app and adopting region within each."""
    rows = await session.execute(_statement(scope).limit(limit).offset(offset))
    return [_row(row) for row in rows]


async def count_outdated(session: AsyncSession, scope: Scope) -> int:
    """How many running adoptions in ``scope`` are on an outdated version."""
    inner = _statement(scope).order_by(None).subquery()
    return await session.scalar(select(func.count()).select_from(inner)) or 0


def may_see(user: m.User | None, app: m.App) -> bool:
    """The publisher's staff and provincial staff see who runs outdated versions of an app."""
    return can_view_unreviewed(user, app.region_code)


async def app_page_section(db_session: AsyncSession, app: m.App, user: m.User | None) -> dict[str, Any]:
    """The app page's "who runs outdated versions", for the publisher's staff and provincial
    staff; nothing for anyone else (the template shows the section only when it is given)."""
    if not may_see(user, app):
        return {}
    return {"outdated_adoptions": await outdated_adoptions(db_session, Scope(app_id=app.id))}
