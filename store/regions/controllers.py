"""Regions: public reading (API and page), districts added by provincial admins."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.errors import AppError
from store.lib.forms import form_data, form_errors
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import requires

from . import schemas as s
from .services import RegionService

Level = Literal["province", "city", "district"]


class RegionsApi(Controller):
    path = "/api/v1/regions"
    tags = ["regions"]

    @get("/", summary="Regions: the province, its 21 cities and their districts")
    async def list_regions(
        self,
        db_session: AsyncSession,
        level: Level | None = None,
        parent: str | None = None,
        page: PageNumber = 1,
        per_page: int = items_per_page(100, maximum=500),
    ) -> s.RegionPage:
        regions, total = await RegionService(db_session).list(
            level=level, parent=parent, page=page, per_page=per_page
        )
        return s.RegionPage(
            items=[s.RegionOut.of(r) for r in regions], total=total, page=page, per_page=per_page
        )

    @get("/{code:str}", summary="One region by its GB/T 2260 code")
    async def get_region(self, db_session: AsyncSession, code: str) -> s.RegionOut:
        return s.RegionOut.of(await RegionService(db_session).get(code))

    @post(
        "/",
        summary="Add a district under a city (provincial admins)",
        status_code=HTTP_201_CREATED,
        guards=[requires("regions.manage")],
    )
    async def add_district(self, db_session: AsyncSession, data: s.DistrictCreate) -> s.RegionOut:
        region = await RegionService(db_session).add_district(
            parent_code=data.parent_code, code=data.code, name=data.name, name_en=data.name_en
        )
        return s.RegionOut.of(region)


async def _regions_page(db_session: AsyncSession, template: str, **context: Any) -> Template:
    service = RegionService(db_session)
    regions, _total = await service.list(per_page=10_000)
    cities = [r for r in regions if r.level == m.RegionLevel.CITY]
    districts: dict[str, list[m.Region]] = {}
    for region in regions:
        if region.level == m.RegionLevel.DISTRICT and region.parent_code:
            districts.setdefault(region.parent_code, []).append(region)
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return Template(
        template,
        context={"cities": cities, "districts": districts, **context},
        status_code=context.pop("status_code", 200),
    )


class RegionPages(Controller):
    include_in_schema = False

    @get("/regions", name="regions")
    async def regions(self, db_session: AsyncSession) -> Template:
        return await _regions_page(db_session, "regions/list.html")

    @get("/admin/regions", name="admin_regions", guards=[requires("regions.manage")])
    async def admin(self, db_session: AsyncSession) -> Template:
        return await _regions_page(db_session, "regions/admin.html")

    @post("/admin/regions", name="admin_region_create", guards=[requires("regions.manage")])
    async def add_district(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        try:
            await RegionService(db_session).add_district(
                parent_code=form.get("parent_code", "").strip(),
                code=form.get("code", "").strip(),
                name=form.get("name", ""),
                name_en=form.get("name_en", ""),
            )
        except AppError as exc:
            await db_session.rollback()
            return await _regions_page(
                db_session,
                "regions/admin.html",
                errors=form_errors(exc),
                form=form,
                status_code=exc.status_code,
            )
        return Redirect(path="/admin/regions")


REGION_ROUTES = [RegionsApi, RegionPages]
