"""The review gate after publication, as JSON: the queue, decisions on pending versions and
screenshots, and marking a public app's edits as seen. Provincial staff only.

Returning a published app to its publisher is ``POST /api/v1/apps/{slug}/review`` with
``{"decision": "return", "comment": …}``, like returning a submission.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from store.artifacts.schemas import VersionOut
from store.artifacts.services import VersionService
from store.catalog.schemas import ReviewIn
from store.catalog.services import AppService
from store.lib.idempotency import idempotent
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import current_user, requires

from . import schemas as s
from .services import ReviewService


class ReviewApi(Controller):
    path = "/api/v1"
    tags = ["review"]
    guards = [requires("apps.review")]

    @get("/review/queue", name="api_review_queue", summary="Everything waiting for a provincial reviewer")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        page: PageNumber = 1,
        per_page: int = items_per_page(50, maximum=100),
    ) -> s.QueueOut:
        user = current_user(request)
        submissions = await AppService(db_session).list_submissions(user, page=page, per_page=per_page)
        queue = await ReviewService(db_session).get_queue(user)
        return s.QueueOut.of(submissions, queue.releases, queue.screenshots, queue.changed)

    @post(
        "/apps/{slug:str}/versions/{version:str}/review",
        name="api_version_review",
        summary="Approve or return a version of a published app (with its files waiting for review)",
    )
    @idempotent()
    async def review_version(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        version: str,
        data: ReviewIn,
    ) -> VersionOut:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        row = await VersionService(db_session).get(app, version, user)
        reviewed = await ReviewService(db_session).review_version(user, app, row, data.decision, data.comment)
        return VersionOut.of(reviewed, unreviewed_visible=True)

    @post(
        "/screenshots/{screenshot_id:int}/review",
        name="api_screenshot_review",
        summary="Approve or return a screenshot of a published app",
    )
    @idempotent()
    async def review_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int, data: ReviewIn
    ) -> s.ScreenshotOut:
        app, shot = await ReviewService(db_session).review_screenshot(
            current_user(request), screenshot_id, data.decision, data.comment
        )
        return s.ScreenshotOut.of(app, shot)

    @get(
        "/apps/{slug:str}/changes",
        name="api_app_changes",
        summary="Edits of a published app since its last review",
    )
    async def changes(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> s.ChangesOut:
        app = await AppService(db_session).get(slug, current_user(request))
        return s.ChangesOut.of(app, await ReviewService(db_session).get_changes_since_review(app))

    @post(
        "/apps/{slug:str}/changes/seen",
        name="api_changes_seen",
        summary="Mark a published app's edits since its last review as seen",
    )
    @idempotent()
    async def mark_seen(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> s.ChangesOut:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        return s.ChangesOut.of(app, await ReviewService(db_session).mark_changes_seen(user, app))


REVIEW_API = [ReviewApi]
