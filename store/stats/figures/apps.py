"""Which apps spread and which wait: the most reused apps with their adopters, and published
apps nobody has taken up yet (candidates for promotion). One statement each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.db import models as m

from ..filters import StatsFilters
from ._sql import app_filters, live_in, public_app, published_in
from ._values import plain

MAX_LIMIT = 100
# An app whose adoptions all ended in one of these was never taken up.
NOT_TAKEN_UP: tuple[str, ...] = (m.AdoptionStatus.DECLINED, m.AdoptionStatus.WITHDRAWN)


@dataclass(frozen=True)
class TopApp:
    slug: str
    name: str
    region_code: str  # the publishing region (a district stays itself here)
    region_name: str
    live: int  # live adoptions that went live in the period
    adopters: list[str]  # names of the adopting regions (districts by their own name), in code order

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class AppRef:
    slug: str
    name: str
    region_code: str
    region_name: str
    published_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class AppFigures:
    top: list[TopApp]  # most live adoptions first; ties by slug
    unadopted: list[AppRef]  # waiting longest first

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def checked_limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


async def top_apps(session: AsyncSession, f: StatsFilters, limit: int) -> list[TopApp]:
    """The public apps with the most live adoptions, and who adopted them. The ranking is a
    grouped subquery cut at ``limit``; the same statement lists each ranked app's live adopters
    (one open adoption per app and region, so a few rows per app)."""
    A = m.Adoption
    ranked = (
        select(m.App.id.label("app_id"), func.count(A.id).label("live"))
        .select_from(A)
        .join(m.App, m.App.id == A.app_id)
        .where(public_app(), live_in(f), *app_filters(f))
        .group_by(m.App.id, m.App.slug)
        .order_by(func.count(A.id).desc(), m.App.slug)
        .limit(checked_limit(limit))
        .subquery("ranked")
    )
    adoption = aliased(m.Adoption, name="adoption")
    publisher = aliased(m.Region, name="publisher")
    adopter = aliased(m.Region, name="adopter")
    rows = await session.execute(
        select(
            m.App.slug,
            m.App.name,
            m.App.region_code,
            publisher.name.label("region_name"),
            ranked.c.live,
            adopter.name.label("adopter"),
        )
        .select_from(ranked)
        .join(m.App, m.App.id == ranked.c.app_id)
        .join(publisher, publisher.code == m.App.region_code)
        .join(adoption, adoption.app_id == ranked.c.app_id)
        .join(adopter, adopter.code == adoption.adopter_region_code)
        .where(live_in(f, adoption))
        .order_by(ranked.c.live.desc(), m.App.slug, adopter.code)
    )
    apps: list[TopApp] = []
    for row in rows:
        if not apps or apps[-1].slug != row.slug:
            apps.append(
                TopApp(
                    slug=row.slug,
                    name=row.name,
                    region_code=row.region_code,
                    region_name=row.region_name,
                    live=int(row.live),
                    adopters=[],
                )
            )
        apps[-1].adopters.append(row.adopter)
    return apps


async def unadopted_apps(session: AsyncSession, f: StatsFilters, limit: int) -> list[AppRef]:
    """Apps in the catalog now (published, not deprecated), first published in the period, with
    no adoption other than declined or withdrawn ones; the longest waiting first."""
    taken_up = (
        select(m.Adoption.id)
        .where(m.Adoption.app_id == m.App.id, m.Adoption.status.not_in(NOT_TAKEN_UP))
        .exists()
    )
    rows = await session.execute(
        select(m.App.slug, m.App.name, m.App.region_code, m.Region.name, m.App.published_at)
        .join(m.Region, m.Region.code == m.App.region_code)
        .where(
            m.App.status == m.AppStatus.PUBLISHED,
            published_in(f),
            ~taken_up,
            *app_filters(f),
        )
        .order_by(m.App.published_at, m.App.slug)
        .limit(checked_limit(limit))
    )
    return [
        AppRef(slug=slug, name=name, region_code=code, region_name=region, published_at=published_at)
        for slug, name, code, region, published_at in rows
    ]


async def app_figures(session: AsyncSession, f: StatsFilters, limit: int = 20) -> AppFigures:
    return AppFigures(
        top=await top_apps(session, f, limit), unadopted=await unadopted_apps(session, f, limit)
    )
