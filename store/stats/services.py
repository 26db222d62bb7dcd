"""Figures computed by the database (aggregate SQL), never by summing rows in Python."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog.rules import SHOWN_TO_PUBLIC
from store.db import models as m


@dataclass(frozen=True)
class CatalogFigures:
    """What the home page shows about the catalog."""

    apps: int
    publishing_regions: int
    ewn_apps: int  # published apps whose publisher is in 粤东西北
    versions: int  # approved versions of published apps that are not withdrawn


class StatsService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_catalog_figures(self) -> CatalogFigures:
        published = m.App.status == m.AppStatus.PUBLISHED
        in_ewn = m.Region.is_east_west_north.is_(True)
        row = (
            await self.session.execute(
                select(
                    func.count(m.App.id),
                    func.count(func.distinct(m.App.region_code)),
                    func.count(m.App.id).filter(in_ewn),
                )
                .select_from(m.App)
                .join(m.Region, m.Region.code == m.App.region_code)
                .where(published)
            )
        ).one()
        versions = await self.session.scalar(
            select(func.count())
            .select_from(m.Version)
            .join(m.App)
            .where(
                published,
                m.Version.yanked.is_(False),
                m.Version.review_status == SHOWN_TO_PUBLIC,  # not those still in review
            )
        )
        return CatalogFigures(apps=row[0], publishing_regions=row[1], ewn_apps=row[2], versions=versions or 0)
