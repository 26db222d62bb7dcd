"""Review pages: the provincial review queue, and a reviewer's decisions on what was added to or
changed in a published app (the forms live on the app and version pages); what the app page
shows a reviewer (``app_page_section``); and the header's counts of what waits (``header_counts``).

After a decision the reviewer lands on the queue, which says what happened to which app, with a
link to it (store/lib/flash.py carries the code and the app's or version's id; the queue looks
the names up). Approving publishes at once, so the page asks for a ticked "I have checked" box
and refuses the decision without it (the JSON API takes the decision as sent).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.artifacts.pages import version_page
from store.artifacts.services import VersionService
from store.catalog.pages import CONFIRM_APPROVAL, app_page, done_redirect
from store.catalog.services import AppService
from store.db import models as m
from store.lib import flash, policy
from store.lib.errors import AppError, ValidationFailed, field_error
from store.lib.forms import form_data, redirect_to, rerender
from store.lib.i18n import _, gettext
from store.lib.pagination import Page, PageNumber
from store.lib.policy import current_user, requires

from .services import ReviewService, count_returned, count_waiting

PER_PAGE = 50

# What the queue confirms after a decision, naming the app (``about``: the app's id; for the
# version codes, the version's id). The catalog's review form sets the ``app_`` codes.
DONE: dict[str, str] = {
    "app_approved": _("Approved “%(app)s”: it is published in the catalog."),
    "app_returned": _("Returned “%(app)s” to %(region)s with your comments."),
    "version_approved": _("Approved version %(version)s of “%(app)s”: it is public."),
    "version_returned": _("Returned version %(version)s of “%(app)s” to %(region)s with your comments."),
    "changes_seen": _("The changes to “%(app)s” are marked as seen."),
}
VERSION_DONE = {"approve": "version_approved", "return": "version_returned"}


async def app_page_section(db_session: AsyncSession, app: m.App, user: m.User | None) -> dict[str, Any]:
    """For a reviewer, the app page's releases waiting for review, the edits made since the last
    review (with the actions on them) and, for a resubmission, the return it answers and what
    changed since; nothing for anyone else."""
    if not policy.can(user, "apps.review"):
        return {"pending_releases": [], "changes": None, "resubmission": None}
    reviews = ReviewService(db_session)
    return {
        "pending_releases": await reviews.list_pending_in(app),
        "changes": await reviews.get_changes_since_review(app),
        "resubmission": await reviews.find_resubmission(app),
    }


async def header_counts(session: AsyncSession, user: m.User) -> dict[str, int]:
    """What waits for this user, for the header's badges (one aggregate query): the review queue
    for provincial staff, their region's returned drafts for city staff."""
    if policy.can(user, "apps.review"):
        return {"review_queue": await count_waiting(session)}
    if policy.can(user, "apps.edit"):
        return {"returned_apps": await count_returned(session, user)}
    return {}


def _queue_path(request: Request[Any, Any, Any]) -> str:
    return request.app.route_reverse("review_queue")


def _to_queue(request: Request[Any, Any, Any], done: str, about: int) -> Response[Any]:
    """Back to the queue, which then names what was decided (once)."""
    response = redirect_to(request, "review_queue")
    flash.remember(request, response, done, path=_queue_path(request), about=about)
    return response


async def _done(request: Request[Any, Any, Any], db_session: AsyncSession) -> flash.Done | None:
    """The confirmation waiting for the queue, with the names looked up from the database."""
    found = flash.waiting_about(request, DONE)
    if found is None or not found[1].isdigit():
        return None
    code, about = found
    version: m.Version | None = None
    if code.startswith("version_"):
        version = await db_session.get(m.Version, int(about))
        app = await db_session.get(m.App, version.app_id) if version else None
    else:
        app = await db_session.get(m.App, int(about))
    if app is None:
        return None
    text = gettext(
        DONE[code], app=app.name, region=app.region.name, version=version.version if version else ""
    )
    link = request.app.route_reverse("app_detail", slug=app.slug)
    return flash.Done(text, link=link, link_text=gettext(_("Open the app")))


def _checked(decision: str, form: dict[str, str]) -> None:
    """Approving needs the ticked box of the decision form (see the module docstring)."""
    if decision == "approve" and form.get("confirm") != "yes":
        raise ValidationFailed(details=[field_error("confirm", CONFIRM_APPROVAL)])


class ReviewPages(Controller):
    include_in_schema = False
    guards = [requires("apps.review")]

    @get("/review", name="review_queue")
    async def queue(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, page: PageNumber = 1
    ) -> Template:
        user = current_user(request)
        found = await AppService(db_session).list_submissions(user, page=page, per_page=PER_PAGE)
        service = ReviewService(db_session)
        queue = await service.get_queue(user)
        rounds = await service.list_rounds([app.id for app in found.items])
        response = Template(
            "review/queue.html",
            context={"apps": found.items, "page": Page.of(found), "queue": queue, "rounds": rounds},
        )
        return flash.show(request, response, await _done(request, db_session), path=_queue_path(request))

    @post("/apps/{slug:str}/versions/{version:str}/review", name="version_review")
    async def review_version(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, version: str
    ) -> Response[Any]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        row = await VersionService(db_session).get(app, version, user)
        form = await form_data(request)
        decision = form.get("decision", "")
        try:
            _checked(decision, form)
            await ReviewService(db_session).review_version(user, app, row, decision, form.get("comment", ""))
        except AppError as exc:
            return await rerender(
                db_session, exc, version_page, request, db_session, slug, version, values=form
            )
        return _to_queue(request, VERSION_DONE[decision], row.id)

    @post("/screenshots/{screenshot_id:int}/review", name="screenshot_review")
    async def review_screenshot(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Response[Any]:
        user = current_user(request)
        form = await form_data(request)
        service = ReviewService(db_session)
        # Looked up first: a refused decision is shown on the screenshot's app page.
        slug = await service.find_slug_of_screenshot(screenshot_id)
        decision = form.get("decision", "")
        try:
            app, _shot = await service.review_screenshot(
                user, screenshot_id, decision, form.get("comment", "")
            )
        except AppError as exc:
            if slug is None:
                raise
            # Under the screenshot's own form: the page has one per screenshot, and others
            # with a comment field.
            return await rerender(
                db_session,
                exc,
                app_page,
                request,
                db_session,
                slug,
                values=form,
                failed=f"screenshot-{screenshot_id}",
            )
        done = "screenshot_approved" if decision == "approve" else "screenshot_returned"
        return done_redirect(request, app.slug, done, anchor="screenshots")

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
        return _to_queue(request, "changes_seen", app.id)


REVIEW_PAGES = [ReviewPages]
