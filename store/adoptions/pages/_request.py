"""The 申请复用 form: which version, for which region (the user's own or one of its districts),
why, who to call and where it will run."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog.services import AppService
from store.db import models as m
from store.lib.errors import AppError, Conflict
from store.lib.forms import form_data, rerender
from store.lib.i18n import _, gettext
from store.lib.policy import current_user, requires

from .. import forms, rules
from ..services import AdoptionService
from ._common import done_redirect, own_regions


async def request_form(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    slug: str,
    values: dict[str, str] | None = None,
    *,
    open_id: int | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The form, filled in with the user's region and name and the newest version; ``values`` are
    what was posted when a refused form is shown again, ``open_id`` the adoption a 409 named."""
    user = current_user(request)
    assert user is not None  # the routes' guard
    app = await AppService(db_session).get(slug, user)
    service = AdoptionService(db_session)
    versions = await service.list_offered_versions(app)
    regions = await own_regions(db_session, user)
    refusal = None
    if app.status != m.AppStatus.PUBLISHED:
        refusal = gettext(_("Only a published app can be adopted."))
    elif regions and (
        reason := rules.request_refusal(
            user.region_code, rules.Place.of(regions[0]), rules.Place.of(app.region)
        )
    ):
        refusal = gettext(reason)
    own_open = await service.find_open(app.id, user.region_code)
    defaults = {
        "version": versions[0].version if versions else "",
        "region": user.region_code,
        "contact_name": user.display_name,
    }
    return Template(
        "adoptions/request_form.html",
        context={
            "app": app,
            "versions": versions,
            "regions": regions,
            "refusal": refusal,
            "own_open": own_open,
            "open_id": open_id,
            "values": defaults if values is None else values,
            "errors": errors or {},
        },
        status_code=status_code,
    )


class RequestPages(Controller):
    include_in_schema = False
    guards = [requires("adoptions.request")]

    @get("/apps/{slug:str}/adopt", name="adoption_request_form")
    async def form(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        return await request_form(request, db_session, slug)

    @post("/apps/{slug:str}/adopt", name="adoption_request")
    async def send(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> Response[Any]:
        form = await form_data(request)
        data, found = forms.request_data(form, slug)
        try:
            # The form's own findings go with the service's: every error in one answer.
            adoption = await AdoptionService(db_session).request(current_user(request), data, found=found)
        except AppError as exc:
            # "Already open" names the open adoption: the page links to it.
            named = exc.details if isinstance(exc, Conflict) and isinstance(exc.details, dict) else {}
            return await rerender(
                db_session, exc, request_form, request, db_session, slug, form, open_id=named.get("adoption")
            )
        return done_redirect(request, adoption.id, "requested")
