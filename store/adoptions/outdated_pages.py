"""Who runs outdated versions (``outdated``), as a page and as JSON.

- ``GET /adoptions/outdated`` (``adoptions_outdated``): city staff see who runs outdated versions
  of their region's apps ("incoming") and which of their own adoptions do ("mine"); provincial
  staff see every one ("all"). Filtered by reason, paged; each row links to the adoption's page.
  A path of its own, not an adoption: ``/adoptions/{adoption_id:int}`` takes numbers only.
- ``GET /api/v1/apps/{slug}/outdated-adoptions``: the same for one app, for the publisher's
  staff and provincial staff.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog.services import AppService
from store.db import models as m
from store.lib.errors import Forbidden
from store.lib.i18n import _
from store.lib.pagination import Page, PageNumber
from store.lib.policy import current_user, reach, signed_in

from .outdated import Reason, Scope, count_outdated, may_see, outdated_adoptions

View = Literal["incoming", "mine", "all"]
ReasonFilter = Literal["yanked", "security", "behind"]
PER_PAGE = 50


def views_for(user: m.User) -> tuple[str, ...]:
    """Provincial staff see every adoption; city staff their apps' adopters and their own."""
    return ("all",) if user.role in m.PROVINCIAL_ROLES else ("incoming", "mine")


def scope_for(view: str, user: m.User, reason: str | None) -> Scope:
    chosen = Reason(reason) if reason else None
    if view == "incoming":
        return Scope(publisher_region=user.region_code, reason=chosen, viewer=user)
    if view == "mine":
        return Scope(adopter_region=user.region_code, reason=chosen, viewer=user)
    return Scope(reason=chosen, viewer=user)


class OutdatedPages(Controller):
    include_in_schema = False

    @get("/adoptions/outdated", name="adoptions_outdated", guards=[signed_in])
    async def outdated(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        view: Annotated[View | None, Parameter(description="incoming, mine or all")] = None,
        reason: Annotated[ReasonFilter | None, Parameter(description="yanked, security or behind")] = None,
        page: PageNumber = 1,
    ) -> Template:
        user = current_user(request)
        assert user is not None  # the guard
        if not reach(user, "apps.read_unpublished").allowed:
            raise Forbidden(_("Only regional and provincial staff see who runs outdated versions."))
        views = views_for(user)
        shown = view if view in views else views[0]
        scope = scope_for(shown, user, reason)
        total = await count_outdated(db_session, scope)
        rows = await outdated_adoptions(db_session, scope, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        return Template(
            "adoptions/outdated.html",
            context={
                "rows": rows,
                "page": Page(page, PER_PAGE, total),
                "total": total,
                "view": shown,
                "views": views,
                "reason": reason or "",
                "reasons": list(Reason),
            },
        )


class OutdatedAdoptionOut(msgspec.Struct):
    adoption: int
    status: str
    region: str  # the adopting region's code
    region_name: str
    version: str  # the version it runs
    latest: str | None  # the newest version offered (approved, not withdrawn)
    security_fix: str | None  # the newest security release, when newer than ``version``
    reason: ReasonFilter  # yanked, security or behind: the worst that applies
    yank_reason: str


class OutdatedApi(Controller):
    path = "/api/v1/apps/{slug:str}/outdated-adoptions"
    tags = ["adoptions"]

    @get(
        "/",
        name="api_outdated_adoptions",
        summary="Regions running an outdated version of an app (for its publisher and the province)",
        description=(
            "The approved, deploying and live adoptions whose version was withdrawn (yanked), is older "
            "than a security release, or is older than the latest version; the worst reason first."
        ),
        guards=[signed_in],
    )
    async def outdated(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> list[OutdatedAdoptionOut]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        if not may_see(user, app):
            raise Forbidden(
                _("Only the publishing region and provincial staff see who runs outdated versions.")
            )
        return [
            OutdatedAdoptionOut(
                adoption=row.adoption_id,
                status=row.status,
                region=row.region.code,
                region_name=row.region.name,
                version=row.version,
                latest=row.latest,
                security_fix=row.security_fix,
                reason=row.reason.value,
                yank_reason=row.yank_reason,
            )
            for row in await outdated_adoptions(db_session, Scope(app_id=app.id))
        ]


OUTDATED_PAGES = [OutdatedPages]
OUTDATED_API = [OutdatedApi]
