"""Reading adoptions: one (with its history and versions), a filtered page, a region's page."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.service import OffsetPagination
from sqlalchemy import Select, func, select

from store.catalog import rules as catalog_rules
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEvent, AdoptionVersion
from store.lib.errors import NotFound, ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.pagination import paginate

from .. import lifecycle
from ._common import AdoptionFilters, AdoptionRepository, S, ServiceBase, in_region, offered_version


class Reading(ServiceBase):
    async def get(self, adoption_id: int, user: m.User | None) -> Adoption:
        """The adoption, if its app is visible to ``user``; otherwise 404."""
        adoption = await self.session.get(Adoption, adoption_id)
        if adoption is None or not catalog_rules.can_view_app(
            user, adoption.app.status, adoption.app.region_code
        ):
            raise NotFound(_("No adoption with the number %(id)s."), id=adoption_id)
        return adoption

    async def list_history(self, adoption: Adoption) -> list[AdoptionEvent]:
        rows = await self.session.scalars(
            select(AdoptionEvent).where(AdoptionEvent.adoption_id == adoption.id).order_by(AdoptionEvent.id)
        )
        return list(rows)

    async def list_versions(self, adoption: Adoption) -> list[AdoptionVersion]:
        rows = await self.session.scalars(
            select(AdoptionVersion)
            .where(AdoptionVersion.adoption_id == adoption.id)
            .order_by(AdoptionVersion.id)
        )
        return list(rows)

    def _filtered(self, filters: AdoptionFilters, user: m.User | None) -> Select[Any]:
        query = (
            select(Adoption).join(m.App, m.App.id == Adoption.app_id).where(catalog_rules.visible_apps(user))
        )
        if filters.app:
            query = query.where(m.App.slug == filters.app)
        if filters.region:
            query = query.where(in_region(Adoption.adopter_region_code, filters.region))
        if filters.publisher_region:
            query = query.where(in_region(m.App.region_code, filters.publisher_region))
        if filters.status:
            query = query.where(Adoption.status == filters.status)
        return query

    async def list_adoptions(
        self, filters: AdoptionFilters, user: m.User | None, *, page: int = 1, per_page: int = 20
    ) -> OffsetPagination[Adoption]:
        """Adoptions of the apps ``user`` may see, most recently changed first."""
        if filters.status and filters.status not in frozenset(S):
            raise ValidationFailed(
                details=[field_error("status", _("Choose one of: %(statuses)s."), statuses=", ".join(S))]
            )
        query = self._filtered(filters, user).order_by(Adoption.updated_at.desc(), Adoption.id.desc())
        return await paginate(AdoptionRepository(session=self.session), query, page=page, per_page=per_page)

    async def list_for_region(
        self,
        code: str,
        role: str,
        user: m.User | None,
        *,
        status: str | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> OffsetPagination[Adoption]:
        """A region's adoptions as ``adopter`` (what it reuses) or ``publisher`` (who reuses its apps)."""
        if role == "adopter":
            filters = AdoptionFilters(region=code, status=status)
        elif role == "publisher":
            filters = AdoptionFilters(publisher_region=code, status=status)
        else:
            raise ValidationFailed(details=[field_error("as", _("Choose adopter or publisher."))])
        return await self.list_adoptions(filters, user, page=page, per_page=per_page)

    async def count_by_status(self, filters: AdoptionFilters, user: m.User | None) -> dict[str, int]:
        """How many of the adoptions ``list_adoptions`` would list are in each status (every
        status, 0 included), in one aggregate query over the same rows."""
        listed = self._filtered(filters, user).subquery()
        rows = await self.session.execute(select(listed.c.status, func.count()).group_by(listed.c.status))
        counts: dict[str, int] = dict.fromkeys(S, 0)
        counts.update({status: count for status, count in rows.tuples()})
        return counts

    async def list_offered_versions(self, app: m.App) -> list[m.Version]:
        """The versions an adopter may name, newest first: approved by review and not yanked
        (the same condition a request and an upgrade are checked against)."""
        rows = await self.session.scalars(
            select(m.Version)
            .where(m.Version.app_id == app.id, offered_version())
            .order_by(m.Version.sort_key.desc())
        )
        return list(rows)

    async def find_open(self, app_id: int, region_code: str) -> Adoption | None:
        """The region's open adoption of the app (at most one, by the partial unique index)."""
        return await self.session.scalar(
            select(Adoption).where(
                Adoption.app_id == app_id,
                Adoption.adopter_region_code == region_code,
                Adoption.status.in_(lifecycle.OPEN),
            )
        )

    async def list_reusers(self, app_id: int, *, limit: int) -> list[Adoption]:
        """ "Who reuses this": the app's open and retired adoptions (not declined or withdrawn
        requests: nothing was reused there), the ``limit`` most recent."""
        rows = await self.session.scalars(
            select(Adoption)
            .where(Adoption.app_id == app_id, Adoption.status.in_((*lifecycle.OPEN, S.RETIRED)))
            .order_by(Adoption.id.desc())
            .limit(limit)
        )
        return list(rows)
