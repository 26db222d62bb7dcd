"""Discovery pages that find apps *for* people: the "similar apps" of every app page and the
duplicate check (查重) — published apps that look like the one a city is describing, submitting
or a reviewer is about to approve, so a region reuses before it rebuilds.

How each part reaches its page:

- Similar apps are fetched by the app page itself once it has loaded (htmx, ``app_similar``): the
  app page is the store's most visited page and must not wait on a search (or on a search engine
  that is down). The answer is empty when nothing is similar, and the section disappears.
- The duplicate panel of the app form follows what the city types (htmx, debounced, on the name
  and summary fields); the submit page loads it once. Both call ``duplicate_check``, which is
  also a page of its own for browsers without script.
- The reviewer's overlap is part of the app page (``app_page_section``), not fetched afterwards:
  the decision to approve must not depend on a script having run, and reviewers are few.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from search.service import Search
from store.catalog.pages import AppPageSection
from store.catalog.services import AppService
from store.db import models as m
from store.lib import policy
from store.lib.httpcache import anonymous_cache
from store.lib.policy import current_user, signed_in
from store.lib.templating import is_htmx

from .lookalikes import list_duplicates, list_similar
from .services import search_service

# The form's own limits (templates/catalog/form.html): what a browser sends stays under them.
NAME_MAX = 100
SUMMARY_MAX = 200


def app_page_section(search: Search) -> AppPageSection:
    """The app page's part of discovery, bound to the application's search service (a section
    is given no request to find it in)."""

    async def section(db_session: AsyncSession, app: m.App, user: m.User | None) -> dict[str, Any]:
        overlap = None
        if app.status == m.AppStatus.SUBMITTED and policy.can(user, "apps.review"):
            overlap = await list_duplicates(search, db_session, app.name, app.summary, exclude_id=app.id)
        return {"similar_apps_shown": True, "overlap": overlap}

    return section


class DiscoveryPages(Controller):
    include_in_schema = False

    # Visitors who are not signed in get kept copies, with ETags (store/lib/httpcache.py).
    @get("/apps/{slug:str}/similar", name="app_similar", middleware=[anonymous_cache])
    async def similar(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        """Apps similar to this one: the app page's fragment (empty when there are none), or a
        page of its own without htmx."""
        app = await AppService(db_session).get(slug, current_user(request))
        found = await list_similar(search_service(request), db_session, app)
        template = "discovery/_similar.html" if is_htmx(request) else "discovery/similar.html"
        return Template(template, context={"app": app, "similar": found})

    @get("/duplicate-check", name="duplicate_check", guards=[signed_in])
    async def duplicate_check(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        name: Annotated[str | None, Parameter(max_length=NAME_MAX)] = None,
        summary: Annotated[str | None, Parameter(max_length=SUMMARY_MAX)] = None,
        app: Annotated[str | None, Parameter(max_length=64, description="The app being edited.")] = None,
    ) -> Template:
        """Published apps that look like ``name``/``summary``. With ``app`` (a slug) that app is
        left out, and when neither text is given its own name and summary are checked (the
        submit page)."""
        subject = await AppService(db_session).get(app, current_user(request)) if app else None
        if subject is not None and name is None and summary is None:
            name, summary = subject.name, subject.summary
        name, summary = (name or "").strip(), (summary or "").strip()
        found = await list_duplicates(
            search_service(request),
            db_session,
            name,
            summary,
            exclude_id=subject.id if subject else None,
        )
        template = "discovery/_duplicates.html" if is_htmx(request) else "discovery/duplicates.html"
        return Template(
            template, context={"app": subject, "duplicates": found, "checked": bool(name or summary)}
        )


DISCOVERY_PAGES = [DiscoveryPages]
