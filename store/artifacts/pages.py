"""Artifacts pages: a version's page, the new-version form, yanking, screenshots, file removal and
downloads; and what the app page shows of versions and screenshots (``app_page_section``).

Above the catalog: these pages use the catalog's apps and its app page; the catalog knows nothing
of them (see ``store.catalog.pages`` for how the app page takes in this section).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog import lifecycle
from store.catalog.pages import app_page, done_redirect
from store.catalog.rules import can_view_unreviewed
from store.catalog.services import AppService
from store.db import models as m
from store.lib import flash
from store.lib.errors import AppError, ValidationFailed, field_error
from store.lib.forms import form_data, redirect_to, rerender
from store.lib.i18n import _
from store.lib.policy import current_user, signed_in

from ._web import commit_then_forget, download_response, max_upload_bytes, receive_screenshot, storage_of
from .services import ArtifactService, ScreenshotService, VersionService

# What a version's page confirms after an action (store/lib/flash.py carries the code to the page;
# "file_uploaded" is set by static/js/upload.js once the upload API has stored the file). Codes of
# their own: the app page's cookie (a shorter path) reaches this page too.
DONE: dict[str, str] = {
    "version_created": _("Version created. Upload its files below."),
    "file_uploaded": _("File uploaded. Its SHA-256 checksum is listed below: compare it with your copy's."),
    "file_removed": _("File removed."),
    "version_yanked": _(
        "Version withdrawn. It stays visible with your reason, and regions running it are alerted."
    ),
}


def _version_path(request: Request[Any, Any, Any], slug: str, version: str) -> str:
    return request.app.route_reverse("version_detail", slug=slug, version=version)


def _done_redirect(request: Request[Any, Any, Any], slug: str, version: str, done: str) -> Response[Any]:
    """Back to the version's page, which then says what happened (once)."""
    response = redirect_to(request, "version_detail", slug=slug, version=version)
    flash.remember(request, response, done, path=_version_path(request, slug, version))
    return response


async def app_page_section(db_session: AsyncSession, app: m.App, user: m.User | None) -> dict[str, Any]:
    """The app page's versions (the latest marked) and screenshots, as this user may see them."""
    catalog = AppService(db_session)
    return {
        "versions": await VersionService(db_session).list_for_app(app, user),
        "latest": await catalog.find_latest_version(app),
        "screenshots": await catalog.list_screenshots(app, user),
    }


async def version_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    slug: str,
    version: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """A version's page: its files (those waiting for review only to whom may see them), the
    publisher's upload and withdraw forms, and a reviewer's decision form; with a refused form's
    errors and what was typed in it (``values``)."""
    user = current_user(request)
    app = await AppService(db_session).get(slug, user)
    row = await VersionService(db_session).get(app, version, user)
    see_unreviewed = can_view_unreviewed(user, app.region_code)
    files = row.live_artifacts if see_unreviewed else row.approved_artifacts
    page = Template(
        "artifacts/version.html",
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
            "values": values or {},
            "max_upload_bytes": max_upload_bytes(request),
            "artifact_kinds": list(m.ArtifactKind),
        },
        status_code=status_code,
    )
    if errors is not None:  # a refused form shown again: the confirmation waits for the next view
        return page
    path = _version_path(request, app.slug, row.version)
    return flash.show(request, page, flash.waiting(request, DONE), path=path)


async def _version_form(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    slug: str,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    app = await AppService(db_session).get(slug, current_user(request))
    return Template(
        "artifacts/version_form.html",
        context={"app": app, "values": values, "errors": errors or {}},
        status_code=status_code,
    )


class ArtifactPages(Controller):
    include_in_schema = False

    # ------------------------------------------------------------------ screenshots

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
            shot = await service.add(user, app, image, caption)
        except AppError as exc:
            return await rerender(db_session, exc, app_page, request, db_session, slug)
        reviewed_later = app.status in lifecycle.REVIEWED_SEPARATELY
        pending = reviewed_later and shot.review_status != m.ReviewStatus.APPROVED
        done = "screenshot_added_pending" if pending else "screenshot_added"
        return done_redirect(request, slug, done, anchor="screenshots")

    @post("/screenshots/{screenshot_id:int}/remove", name="screenshot_remove", guards=[signed_in])
    async def remove_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Response[Any]:
        service = ScreenshotService(db_session, storage_of(request))
        shot = await service.get(screenshot_id, current_user(request))
        app = await db_session.get(m.App, shot.app_id)
        keys = await service.remove(current_user(request), screenshot_id)
        await commit_then_forget(db_session, storage_of(request), keys)
        return done_redirect(request, app.slug if app else "", "screenshot_removed", anchor="screenshots")

    # ------------------------------------------------------------------ versions

    @get("/apps/{slug:str}/versions/new", name="version_new", guards=[signed_in])
    async def new_version_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Template:
        return await _version_form(request, db_session, slug, {"release_date": date.today().isoformat()})

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
                # With the version's own error, if it has one: the form reports all at once.
                errors = [field_error("release_date", _("Enter a date as YYYY-MM-DD."))]
                try:
                    VersionService.parse(form.get("version", "").strip())
                except ValidationFailed as bad_version:
                    errors += bad_version.details if isinstance(bad_version.details, list) else []
                raise ValidationFailed(details=errors) from exc
            version = await VersionService(db_session).create(
                user,
                app,
                version=form.get("version", ""),
                release_notes=form.get("release_notes", ""),
                release_date=released,
                min_requirements=form.get("min_requirements", ""),
                security_fix=form.get("security_fix") == "on",
            )
        except AppError as exc:
            return await rerender(db_session, exc, _version_form, request, db_session, slug, form)
        return _done_redirect(request, slug, version.version, "version_created")

    @get("/apps/{slug:str}/versions/{version:str}", name="version_detail")
    async def version_detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, version: str
    ) -> Template:
        return await version_page(request, db_session, slug, version)

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
            return await rerender(
                db_session, exc, version_page, request, db_session, slug, version, values=form
            )
        return _done_redirect(request, slug, version, "version_yanked")

    # ------------------------------------------------------------------ files

    @post("/artifacts/{artifact_id:int}/remove", name="artifact_remove", guards=[signed_in])
    async def remove_artifact(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
    ) -> Response[Any]:
        storage = storage_of(request)
        artifact, key = await ArtifactService(db_session, storage).remove(current_user(request), artifact_id)
        app = await db_session.get(m.App, artifact.version.app_id)
        target = _done_redirect(request, app.slug if app else "", artifact.version.version, "file_removed")
        await commit_then_forget(db_session, storage, [key])
        return target

    @get("/artifacts/{artifact_id:int}/download", name="artifact_download")
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
    ) -> Response[Any]:
        return await download_response(request, db_session, artifact_id)


ARTIFACT_PAGES = [ArtifactPages]
