"""Regions pages: the public list of cities and districts, and the provincial admins' form to add a
district."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import flash
from store.lib.errors import AppError
from store.lib.forms import form_data, redirect_to, rerender
from store.lib.i18n import _, gettext
from store.lib.policy import requires

from .services import RegionService

# What the admin page confirms after adding a district (``about``: its code; store/lib/flash.py).
DONE: dict[str, str] = {"district_added": _("District %(name)s (%(code)s) added under %(city)s.")}


async def _regions_page(
    db_session: AsyncSession,
    template: str,
    form: dict[str, str] | None = None,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The cities with their districts, in ``template`` (the public list or the admin form)."""
    regions = (await RegionService(db_session).list_regions(per_page=10_000)).items
    cities = [r for r in regions if r.level == m.RegionLevel.CITY]
    districts: dict[str, list[m.Region]] = {}
    for region in regions:
        if region.level == m.RegionLevel.DISTRICT and region.parent_code:
            districts.setdefault(region.parent_code, []).append(region)
    return Template(
        template,
        context={"cities": cities, "districts": districts, "errors": errors or {}, "form": form or {}},
        status_code=status_code,
    )


class RegionPages(Controller):
    include_in_schema = False

    @get("/regions", name="regions")
    async def regions(self, db_session: AsyncSession) -> Template:
        return await _regions_page(db_session, "regions/list.html")

    @get("/admin/regions", name="admin_regions", guards=[requires("regions.manage")])
    async def admin(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        page = await _regions_page(db_session, "regions/admin.html")
        done = None
        found = flash.waiting_about(request, DONE)
        district = await db_session.get(m.Region, found[1]) if found and found[1] else None
        if found and district is not None:
            city = await db_session.get(m.Region, district.parent_code) if district.parent_code else None
            names = {"name": district.name, "code": district.code, "city": city.name if city else ""}
            done = gettext(DONE[found[0]], **names)
        return flash.show(request, page, done, path=request.app.route_reverse("admin_regions"))

    @post("/admin/regions", name="admin_region_create", guards=[requires("regions.manage")])
    async def add_district(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        try:
            district = await RegionService(db_session).add_district(
                parent_code=form.get("parent_code", "").strip(),
                code=form.get("code", "").strip(),
                name=form.get("name", ""),
                name_en=form.get("name_en", ""),
            )
        except AppError as exc:
            return await rerender(db_session, exc, _regions_page, db_session, "regions/admin.html", form)
        response = redirect_to(request, "admin_regions")
        path = request.app.route_reverse("admin_regions")
        flash.remember(request, response, "district_added", path=path, about=district.code)
        return response


REGION_PAGES = [RegionPages]
