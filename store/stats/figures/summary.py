"""Totals for the period: apps, versions, adoptions by state, live adoptions, reuse rate, saving,
and how far reuse reaches (cities, 粤东西北). One row: four one-row aggregates side by side — the
adoption cells, the apps with a live adoption, the apps published, the versions. It is a
statement of its own (``summary``) or joined to the figures by place, which count the same
adoption cells (``places``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Subquery, and_, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog.rules import SHOWN_TO_PUBLIC
from store.db import models as m

from ..filters import StatsFilters
from ._sql import (
    adoption_cells,
    app_filters,
    live_in,
    moment_in,
    public_app,
    published_in,
    region_cities,
)
from ._values import money, plain, ratio

STATES: tuple[str, ...] = tuple(state.value for state in m.AdoptionStatus)


@dataclass(frozen=True)
class Summary:
    published_apps: int
    versions: int
    adoptions_by_state: dict[str, int]  # every state, zeros included
    live_adoptions: int
    live_confirmed: int  # live adoptions the publisher confirmed
    apps_with_live_adoption: int
    reuse_rate: float  # 0–1
    saving_wan_total: Decimal
    regions_with_live_adoption: int  # cities (districts rolled up), 0–21
    yuedongxibei_cities_with_live: int  # 0–12
    yuedongxibei_share_of_live: float  # 0–1

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def totals(f: StatsFilters, cells: Any) -> Subquery:
    """The summary's numbers as one row, the adoption totals summed from ``cells``
    (``adoption_cells(f)``)."""
    c = cells.c
    adopter = region_cities("adopter")
    live = c.live == 1
    in_ewn = adopter.c.ewn.is_(True)
    adoption_totals = (
        select(
            *(
                func.sum(c.n).filter(c.requested == 1, c.status == state).label(f"state_{state}")
                for state in STATES
            ),
            func.sum(c.n).filter(live).label("live"),
            func.sum(c.n).filter(live, c.confirmation == m.Confirmation.CONFIRMED).label("confirmed"),
            func.sum(c.saving).filter(live).label("saving"),
            func.count(func.distinct(adopter.c.city_code)).filter(live).label("cities"),
            func.count(func.distinct(adopter.c.city_code)).filter(live, in_ewn).label("ewn_cities"),
            func.sum(c.n).filter(live, in_ewn).label("ewn_live"),
        )
        .select_from(cells)
        .join(adopter, adopter.c.region_code == c.adopter_region)
        .subquery("adoption_totals")
    )

    # Per app with a live adoption: is it a published app live outside its home city?
    A = m.Adoption
    app_place = region_cities("app_place")
    adopter_place = region_cities("adopter_place")
    outside = and_(adopter_place.c.city_code != app_place.c.city_code, published_in(f))
    live_apps = (
        select(A.app_id, func.max(case((outside, 1), else_=0)).label("reused"))
        .join(m.App, m.App.id == A.app_id)
        .join(app_place, app_place.c.region_code == m.App.region_code)
        .join(adopter_place, adopter_place.c.region_code == A.adopter_region_code)
        .where(live_in(f), *app_filters(f))
        .group_by(A.app_id)
        .subquery("live_apps")
    )
    app_totals = select(
        func.count().label("apps_live"), func.sum(live_apps.c.reused).label("apps_reused")
    ).subquery("app_totals")

    published = (
        select(func.count(m.App.id).label("published"))
        .where(published_in(f), *app_filters(f))
        .subquery("published_totals")
    )
    versions = (
        select(func.count(m.Version.id).label("versions"))
        .join(m.App, m.App.id == m.Version.app_id)
        .where(
            public_app(),
            m.Version.review_status == SHOWN_TO_PUBLIC,
            m.Version.yanked.is_(False),
            moment_in(m.Version.created_at, f),
            *app_filters(f),
        )
        .subquery("version_totals")
    )
    return (
        select(adoption_totals, app_totals, published.c.published, versions.c.versions)
        .select_from(adoption_totals)
        .join(app_totals, true())
        .join(published, true())
        .join(versions, true())
        .subquery("summary_totals")
    )


TOTALS: tuple[str, ...] = (
    *(f"state_{state}" for state in STATES),
    "live",
    "confirmed",
    "saving",
    "cities",
    "ewn_cities",
    "ewn_live",
    "apps_live",
    "apps_reused",
    "published",
    "versions",
)  # the columns of ``totals``


async def summary(session: AsyncSession, f: StatsFilters) -> Summary:
    row = (await session.execute(select(totals(f, adoption_cells(f))))).one()
    return summary_of(row._mapping)


def summary_of(row: Mapping[Any, Any]) -> Summary:
    """The summary out of a row holding the columns of ``totals``."""
    values = {key: row[key] or 0 for key in TOTALS}
    number = {key: int(value) for key, value in values.items() if key != "saving"}
    return Summary(
        published_apps=number["published"],
        versions=number["versions"],
        adoptions_by_state={state: number[f"state_{state}"] for state in STATES},
        live_adoptions=number["live"],
        live_confirmed=number["confirmed"],
        apps_with_live_adoption=number["apps_live"],
        reuse_rate=ratio(number["apps_reused"], number["published"]),
        saving_wan_total=money(values["saving"]),
        regions_with_live_adoption=number["cities"],
        yuedongxibei_cities_with_live=number["ewn_cities"],
        yuedongxibei_share_of_live=ratio(number["ewn_live"], number["live"]),
    )
