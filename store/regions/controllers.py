"""Regions: public reading, districts added by provincial admins — the JSON API (the pages are in
pages.py)."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, get, post
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import requires

from . import schemas as s
from .services import RegionService

Level = Literal["province", "city", "district"]


class RegionsApi(Controller):
    path = "/api/v1/regions"
    tags = ["regions"]

    @get("/", name="api_region_list", summary="Regions: the province, its 21 cities and their districts")
    async def list_regions(
        self,
        db_session: AsyncSession,
        level: Level | None = None,
        parent: str | None = None,
        page: PageNumber = 1,
        per_page: int = items_per_page(100, maximum=500),
    ) -> s.RegionPageOut:
        found = await RegionService(db_session).list_regions(
            level=level, parent=parent, page=page, per_page=per_page
        )
        return s.RegionPageOut.of(found, s.RegionOut.of)

    @get("/{code:str}", name="api_region_detail", summary="One region by its GB/T 2260 code")
    async def get_region(self, db_session: AsyncSession, code: str) -> s.RegionOut:
        return s.RegionOut.of(await RegionService(db_session).get(code))

    @post(
        "/",
        name="api_region_create",
        summary="Add a district under a city (provincial admins)",
        status_code=HTTP_201_CREATED,
        guards=[requires("regions.manage")],
    )
    async def add_district(self, db_session: AsyncSession, data: s.DistrictCreateIn) -> s.RegionOut:
        region = await RegionService(db_session).add_district(
            parent_code=data.parent_code, code=data.code, name=data.name, name_en=data.name_en
        )
        return s.RegionOut.of(region)


REGION_API = [RegionsApi]
