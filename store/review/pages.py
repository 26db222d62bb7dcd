"""Review pages: the provincial review queue, and a reviewer's decisions on what was added to or
changed in a published app (the forms live on the app and version pages)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.artifacts.services import VersionService
from store.catalog.pages import app_page, version_page
from store.catalog.services import AppService
from store.lib.errors import AppError
from store.lib.forms import form_data, form_errors
from store.lib.pagination import Page, PageNumber
from store.lib.policy import current_user, requires

from .services import ReviewService

PER_PAGE = 50


class ReviewPages(Controller):
    include_in_schema = False
    guards = [requires("apps.review")]

    @get("/review", name="review_queue")
    async def queue(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, page: PageNumber = 1
    ) -> Template:
        user = current_user(request)
        apps, total = await AppService(db_session).review_queue(user, page=page, per_page=PER_PAGE)
        queue = await ReviewService(db_session).queue(user)
        return Template(
            "catalog/review_queue.html",
            context={"apps": apps, "page": Page(page, PER_PAGE, total), "queue": queue},
        )

    @post("/apps/{slug:str}/versions/{version:str}/review", name="version_review")
    async def review_version(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, version: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        row = await VersionService(db_session).get(app, version, user)
        form = await form_data(request)
        try:
            await ReviewService(db_session).review_version(
                user, app, row, form.get("decision", ""), form.get("comment", "")
            )
        except AppError as exc:
            await db_session.rollback()
            return await version_page(
                request, db_session, slug, version, errors=form_errors(exc), status_code=exc.status_code
            )
        return Redirect(path="/review")

    @post("/screenshots/{screenshot_id:int}/review", name="screenshot_review")
    async def review_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Response[Any]:
        user = current_user(request)
        form = await form_data(request)
        service = ReviewService(db_session)
        try:
            app, _shot = await service.review_screenshot(
                user, screenshot_id, form.get("decision", ""), form.get("comment", "")
            )
        except AppError as exc:
            await db_session.rollback()
            slug = await service.slug_of_screenshot(screenshot_id)
            if slug is None:
                raise
            return await app_page(
                request, db_session, slug, errors=form_errors(exc), status_code=exc.status_code
            )
        return Redirect(path=f"/apps/{app.slug}#screenshots")

    @post("/apps/{slug:str}/changes/seen", name="changes_seen")
    async def mark_seen(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        try:
            await ReviewService(db_session).mark_changes_seen(user, app)
        except AppError as exc:
            await db_session.rollback()
            return await app_page(
                request, db_session, slug, errors=form_errors(exc), status_code=exc.status_code
            )
        return Redirect(path="/review")


REVIEW_PAGES = [ReviewPages]
