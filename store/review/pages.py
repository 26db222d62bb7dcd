"""Review pages: the provincial review queue, and a reviewer's decisions on what was added to or
changed in a published app (the forms live on the app and version pages); and what the app page
shows a reviewer (``app_page_section``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.artifacts.pages import version_page
from store.artifacts.services import VersionService
from store.catalog.pages import app_page
from store.catalog.services import AppService
from store.db import models as m
from store.lib import policy
from store.lib.errors import AppError
from store.lib.forms import form_data, redirect_to, rerender
from store.lib.pagination import Page, PageNumber
from store.lib.policy import current_user, requires

from .services import ReviewService

PER_PAGE = 50


async def app_page_section(db_session: AsyncSession, app: m.App, user: m.User | None) -> dict[str, Any]:
    """For a reviewer, the app page's releases waiting for review and the edits made since the
    last review (with the actions on them); nothing for anyone else."""
    if not policy.can(user, "apps.review"):
        return {"pending_releases": [], "changes": None}
    reviews = ReviewService(db_session)
    return {
        "pending_releases": await reviews.list_pending_in(app),
        "changes": await reviews.get_changes_since_review(app),
    }


class ReviewPages(Controller):
    include_in_schema = False
    guards = [requires("apps.review")]

    @get("/review", name="review_queue")
    async def queue(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, page: PageNumber = 1
    ) -> Template:
        user = current_user(request)
        found = await AppService(db_session).list_submissions(user, page=page, per_page=PER_PAGE)
        queue = await ReviewService(db_session).get_queue(user)
        return Template(
            "review/queue.html",
            context={"apps": found.items, "page": Page.of(found), "queue": queue},
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
            return await rerender(db_session, exc, version_page, request, db_session, slug, version)
        return redirect_to(request, "review_queue")

    @post("/screenshots/{screenshot_id:int}/review", name="screenshot_review")
    async def review_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Response[Any]:
        user = current_user(request)
        form = await form_data(request)
        service = ReviewService(db_session)
        # Looked up first: a refused decision is shown on the screenshot's app page.
        slug = await service.find_slug_of_screenshot(screenshot_id)
        try:
            app, _shot = await service.review_screenshot(
                user, screenshot_id, form.get("decision", ""), form.get("comment", "")
            )
        except AppError as exc:
            if slug is None:
                raise
            return await rerender(db_session, exc, app_page, request, db_session, slug)
        return redirect_to(request, "app_detail", slug=app.slug, anchor="screenshots")

    @post("/apps/{slug:str}/changes/seen", name="changes_seen")
    async def mark_seen(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        try:
            await ReviewService(db_session).mark_changes_seen(user, app)
        except AppError as exc:
            return await rerender(db_session, exc, app_page, request, db_session, slug)
        return redirect_to(request, "review_queue")


REVIEW_PAGES = [ReviewPages]
