"""What a city or district has done in 粤复用: the apps it published (a city with its districts'),
what it adopted and from whom, who reuses its apps, and the figures that sum these up.

Read-only, and as the user may see it: every list and figure goes through the catalog's
visibility rule (``visible_apps``), so a draft of another region never shows and the figures
always match the rows listed. The figures are aggregate queries (``GROUP BY status`` with
``COUNT``/``SUM``), one per side, never sums over loaded rows.

It lives with adoptions, not regions: adoptions already import regions (``RegionService``), so
the arrow cannot point back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from advanced_alchemy.service import OffsetPagination
from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog import rules as catalog_rules
from store.catalog.services import AppRepository
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEvent, AdoptionEventKind, AdoptionStatus
from store.lib.errors import NotFound
from store.lib.i18n import _
from store.lib.pagination import paginate
from store.regions.services import RegionService

from .services import AdoptionService, live_adoption_counts
from .services._common import in_region

ADOPTER = "adopter"
CENTS = Decimal("0.01")
PUBLISHER = "publisher"


@dataclass(frozen=True)
class Tally:
    """One side's adoptions, counted by the database."""

    by_status: dict[str, int] = field(default_factory=dict)
    live_saving_wan: Decimal = Decimal(0)  # SUM(saving_wan) of the live ones
    live_regions: int = 0  # adopting regions with a live adoption
    live_apps: int = 0  # apps with a live adoption

    @property
    def live(self) -> int:
        return self.by_status.get(AdoptionStatus.LIVE, 0)


@dataclass(frozen=True)
class Place:
    """The region itself with its neighbours in the tree: its city (for a district) or its
    districts (for a city)."""

    region: m.Region
    city: m.Region | None
    districts: list[m.Region]


class RegionProfile:
    def __init__(self, session: AsyncSession, user: m.User | None) -> None:
        self.session = session
        self.user = user

    async def place(self, code: str) -> Place:
        """The city or district ``code``; 404 for an unknown code and for the province, which
        publishes and adopts nothing itself."""
        region = await RegionService(self.session).get(code)
        if region.level not in (m.RegionLevel.CITY, m.RegionLevel.DISTRICT):
            raise NotFound(_("No city or district with code %(code)s."), code=code)
        city = await self.session.get(m.Region, region.parent_code) if region.parent_code else None
        districts = list(
            await self.session.scalars(
                select(m.Region).where(m.Region.parent_code == region.code).order_by(m.Region.code)
            )
        )
        return Place(region, city if region.level == m.RegionLevel.DISTRICT else None, districts)

    # ------------------------------------------------------------------ what it published

    async def published_count(self, code: str) -> int:
        """Apps of the region (and its districts) in the catalog now."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(m.App)
            .where(m.App.status == m.AppStatus.PUBLISHED, in_region(m.App.region_code, code))
        )
        return count or 0

    async def apps(
        self, code: str, *, page: int, per_page: int
    ) -> tuple[OffsetPagination[m.App], dict[int, int]]:
        """The region's apps this user may see, newest first, with each one's live adoptions
        (one aggregate query for the page)."""
        query = (
            select(m.App)
            .where(catalog_rules.visible_apps(self.user), in_region(m.App.region_code, code))
            .order_by(m.App.published_at.desc().nullslast(), m.App.updated_at.desc(), m.App.id.desc())
        )
        found = await paginate(AppRepository(session=self.session), query, page=page, per_page=per_page)
        return found, await live_adoption_counts(self.session, [app.id for app in found.items])

    # ------------------------------------------------------------------ adoptions

    async def adoptions(
        self, code: str, side: str, *, page: int, per_page: int
    ) -> OffsetPagination[Adoption]:
        """What the region adopted (``adopter``) or who reuses its apps (``publisher``)."""
        return await AdoptionService(self.session).list_for_region(
            code, side, self.user, page=page, per_page=per_page
        )

    async def since(self, adoptions: list[Adoption]) -> dict[int, date | datetime]:
        """When each adoption reached its status: the go-live date it declared when live, else
        the moment of its last transition (one aggregate query)."""
        ids = [a.id for a in adoptions]
        moments: dict[int, date | datetime] = {}
        if ids:
            rows = await self.session.execute(
                select(AdoptionEvent.adoption_id, func.max(AdoptionEvent.at))
                .where(
                    AdoptionEvent.adoption_id.in_(ids),
                    AdoptionEvent.kind == AdoptionEventKind.TRANSITION,
                )
                .group_by(AdoptionEvent.adoption_id)
            )
            moments = {adoption_id: at for adoption_id, at in rows}
        for adoption in adoptions:
            if adoption.status == AdoptionStatus.LIVE and adoption.went_live_on:
                moments[adoption.id] = adoption.went_live_on
            moments.setdefault(adoption.id, adoption.created_at)
        return moments

    async def tally(self, code: str, side: str) -> Tally:
        """Counts by status, the live saving and how far the live ones reach, for one side."""
        column = Adoption.adopter_region_code if side == ADOPTER else m.App.region_code
        where: list[ColumnElement[bool]] = [catalog_rules.visible_apps(self.user), in_region(column, code)]
        rows = await self.session.execute(
            select(
                Adoption.status,
                func.count(),
                func.sum(Adoption.saving_wan),
                func.count(distinct(Adoption.adopter_region_code)),
                func.count(distinct(Adoption.app_id)),
            )
            .join(m.App, m.App.id == Adoption.app_id)
            .where(*where)
            .group_by(Adoption.status)
        )
        by_status: dict[str, int] = {}
        live: dict[str, Any] = {}
        for status, count, saving, regions, apps in rows:
            by_status[status] = count
            if status == AdoptionStatus.LIVE:
                live = {"saving": saving, "regions": regions, "apps": apps}
        return Tally(
            by_status=by_status,
            # SQLite sums NUMERIC as a float: back to the column's two decimals.
            live_saving_wan=Decimal(live.get("saving") or 0).quantize(CENTS),
            live_regions=live.get("regions", 0),
            live_apps=live.get("apps", 0),
        )
