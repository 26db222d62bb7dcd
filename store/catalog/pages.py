"""Catalog pages: the catalog with filters, app pages, forms, versions and uploads.

One handler per page returns the whole page, or only the results fragment for htmx requests.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.artifacts.controllers import download_response, forget_object, receive_screenshot, storage_of
from store.artifacts.services import ArtifactService, ScreenshotService, VersionService
from store.db import models as m
from store.lib import policy
from store.lib.errors import AppError, ValidationFailed, field_error
from store.lib.forms import form_data, form_errors
from store.lib.i18n import _
from store.lib.pagination import Page, PageNumber, items_per_page
from store.lib.policy import current_user, requires, signed_in
from store.lib.templating import is_htmx
from store.review.services import ReviewService

from . import constants, lifecycle
from .forms import app_data_from_form, form_values
from .services import AppFilters, AppService

PER_PAGE = 12
FILTER_KEYS = ("category", "region", "zone", "tag", "maturity", "xinchuang", "kind", "q")


CHECKBOX_GROUPS = ("deployment_modes", "integrations", "xc_cpus", "xc_os", "xc_databases")


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
        "artifact_kinds": list(m.ArtifactKind),
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
    status_code: int = 200,
) -> Template:
    """An app's page as this user may see it; with a form's errors when an action failed.

    The publisher's region and provincial staff also see what waits for review (marked), and a
    reviewer sees the edits made since the last review with the actions on them.
    """
    service = AppService(db_session)
    user = current_user(request)
    app = await service.get(slug, user)
    reviews = ReviewService(db_session)
    is_reviewer = policy.can(user, "apps.review")
    return Template(
        "catalog/detail.html",
        context={
            "app": app,
            "versions": await VersionService(db_session).of_app(app, user),
            "latest": await service.latest_version(app),
            "screenshots": await service.screenshots(app, user),
            "see_unreviewed": policy.can_view_unreviewed(user, app.region_code),
            "reviewed_separately": app.status in lifecycle.REVIEWED_SEPARATELY,
            "pending_releases": await reviews.pending_in(app) if is_reviewer else [],
            "changes": await reviews.changes_since_review(app) if is_reviewer else None,
            "errors": errors or {},
            **_choices(),
        },
        status_code=status_code,
    )


async def version_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    slug: str,
    version: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """A version's page: its files (those waiting for review only to whom may see them), the
    publisher's upload and withdraw forms, and a reviewer's decision form."""
    user = current_user(request)
    app = await AppService(db_session).get(slug, user)
    row = await VersionService(db_session).get(app, version, user)
    see_unreviewed = policy.can_view_unreviewed(user, app.region_code)
    files = row.live_artifacts if see_unreviewed else row.approved_artifacts
    settings = request.app.state["settings"]
    return Template(
        "catalog/version.html",
        context={
            "app": app,
            "version": row,
            "files": files,
            "removable": {a.id for a in files if lifecycle.file_removable(app.status, a.review_status)},
            "reviewed_separately": app.status in lifecycle.REVIEWED_SEPARATELY,
            "awaits_review": app.status in lifecycle.REVIEWED_SEPARATELY
            and not row.yanked
            and (
                row.review_status == m.ReviewStatus.PENDING
                or any(a.review_status == m.ReviewStatus.PENDING for a in files)
            ),
            "errors": errors or {},
            "max_upload_bytes": settings.storage.max_upload_bytes,
            **_choices(),
        },
        status_code=status_code,
    )


class CatalogPages(Controller):
    include_in_schema = False

    @get("/apps", name="catalog")
    async def catalog(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        page: PageNumber = 1,
        per_page: int = items_per_page(PER_PAGE, maximum=48),
    ) -> Template:
        params = {k: (request.query_params.get(k) or "").strip() or None for k in FILTER_KEYS}
        filters = AppFilters(**params)  # type: ignore[arg-type]
        apps, total = await AppService(db_session).browse(
            filters, current_user(request), page=page, per_page=per_page
        )
        cities = list(
            await db_session.scalars(
                select(m.Region).where(m.Region.level == m.RegionLevel.CITY).order_by(m.Region.code)
            )
        )
        context = {
            "apps": apps,
            "page": Page(page, per_page, total),
            "filters": params,
            "cities": cities,
            **_choices(),
        }
        template = "catalog/_results.html" if is_htmx(request) else "catalog/list.html"
        return Template(template, context=context)

    @get("/my-apps", name="my_apps", guards=[signed_in])
    async def my_apps(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, page: PageNumber = 1
    ) -> Template:
        apps, total = await AppService(db_session).browse(
            AppFilters(status="all_mine"), current_user(request), page=page, per_page=50
        )
        return Template("catalog/mine.html", context={"apps": apps, "page": Page(page, 50, total)})

    # ------------------------------------------------------------------ create / edit

    @get("/apps/new", name="app_new", guards=[requires("apps.create")])
    async def new_form(self) -> Template:
        return Template(
            "catalog/form.html",
            context={"app": None, "values": form_values(None), "errors": {}, **_choices()},
        )

    @post("/apps/new", name="app_create", guards=[requires("apps.create")])
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        form = await form_data(request)
        multi = await _multi(request)
        try:
            app = await AppService(db_session).create(
                current_user(request), app_data_from_form(form, multi, creating=True)
            )
        except AppError as exc:
            await db_session.rollback()
            values = {**form, **multi}
            return Template(
                "catalog/form.html",
                context={"app": None, "values": values, "errors": form_errors(exc), **_choices()},
                status_code=exc.status_code,
            )
        return Redirect(path=f"/apps/{app.slug}")

    @get("/apps/{slug:str}/edit", name="app_edit", guards=[signed_in])
    async def edit_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Template:
        app = await AppService(db_session).get(slug, current_user(request))
        return Template(
            "catalog/form.html", context={"app": app, "values": form_values(app), "errors": {}, **_choices()}
        )

    @post("/apps/{slug:str}/edit", name="app_update", guards=[signed_in])
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        service = AppService(db_session)
        user = current_user(request)
        app = await service.get(slug, user)
        form = await form_data(request)
        multi = await _multi(request)
        try:
            await service.update(user, app, app_data_from_form(form, multi, creating=False))
        except AppError as exc:
            await db_session.rollback()
            app = await service.get(slug, user)
            return Template(
                "catalog/form.html",
                context={"app": app, "values": {**form, **multi}, "errors": form_errors(exc), **_choices()},
                status_code=exc.status_code,
            )
        return Redirect(path=f"/apps/{slug}")

    # ------------------------------------------------------------------ app page and actions

    @get("/apps/{slug:str}", name="app_detail")
    async def detail(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        return await self._detail(request, db_session, slug)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        *,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return await app_page(request, db_session, slug, errors=errors, status_code=status_code)

    async def _act(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, action: str
    ) -> Response[Any]:
        service = AppService(db_session)
        user = current_user(request)
        app = await service.get(slug, user)
        form = await form_data(request)
        try:
            if action == "submit":
                await service.submit(user, app)
            elif action == "review":
                await service.review(user, app, form.get("decision", ""), form.get("comment", ""))
            else:
                await service.deprecate(
                    user, app, form.get("reason", ""), form.get("successor", "").strip() or None
                )
        except AppError as exc:
            await db_session.rollback()
            return await self._detail(
                request, db_session, slug, errors=form_errors(exc), status_code=exc.status_code
            )
        return Redirect(path="/review" if action == "review" else f"/apps/{slug}")

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
        entries = await service.history(app, user)
        return Template("catalog/history.html", context={"app": app, "entries": list(reversed(entries))})

    @post(
        "/apps/{slug:str}/screenshots",
        name="screenshot_add",
        guards=[signed_in],
        request_max_body_size=11 * 1024 * 1024,
    )
    async def add_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        service = ScreenshotService(db_session, storage_of(request))
        try:
            image, caption = await receive_screenshot(request, service, user, app)
            await service.add(user, app, image, caption)
        except AppError as exc:
            await db_session.rollback()
            return await self._detail(
                request, db_session, slug, errors=form_errors(exc), status_code=exc.status_code
            )
        return Redirect(path=f"/apps/{slug}#screenshots")

    @post("/screenshots/{screenshot_id:int}/remove", name="screenshot_remove", guards=[signed_in])
    async def remove_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Redirect:
        shot = await ScreenshotService(db_session, storage_of(request)).get(
            screenshot_id, current_user(request)
        )
        app = await db_session.get(m.App, shot.app_id)
        keys = await ScreenshotService(db_session, storage_of(request)).remove(
            current_user(request), screenshot_id
        )
        await db_session.commit()
        for key in keys:
            await forget_object(storage_of(request), key)
        return Redirect(path=f"/apps/{app.slug if app else ''}#screenshots")

    # ------------------------------------------------------------------ versions

    @get("/apps/{slug:str}/versions/new", name="version_new", guards=[signed_in])
    async def new_version_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Template:
        app = await AppService(db_session).get(slug, current_user(request))
        return Template(
            "catalog/version_form.html",
            context={"app": app, "values": {"release_date": date.today().isoformat()}, "errors": {}},
        )

    @post("/apps/{slug:str}/versions/new", name="version_create", guards=[signed_in])
    async def create_version(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        form = await form_data(request)
        try:
            try:
                released = date.fromisoformat(form["release_date"]) if form.get("release_date") else None
            except ValueError as exc:
                raise ValidationFailed(
                    details=[field_error("release_date", _("Enter a date as YYYY-MM-DD."))]
                ) from exc
            version = await VersionService(db_session).create(
                user,
                app,
                version=form.get("version", ""),
                release_notes=form.get("release_notes", ""),
                release_date=released,
                min_requirements=form.get("min_requirements", ""),
            )
        except AppError as exc:
            await db_session.rollback()
            app = await AppService(db_session).get(slug, user)  # the rollback expired it
            return Template(
                "catalog/version_form.html",
                context={"app": app, "values": form, "errors": form_errors(exc)},
                status_code=exc.status_code,
            )
        return Redirect(path=f"/apps/{slug}/versions/{version.version}")

    @get("/apps/{slug:str}/versions/{version:str}", name="version_detail")
    async def version_detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, version: str
    ) -> Template:
        return await self._version_page(request, db_session, slug, version)

    async def _version_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        version: str,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return await version_page(request, db_session, slug, version, errors=errors, status_code=status_code)

    @post("/apps/{slug:str}/versions/{version:str}/yank", name="version_yank", guards=[signed_in])
    async def yank(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, version: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        service = VersionService(db_session)
        form = await form_data(request)
        try:
            await service.yank(user, app, await service.get(app, version, user), form.get("reason", ""))
        except AppError as exc:
            await db_session.rollback()
            return await self._version_page(
                request, db_session, slug, version, form_errors(exc), exc.status_code
            )
        return Redirect(path=f"/apps/{slug}/versions/{version}")

    @post("/artifacts/{artifact_id:int}/remove", name="artifact_remove", guards=[signed_in])
    async def remove_artifact(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
    ) -> Redirect:
        storage = storage_of(request)
        artifact, key = await ArtifactService(db_session, storage).remove(current_user(request), artifact_id)
        app = await db_session.get(m.App, artifact.version.app_id)
        target = f"/apps/{app.slug if app else ''}/versions/{artifact.version.version}"
        await db_session.commit()
        await forget_object(storage, key)
        return Redirect(path=target)

    @get("/artifacts/{artifact_id:int}/download", name="artifact_download")
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
    ) -> Response[Any]:
        return await download_response(request, db_session, artifact_id)


CATALOG_PAGES = [CatalogPages]
