"""The apps API: listing with filters, create and edit, submit, review, deprecate, history.

The public listing (``status=published``) goes through the search service, like the catalog page
and ``/api/v1/search`` (see listing.py); the other statuses are SQL lists of their own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from search.types import MAX_QUERY_CHARS
from store.db import models as m
from store.lib.httpcache import anonymous_cache
from store.lib.idempotency import idempotent
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import current_user, requires, signed_in

from . import listing
from . import schemas as s
from .cache import catalog_cache
from .services import AppFilters, AppService

StatusFilter = Literal["published", "deprecated", "draft", "submitted", "all_mine"]
CategoryFilter = Literal["governance", "services", "collaboration", "support"]
ZoneFilter = Literal["core", "east_wing", "west_wing", "north"]
MaturityFilter = Literal["pilot", "promoted", "mature"]
KindFilter = Literal["application", "component", "capability"]


async def app_out(service: AppService, app: m.App, user: m.User | None) -> s.AppOut:
    """The app as ``user`` may see it (screenshots waiting for review only for its publisher and
    provincial staff)."""
    latest = await service.find_latest_version(app)
    return s.AppOut.of(app, latest.version if latest else None, await service.list_screenshots(app, user))


async def _public_apps(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    page: int,
    per_page: int,
    *,
    q: str | None,
    **filters: str | None,
) -> s.AppPageOut:
    """Published apps as the search service finds them (newest first without a query), each
    shown as before. The index also holds deprecated apps, which this list has always left out
    (``status=deprecated`` lists them): they are excluded by id, as they are few (their list, and
    the regions a filter is checked against, are kept a few seconds: catalog/cache.py)."""
    cache = catalog_cache(request)
    places = await cache.places(db_session) if filters.get("region") else None
    query = await listing.checked_query(
        db_session, q=q, sort=None if q else "newest", page=page, per_page=per_page, places=places, **filters
    )
    query = replace(query, exclude_ids=await cache.deprecated_ids(db_session))
    result = await listing.search_page(listing.search_service(request), db_session, query)
    apps = await listing.apps_for(db_session, result.hits)
    return s.AppPageOut(
        items=[s.AppSummaryOut.of(app) for app in apps],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )


class AppsApi(Controller):
    path = "/api/v1/apps"
    tags = ["apps"]

    # Visitors who are not signed in get kept copies, with ETags (store/lib/httpcache.py).
    @get(
        "/",
        name="api_app_list",
        summary="Published apps (or your region's drafts), filtered and paginated",
        middleware=[anonymous_cache],
    )
    async def list_apps(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        category: CategoryFilter | None = None,
        region: str | None = None,
        zone: ZoneFilter | None = None,
        tag: str | None = None,
        maturity: MaturityFilter | None = None,
        xinchuang: str | None = None,
        kind: KindFilter | None = None,
        q: Annotated[str | None, Parameter(max_length=MAX_QUERY_CHARS)] = None,
        status: StatusFilter = "published",
        page: PageNumber = 1,
        per_page: int = items_per_page(20, maximum=100),
    ) -> s.AppPageOut:
        if status == m.AppStatus.PUBLISHED:
            return await _public_apps(
                request,
                db_session,
                page,
                per_page,
                q=q,
                category=category,
                region=region,
                zone=zone,
                tag=tag,
                maturity=maturity,
                xinchuang=xinchuang,
                kind=kind,
            )
        filters = AppFilters(
            category=category,
            region=region,
            zone=zone,
            tag=tag,
            maturity=maturity,
            xinchuang=xinchuang,
            kind=kind,
            q=q,
            status=status,
        )
        found = await AppService(db_session).list_apps(
            filters, current_user(request), page=page, per_page=per_page
        )
        return s.AppPageOut.of(found, s.AppSummaryOut.of)

    @post(
        "/",
        name="api_app_create",
        summary="Create an app (a draft in your region)",
        guards=[requires("apps.create")],
    )
    @idempotent(HTTP_201_CREATED)
    async def create_app(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: s.AppIn
    ) -> s.AppOut:
        service = AppService(db_session)
        user = current_user(request)
        return await app_out(service, await service.create(user, data.sent()), user)

    @get(
        "/{slug:str}",
        name="api_app_detail",
        summary="One app with its metadata",
        middleware=[anonymous_cache],
    )
    async def get_app(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> s.AppOut:
        service = AppService(db_session)
        user = current_user(request)
        return await app_out(service, await service.get(slug, user), user)

    @patch(
        "/{slug:str}",
        name="api_app_update",
        summary="Edit an app's metadata (recorded in its history)",
        guards=[signed_in],
    )
    async def update_app(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, data: s.AppIn
    ) -> s.AppOut:
        service = AppService(db_session)
        user = current_user(request)
        app = await service.update(user, await service.get(slug, user), data.sent())
        return await app_out(service, app, user)

    @post(
        "/{slug:str}/submit",
        name="api_app_submit",
        summary="Submit a draft for provincial review",
        guards=[signed_in],
    )
    @idempotent()
    async def submit(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> s.AppOut:
        user = current_user(request)
        service = AppService(db_session)
        app = await service.submit(user, await service.get(slug, user))
        return await app_out(service, app, user)

    @post(
        "/{slug:str}/review",
        name="api_app_review",
        summary="Approve or return a submission (provincial staff)",
        guards=[requires("apps.review")],
    )
    @idempotent()
    async def review(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, data: s.ReviewIn
    ) -> s.AppOut:
        user = current_user(request)
        service = AppService(db_session)
        app = await service.review(user, await service.get(slug, user), data.decision, data.comment)
        return await app_out(service, app, user)

    @post(
        "/{slug:str}/deprecate",
        name="api_app_deprecate",
        summary="Deprecate a published app, with a reason",
        guards=[signed_in],
    )
    @idempotent()
    async def deprecate(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, data: s.DeprecateIn
    ) -> s.AppOut:
        user = current_user(request)
        service = AppService(db_session)
        app = await service.deprecate(user, await service.get(slug, user), data.reason, data.successor)
        return await app_out(service, app, user)

    @get(
        "/{slug:str}/history",
        name="api_app_history",
        summary="Every change of state and edit (publisher and provincial staff)",
        guards=[signed_in],
    )
    async def history(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> list[s.AuditOut]:
        service = AppService(db_session)
        user = current_user(request)
        entries = await service.list_history(await service.get(slug, user), user)
        return [s.AuditOut.of(e) for e in entries]


CATALOG_API = [AppsApi]
