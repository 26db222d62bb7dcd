"""The page of a city or district: what it published, what it adopted and from whom, who reuses
its apps, and its figures (``region_profile``).

Its route is named ``region_page``; other pages link to it by that name. It is served from
adoptions rather than regions because it reads adoptions and the catalog, which already import
regions: ``create_app`` adds ``REGION_PROFILE_PAGES`` to the routes.

Public: anonymous visitors see what the catalog shows them and no private field of an adoption
(contact, purpose, environment, comments); the page shows none of those to anyone.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.lib.pagination import Page, PageNumber
from store.lib.policy import current_user

from .region_profile import ADOPTER, PUBLISHER, RegionProfile

PER_PAGE = 20
STATUS_ORDER = ("requested", "approved", "deploying", "live", "retired", "declined", "withdrawn")


class RegionProfilePages(Controller):
    include_in_schema = False

    @get("/regions/{code:str}", name="region_page")
    async def region_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        code: str,
        apps_page: PageNumber = 1,
        adopted_page: PageNumber = 1,
        reusers_page: PageNumber = 1,
    ) -> Template:
        profile = RegionProfile(db_session, current_user(request))
        place = await profile.place(code)
        code = place.region.code
        apps, live_counts = await profile.apps(code, page=apps_page, per_page=PER_PAGE)
        adopted = await profile.adoptions(code, ADOPTER, page=adopted_page, per_page=PER_PAGE)
        reusers = await profile.adoptions(code, PUBLISHER, page=reusers_page, per_page=PER_PAGE)
        context = {
            "place": place,
            "region": place.region,
            "published": await profile.published_count(code),
            "as_adopter": await profile.tally(code, ADOPTER),
            "as_publisher": await profile.tally(code, PUBLISHER),
            "status_order": STATUS_ORDER,
            "apps": apps.items,
            "apps_page": Page.of(apps),
            "live_counts": live_counts,
            "adopted": adopted.items,
            "adopted_page": Page.of(adopted),
            "reusers": reusers.items,
            "reusers_page": Page.of(reusers),
            "since": await profile.since([*adopted.items, *reusers.items]),
        }
        return Template("regions/region.html", context=context)


REGION_PROFILE_PAGES = [RegionProfilePages]
