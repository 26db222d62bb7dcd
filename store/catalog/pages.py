"""Catalog pages: the catalog with filters, an app's page, the app form and the app's actions.

One handler per page returns the whole page, or only the results fragment for htmx requests.

The app page also shows what features above the catalog add to an app (versions and screenshots
from artifacts, what waits for a reviewer from review). The catalog cannot import them — the
arrows point the other way — so they come in as *app page sections*: async functions
``(db_session, app, user) -> template context`` that ``create_app()`` lists in the application
state under ``APP_PAGE_SECTIONS``. The page, and its re-render after a refused action, runs each
one and merges what it returns. State rather than a module-level registry: each application
built (tests build several) has exactly the sections it was wired with, and nothing depends on
import order. The page's markup stays whole in catalog/detail.html; it links to those features'
pages by route name (``url_for``), which is a name, not an import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from search.types import SORTS, SearchQuery
from store.db import models as m
from store.lib import flash
from store.lib.errors import AppError, ValidationFailed, field_error
from store.lib.forms import form_data, redirect_to, rerender
from store.lib.httpcache import anonymous_cache
from store.lib.i18n import _
from store.lib.pagination import Page, PageNumber, items_per_page
from store.lib.policy import authorize, current_user, requires, signed_in
from store.lib.templating import is_htmx

from . import audit, constants, facets, lifecycle, listing, rules
from .cache import catalog_cache
from .forms import app_data_from_form, errors_per_field, form_errors_by_field, form_values, new_app_values
from .services import AppFilters, AppService

AppPageSection = Callable[[AsyncSession, m.App, m.User | None], Awaitable[dict[str, Any]]]
APP_PAGE_SECTIONS = "app_page_sections"
"""Key, in the application state, of the sections the app page shows (a sequence of AppPageSection)."""

PER_PAGE = 12
SEARCH_KEYS = ("q", "sort", *listing.FILTERS)
POPULAR = 6  # apps shown when a search finds nothing: the most reused


CHECKBOX_GROUPS = ("deployment_modes", "integrations", "xc_cpus", "xc_os", "xc_databases")

# What the app page confirms after an action (store/lib/flash.py carries the code to the page).
DONE: dict[str, str] = {
    "created": _("Draft saved. Add a version with a file, then submit the app for review."),
    "saved": _("Changes saved."),
    "saved_live": _("Changes saved. They are public at once, and the provincial reviewer sees what changed."),
    "unchanged": _("Nothing was changed."),
    "submitted": _("Submitted for review. A provincial reviewer approves it or returns it with comments."),
    "deprecated": _("The app is deprecated: it has left the catalog."),
    # Set by other features' actions that lead back to the app page (artifacts, review).
    "screenshot_added": _("Screenshot added."),
    "screenshot_added_pending": _(
        "Screenshot added. The public sees it once a provincial reviewer approves it."
    ),
    "screenshot_removed": _("Screenshot removed."),
    "screenshot_approved": _("Screenshot approved: the public sees it now."),
    "screenshot_returned": _("Screenshot returned to the publisher with your comment."),
}
# The review queue's codes after a decision on an app (its table is store/review/pages.py's).
REVIEW_DONE = {"approve": "app_approved", "return": "app_returned"}
# Approving publishes at once: the decision form asks for a ticked box (catalog and version pages).
CONFIRM_APPROVAL = _("Tick the box to confirm that you have checked everything above before approving.")


def done_redirect(
    request: Request[Any, Any, Any], slug: str, done: str, *, anchor: str = ""
) -> Response[Any]:
    """Back to the app's page, which then says what happened (once); ``done`` is a key of DONE."""
    assert done in DONE, done
    response = redirect_to(request, "app_detail", slug=slug, anchor=anchor)
    flash.remember(request, response, done, path=request.app.route_reverse("app_detail", slug=slug))
    return response


