"""What the adoption pages share: the confirmation shown after an action (a short-lived cookie
read once by the adoption page), the names of the steps, and the lists the forms choose from."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Redirect
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import flash
from store.lib.forms import redirect_to
from store.lib.i18n import _

from ..lifecycle import S

# ---------------------------------------------------------------------------- after an action

# What happened, by code (store/lib/flash.py carries the code to the page).
DONE: dict[str, str] = {
    "requested": _("Request sent. The publishing region answers on this page."),
    "approved": _("Approved. The adopting region may now start deploying."),
    "declined": _("Declined. The adopting region sees your reason."),
    "withdrawn": _("Request withdrawn."),
    "deploying": _("Marked as deploying."),
    "live": _("Marked as live. The publishing region is asked to confirm it."),
    "retired": _("Adoption retired."),
    "confirmed": _("Confirmed: this region runs your app."),
    "disputed": _("Disputed. The adopting region sees your comment."),
    "feedback": _("Feedback saved."),
    "upgraded": _("New version recorded."),
    "reconfirmed": _("Re-confirmed as live for another year."),
    "noted": _("Note added."),
}


def adoption_path(request: Request[Any, Any, Any], adoption_id: int) -> str:
    return request.app.route_reverse("adoption_page", adoption_id=adoption_id)


def done_redirect(request: Request[Any, Any, Any], adoption_id: int, done: str) -> Redirect:
    """Back to the adoption's page, which then says what happened (once)."""
    response = redirect_to(request, "adoption_page", adoption_id=adoption_id)
    flash.remember(request, response, done, path=adoption_path(request, adoption_id))
    return response


def take_done(request: Request[Any, Any, Any]) -> str | None:
    """The confirmation waiting for this page, translated; None when there is none."""
    return flash.waiting(request, DONE)


def forget_done(request: Request[Any, Any, Any], response: Response[Any], adoption_id: int) -> None:
    flash.forget(request, response, path=adoption_path(request, adoption_id))


# ---------------------------------------------------------------------------- names of the steps

# The button (and heading) of each step, by the status it leads to.
STEP_NAMES: dict[str, str] = {
    S.APPROVED: _("Approve"),
    S.DECLINED: _("Decline"),
    S.WITHDRAWN: _("Withdraw the request"),
    S.DEPLOYING: _("Start deploying"),
    S.LIVE: _("Record going live"),
    S.RETIRED: _("Retire"),
}
# Steps that cannot be undone: a ticked box (and the browser's confirm()) before they are taken.
FINAL_STEPS = frozenset({S.DECLINED, S.WITHDRAWN, S.RETIRED})
CONFIRM_QUESTIONS: dict[str, str] = {
    S.DECLINED: _("Decline this request? This cannot be undone; the region may ask again later."),
    S.WITHDRAWN: _("Withdraw this request? This cannot be undone; you may ask again later."),
    S.RETIRED: _("Retire this adoption? This cannot be undone; it stays in the history."),
}


# ---------------------------------------------------------------------------- choices


async def own_regions(db_session: AsyncSession, user: m.User) -> list[m.Region]:
    """The user's region and the districts under it (own first): where a request may be for."""
    rows = await db_session.scalars(
        select(m.Region)
        .where(or_(m.Region.code == user.region_code, m.Region.parent_code == user.region_code))
        .order_by(m.Region.level != m.RegionLevel.CITY, m.Region.code)
    )
    return list(rows)


async def listed_regions(db_session: AsyncSession) -> list[m.Region]:
    """Cities and districts, each city followed by its districts (the lists' region filter)."""
    rows = await db_session.scalars(
        select(m.Region).where(m.Region.level != m.RegionLevel.PROVINCE).order_by(m.Region.code)
    )
    return list(rows)
