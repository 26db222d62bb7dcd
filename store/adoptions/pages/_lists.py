"""The lists of adoptions: a city's incoming requests (adoptions of its apps) and its own adoptions;
every adoption for provincial staff. Filtered by status, app and region; counted per status."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.pagination import Page, PageNumber, items_per_page
from store.lib.policy import current_user, signed_in

from ..controllers import RegionFilter, SlugFilter, StatusFilter
from ..lifecycle import S
from ..services import AdoptionFilters, AdoptionService
from ._common import listed_regions

View = Literal["incoming", "mine", "all"]
PER_PAGE = 20


def views_for(user: m.User) -> tuple[str, ...]:
    """The lists a user has, the default first: provincial staff see every adoption; city staff
    the adoptions of their region's apps (incoming) and their region's own (mine)."""
    return ("all",) if user.role in m.PROVINCIAL_ROLES else ("incoming", "mine")


def filters_for(view: str, user: m.User, app: str | None, region: str | None) -> AdoptionFilters:
    """``region`` is the other party: the adopter in "incoming" and "all", the publisher in "mine"."""
    if view == "incoming":
        return AdoptionFilters(app=app, region=region, publisher_region=user.region_code)
    if view == "mine":
        return AdoptionFilters(app=app, region=user.region_code, publisher_region=region)
    return AdoptionFilters(app=app, region=region)


class AdoptionListPages(Controller):
    include_in_schema = False

    @get("/adoptions", name="adoptions", guards=[signed_in])
    async def adoptions(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        view: Annotated[View | None, Parameter(description="incoming, mine or all")] = None,
        status: StatusFilter | None = None,
        app: SlugFilter = None,
        region: RegionFilter = None,
        page: PageNumber = 1,
        per_page: int = items_per_page(PER_PAGE, maximum=100),
    ) -> Template:
        user = current_user(request)
        assert user is not None  # the guard
        views = views_for(user)
        shown = view if view in views else views[0]
        app = (app or "").strip() or None
        filters = filters_for(shown, user, app, region)
        service = AdoptionService(db_session)
        found = await service.list_adoptions(
            replace(filters, status=status), user, page=page, per_page=per_page
        )
        counts = await service.count_by_status(filters, user)
        return Template(
            "adoptions/list.html",
            context={
                "adoptions": found.items,
                "page": Page.of(found),
                "view": shown,
                "views": views,
                "status": status,
                "app_slug": app or "",
                "region": region or "",
                "regions": await listed_regions(db_session),
                "counts": counts,
                "total": sum(counts.values()),
                "statuses": list(S),
            },
        )