async def _multi(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    """The check-box groups of the app form, each as a list (empty when nothing is ticked)."""
    form = await request.form()
    out: dict[str, list[str]] = {key: [] for key in CHECKBOX_GROUPS}
    for key, value in form.multi_items():
        if key in out and isinstance(value, str):
            out[key].append(value)
    return out


def _choices() -> dict[str, Any]:
    return {
        "kinds": list(m.AppKind),
        "categories": list(m.Category),
        "maturities": list(m.Maturity),
        "license_types": list(m.LicenseType),
        "offerings": list(m.Offering),
        "deployment_modes": list(m.DeploymentMode),
        "platforms": constants.YUE_PLATFORMS,
        "xc_cpus": constants.XC_CPUS,
        "xc_os": constants.XC_OS,
        "xc_databases": constants.XC_DATABASES,
        "zones": list(m.Zone),
    }


async def app_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    slug: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed: str = "",
    status_code: int = 200,
) -> Template:
    """An app's page as this user may see it; with a form's errors when an action failed, and
    what was typed in it (``values``). ``failed`` names the form when the page has several with
    fields of the same name (a screenshot's review: "screenshot-<id>"); "" for the others.

    The publisher's region and provincial staff also see what waits for review (marked). The
    sections wired in by ``create_app()`` add the rest (see the module docstring).
    """
    user = current_user(request)
    app = await AppService(db_session).get(slug, user)
    context: dict[str, Any] = {
        "app": app,
        "see_unreviewed": rules.can_view_unreviewed(user, app.region_code),
        "reviewed_separately": app.status in lifecycle.REVIEWED_SEPARATELY,
        "errors": errors or {},
        "values": values or {},
        "failed": failed,
        **_choices(),
    }
    sections: Sequence[AppPageSection] = request.app.state.get(APP_PAGE_SECTIONS, ())
    for section in sections:
        context.update(await section(db_session, app, user))
    page = Template("catalog/detail.html", context=context, status_code=status_code)
    if errors is not None:  # a refused form shown again: the confirmation waits for the next view
        return page
    path = request.app.route_reverse("app_detail", slug=app.slug)
    return flash.show(request, page, flash.waiting(request, DONE), path=path)


