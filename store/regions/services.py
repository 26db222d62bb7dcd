"""Regions: read by everyone; districts are added under a city by provincial admins."""

from __future__ import annotations

import re

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.errors import Conflict, NotFound, ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.pagination import paginate

CODE_RE = re.compile(r"^\d{6}$")


class RegionRepository(SQLAlchemyAsyncRepository[m.Region]):
    """advanced-alchemy's queries on regions (a page with its total)."""

    model_type = m.Region
    id_attribute = "code"


class RegionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_regions(
        self, *, level: str | None = None, parent: str | None = None, page: int = 1, per_page: int = 100
    ) -> OffsetPagination[m.Region]:
        query = select(m.Region)
        if level:
            query = query.where(m.Region.level == level)
        if parent:
            query = query.where(m.Region.parent_code == parent)
        query = query.order_by(m.Region.code)
        return await paginate(RegionRepository(session=self.session), query, page=page, per_page=per_page)

    async def get(self, code: str) -> m.Region:
        region = await self.session.get(m.Region, code) if CODE_RE.match(code) else None
        if region is None:
            raise NotFound(_("No region with code %(code)s."), code=code)
        return region

    async def add_district(self, *, parent_code: str, code: str, name: str, name_en: str = "") -> m.Region:
        errors = []
        parent = await self.session.get(m.Region, parent_code) if CODE_RE.match(parent_code) else None
        if parent is None or parent.level != m.RegionLevel.CITY:
            errors.append(field_error("parent", _("Choose one of the 21 prefecture-level cities.")))
        if not CODE_RE.match(code):
            errors.append(field_error("code", _("A region code has exactly six digits (GB/T 2260).")))
        elif parent is not None and (code[:4] != parent.code[:4] or code.endswith("00")):
            errors.append(
                field_error(
                    "code",
                    _(
                        "A district code starts with its city's first four digits (%(prefix)s) "
                        "and does not end in 00."
                    ),
                    prefix=parent.code[:4],
                )
            )
        name = name.strip()
        if not name or len(name) > 50:
            errors.append(field_error("name", _("Enter a name of 1 to 50 characters.")))
        if len(name_en) > 100:
            errors.append(field_error("name_en", _("The English name may have at most 100 characters.")))
        if errors:
            raise ValidationFailed(details=errors)
        assert parent is not None
        exists = Conflict(_("A region with code %(code)s already exists."), code=code)
        if await self.session.get(m.Region, code) is not None:
            raise exists
        region = m.Region(
            code=code,
            name=name,
            name_en=name_en.strip(),
            level=m.RegionLevel.DISTRICT,
            parent_code=parent.code,
            zone=parent.zone,
            is_east_west_north=parent.is_east_west_north,
        )
        self.session.add(region)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # added by a parallel request since the check
            raise exists from exc
        return region
