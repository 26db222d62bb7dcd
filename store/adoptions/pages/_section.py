"""What the catalog's app page shows of adoptions (``app_page_section``): the live-adoption count,
who reuses the app, and the 申请复用 button for those who may ask."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import policy

from .. import rules
from ..lifecycle import S
from ..services import AdoptionService, live_adoption_counts

# "Who reuses this": the open adoptions and those that ran and ended; not the declined or
# withdrawn requests (nobody reused anything there). Live first, then the way to live.
SHOWN_ORDER = (S.LIVE, S.DEPLOYING, S.APPROVED, S.REQUESTED, S.RETIRED)
MAX_SHOWN = 100


async def app_page_section(db_session: AsyncSession, app: m.App, user: m.User | None) -> dict[str, Any]:
    """The app page's "who reuses this", as anyone who may see the app may see it (no contact,
    purpose or comment: those stay on the adoption's page, for its two sides and the province)."""
    service = AdoptionService(db_session)
    found = await service.list_reusers(app.id, limit=MAX_SHOWN + 1)
    shown = sorted(
        found[:MAX_SHOWN],
        key=lambda a: (SHOWN_ORDER.index(a.status), -(a.went_live_on or a.created_at.date()).toordinal()),
    )
    may_request, own_open = False, None
    if user is not None and app.status == m.AppStatus.PUBLISHED and policy.can(user, "adoptions.request"):
        region = await db_session.get(m.Region, user.region_code)
        refusal = (
            rules.request_refusal(user.region_code, rules.Place.of(region), rules.Place.of(app.region))
            if region is not None
            else "no region"
        )
        if refusal is None:
            own_open = await service.find_open(app.id, user.region_code)
            may_request = own_open is None
    return {
        "adoption_section": {
            "live_count": (await live_adoption_counts(db_session, [app.id]))[app.id],
            "adoptions": shown,
            "more": len(found) > MAX_SHOWN,
            "may_request": may_request,
            "own_open": own_open,
        }
    }