async def _app_form(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    slug: str | None,
    values: dict[str, Any] | None = None,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The app form: for a new app (``slug`` None) with what the store knows of the publisher,
    or filled in from the app; ``values`` are what was posted when a refused form is shown again,
    ``errors`` come under the form's field names."""
    user = current_user(request)
    app = await AppService(db_session).get(slug, user) if slug else None
    if values is None:
        values = form_values(app) if app else await new_app_values(db_session, user)
    field_errors = form_errors_by_field(errors or {}, values)
    return Template(
        "catalog/form.html",
        context={
            "app": app,
            "values": values,
            "errors": field_errors,
            "errors_per_field": errors_per_field(field_errors),
            **_choices(),
        },
        status_code=status_code,
    )


class CatalogPages(Controller):
    include_in_schema = False

    # Visitors who are not signed in get kept copies, with ETags (store/lib/httpcache.py).
    @get("/apps", name="catalog", middleware=[anonymous_cache])
    async def catalog(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        page: PageNumber = 1,
        per_page: int = items_per_page(PER_PAGE, maximum=48),
    ) -> Template:
        """The catalog is the search page: the query, its filters and sort in the URL, facet
        counts beside each filter, and help when nothing matches."""
        params = {k: (request.query_params.get(k) or "").strip() or None for k in SEARCH_KEYS}
        # The cities and districts change seldom: kept a few seconds (catalog/cache.py).
        places = await catalog_cache(request).places(db_session)
        query = await listing.checked_query(db_session, page=page, per_page=per_page, places=places, **params)
        search = listing.search_service(request)
        result = await listing.search_page(search, db_session, query)
        popular: list[listing.Listed] = []
        if not result.total:
            top = await search.search(db_session, SearchQuery(sort="reuse", per_page=POPULAR))
            popular = await listing.listed(db_session, top.hits)
        cities = [place for place in places.values() if place.level == m.RegionLevel.CITY]
        region = places.get(query.region) if query.region else None
        context = {
            "result": result,
            "items": await listing.listed(db_session, result.hits),
            "page": Page(result.page, result.per_page, result.total),
            "query": query,
            "filters": {key: getattr(query, key) for key in listing.FILTERS},
            "active": [key for key in listing.FILTERS if getattr(query, key)],
            "sorts": SORTS,
            "facet_groups": facets.facet_groups(result, query, [city.code for city in cities]),
            "popular": popular,
            "region_names": {city.code: city.name for city in cities}
            | ({region.code: region.name} if region else {}),
        }
        template = "catalog/_results.html" if is_htmx(request) else "catalog/list.html"
        return Template(template, context=context)

    @get("/my-apps", name="my_apps", guards=[signed_in])
    async def my_apps(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, page: PageNumber = 1
    ) -> Template:
        found = await AppService(db_session).list_apps(
            AppFilters(status="all_mine"), current_user(request), page=page, per_page=50
        )
        # Each app's live adoptions, in one aggregate query (the statement lives with the table:
        # the catalog does not import adoptions).
        rows = await db_session.execute(m.live_adoption_counts_query([a.id for a in found.items]))
        live: dict[int, int] = {app_id: count for app_id, count in rows}
        # Drafts a reviewer returned come first, with the comment (the header counts them).
        returned = await db_session.scalars(
            select(m.App)
            .where(rules.own_apps(current_user(request)), lifecycle.returned_draft())
            .order_by(m.App.updated_at.desc(), m.App.id.desc())
            .limit(50)
        )
        return Template(
            "catalog/mine.html",
            context={
                "apps": found.items,
                "page": Page.of(found),
                "live_counts": live,
                "returned": list(returned),
            },
        )

    # ------------------------------------------------------------------ create / edit

    @get("/apps/new", name="app_new", guards=[requires("apps.create")])
    async def new_form(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return await _app_form(request, db_session, None)

    @post("/apps/new", name="app_create", guards=[requires("apps.create")])
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        multi = await _multi(request)
        try:
            app = await AppService(db_session).create(
                current_user(request), app_data_from_form(form, multi, creating=True)
            )
        except AppError as exc:
            return await rerender(db_session, exc, _app_form, request, db_session, None, {**form, **multi})
        return done_redirect(request, app.slug, "created")

    @get("/apps/{slug:str}/edit", name="app_edit", guards=[signed_in])
    async def edit_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Template:
        return await _app_form(request, db_session, slug)

    @post("/apps/{slug:str}/edit", name="app_update", guards=[signed_in])
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        service = AppService(db_session)
        user = current_user(request)
        app = await service.get(slug, user)
        form = await form_data(request)
        multi = await _multi(request)
        before = audit.snapshot(app)
        try:
            await service.update(user, app, app_data_from_form(form, multi, creating=False))
        except AppError as exc:
            return await rerender(db_session, exc, _app_form, request, db_session, slug, {**form, **multi})
        if audit.snapshot(app) == before:
            return done_redirect(request, slug, "unchanged")
        return done_redirect(request, slug, "saved_live" if app.status == m.AppStatus.PUBLISHED else "saved")

    # ------------------------------------------------------------------ app page and actions

    @get("/apps/{slug:str}", name="app_detail", middleware=[anonymous_cache])
    async def detail(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        return await app_page(request, db_session, slug)

    async def _act(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, action: str
    ) -> Response[Any]:
        service = AppService(db_session)
        user = current_user(request)
        app = await service.get(slug, user)
        form = await form_data(request)
        decision = form.get("decision", "")
        try:
            if action == "submit":
                await service.submit(user, app)
            elif action == "review":
                # Approving publishes at once: the page asks for the box "checked above" to be
                # ticked (the browser asks too, with JavaScript). The API takes the decision as sent.
                if decision == "approve" and form.get("confirm") != "yes":
                    raise ValidationFailed(details=[field_error("confirm", CONFIRM_APPROVAL)])
                await service.review(user, app, decision, form.get("comment", ""))
            else:
                await service.deprecate(
                    user, app, form.get("reason", ""), form.get("successor", "").strip() or None
                )
        except AppError as exc:
            return await rerender(db_session, exc, app_page, request, db_session, slug, values=form)
        # After a decision the reviewer goes back to the queue (a page of the review feature),
        # which names the app and what happened to it.
        if action == "review":
            response = redirect_to(request, "review_queue")
            queue = request.app.route_reverse("review_queue")
            flash.remember(request, response, REVIEW_DONE[decision], path=queue, about=app.id)
            return response
        return done_redirect(request, slug, "submitted" if action == "submit" else "deprecated")

    @get("/apps/{slug:str}/submit", name="app_submit_confirm", guards=[signed_in])
    async def submit_confirm(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        """Before a draft goes to review: what that means, and the published apps that look like
        it (the duplicate check of store.discovery, loaded into the page), then the button."""
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        authorize(user, "apps.submit", app.region_code)
        if app.status != m.AppStatus.DRAFT:
            return redirect_to(request, "app_detail", slug=slug)
        return Template("catalog/submit.html", context={"app": app})

    @post("/apps/{slug:str}/submit", name="app_submit", guards=[signed_in])
    async def submit(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        return await self._act(request, db_session, slug, "submit")

    @post("/apps/{slug:str}/review", name="app_review", guards=[requires("apps.review")])
    async def review(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        return await self._act(request, db_session, slug, "review")

    @post("/apps/{slug:str}/deprecate", name="app_deprecate", guards=[signed_in])
    async def deprecate(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        return await self._act(request, db_session, slug, "deprecate")

    @get("/apps/{slug:str}/history", name="app_history", guards=[signed_in])
    async def history(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        service = AppService(db_session)
        user = current_user(request)
        app = await service.get(slug, user)
        entries = await service.list_history(app, user)
        return Template("catalog/history.html", context={"app": app, "entries": list(reversed(entries))})


CATALOG_PAGES = [CatalogPages]
