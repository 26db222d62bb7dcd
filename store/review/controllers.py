"""The review gate after publication, as JSON: the queue, decisions on pending versions and
screenshots, and marking a public app's edits as seen. Provincial staff only.

Returning a published app to its publisher is ``POST /api/v1/apps/{slug}/review`` with
``{"decision": "return", "comment": …}``, like returning a submission.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from store.artifacts.schemas import VersionOut
from store.artifacts.services import VersionService
from store.catalog.schemas import ReviewInput
from store.catalog.services import AppService
from store.lib import idempotency
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import current_user, requires

from . import schemas as s
from .services import ReviewService


class ReviewApi(Controller):
    path = "/api/v1"
    tags = ["review"]
    guards = [requires("apps.review")]

    @get("/review/queue", summary="Everything waiting for a provincial reviewer")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        page: PageNumber = 1,
        per_page: int = items_per_page(50, maximum=100),
    ) -> s.QueueOut:
        user = current_user(request)
        submissions, total = await AppService(db_session).review_queue(user, page=page, per_page=per_page)
        queue = await ReviewService(db_session).queue(user)
        return s.QueueOut.of(submissions, total, queue.releases, queue.screenshots, queue.changed)

    @post(
        "/apps/{slug:str}/versions/{version:str}/review",
        summary="Approve or return a version of a published app (with its files waiting for review)",
    )
    async def review_version(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        version: str,
        data: ReviewInput,
    ) -> Response[Any]:
        user = current_user(request)
        if replayed := await idempotency.replay(db_session, user, request):
            return replayed
        app = await AppService(db_session).get(slug, user)
        row = await VersionService(db_session).get(app, version, user)
        reviewed = await ReviewService(db_session).review_version(user, app, row, data.decision, data.comment)
        return await idempotency.answer(
            db_session, user, request, VersionOut.of(reviewed, unreviewed_visible=True)
        )

    @post(
        "/screenshots/{screenshot_id:int}/review", summary="Approve or return a screenshot of a published app"
    )
    async def review_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int, data: ReviewInput
    ) -> Response[Any]:
        user = current_user(request)
        if replayed := await idempotency.replay(db_session, user, request):
            return replayed
        app, shot = await ReviewService(db_session).review_screenshot(
            user, screenshot_id, data.decision, data.comment
        )
        return await idempotency.answer(db_session, user, request, s.ScreenshotOut.of(app, shot))

    @get("/apps/{slug:str}/changes", summary="Edits of a published app since its last review")
    async def changes(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> s.ChangesOut:
        app = await AppService(db_session).get(slug, current_user(request))
        return s.ChangesOut.of(app, await ReviewService(db_session).changes_since_review(app))

    @post(
        "/apps/{slug:str}/changes/seen", summary="Mark a published app's edits since its last review as seen"
    )
    async def mark_seen(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        user = current_user(request)
        if replayed := await idempotency.replay(db_session, user, request):
            return replayed
        app = await AppService(db_session).get(slug, user)
        seen = await ReviewService(db_session).mark_changes_seen(user, app)
        return await idempotency.answer(db_session, user, request, s.ChangesOut.of(app, seen))


REVIEW_API = [ReviewApi]
