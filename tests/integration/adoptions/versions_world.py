"""A published app with several versions and adoptions in many states and versions: the ground for
the version alerts, the outdated-versions report and the stale sweep.

Shenzhen (440300) publishes the app; 1.0.0, 1.1.0 and 1.3.0 are approved. Each adopting city has
staff; adoptions go through the service, each step in its own committed session as a request
would be (sessions without subscribers: arranging the ground alerts nobody).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.adoptions.services import AdoptionService, GoLive, RequestData
from store.db import models as m
from store.db.engine import session_maker
from store.db.models._adoption import Adoption
from tests.factories import auth_headers, make_user, published_app, upload

CITIES = {
    "mz": "441400",  # 梅州
    "gz": "440100",  # 广州
    "st": "440500",  # 汕头
    "zj": "440800",  # 湛江
    "jm": "440700",  # 江门
    "dg": "441900",  # 东莞
}


async def build_world(
    client: Any, db: AsyncSession, *, versions: tuple[str, ...] = ("1.1.0", "1.3.0")
) -> dict[str, Any]:
    users = {
        "publisher": await make_user(db, "city_staff", "440300", username="sz_pub"),
        "reviewer": await make_user(db, "province_reviewer", None, username="prov_rev"),
        "admin": await make_user(db, "province_admin", None, username="prov_admin"),
        "mz_colleague": await make_user(db, "city_staff", "441400", username="mz_colleague"),
        "mz_gone": await make_user(db, "city_staff", "441400", username="mz_gone"),
    }
    users["mz_gone"].is_active = False  # a former colleague: no longer alerted
    for key, code in CITIES.items():
        users[key] = await make_user(db, "city_staff", code, username=f"{key}_staff")
    await db.commit()
    publisher = await auth_headers(db, users["publisher"])
    reviewer = await auth_headers(db, users["reviewer"])
    app = await published_app(client, publisher, reviewer, name="网格事件管理", name_en="Grid Events")
    for version in versions:
        assert (await upload(client, publisher, app["slug"], version=version)).status_code == 201
    await db.execute(
        update(m.Version).where(m.Version.version.in_(versions)).values(review_status=m.ReviewStatus.APPROVED)
    )
    await db.execute(update(m.Artifact).values(review_status=m.ReviewStatus.APPROVED))
    await db.commit()
    app_id = await db.scalar(select(m.App.id).where(m.App.slug == app["slug"]))
    return {
        "slug": app["slug"],
        "app_id": app_id,
        "users": users,
        "publisher": publisher,
        "reviewer": reviewer,
    }


async def adoption_in(
    engine: AsyncEngine,
    world: dict[str, Any],
    who: str,
    status: str,
    version: str = "1.0.0",
    *,
    went_live_on: date = date(2025, 1, 10),
) -> int:
    """An adoption of the world's app by ``who``'s city, moved to ``status``; its id."""
    adopter: m.User = world["users"][who]
    publisher: m.User = world["users"]["publisher"]
    paths = {
        "requested": [],
        "approved": [(publisher, "approved")],
        "deploying": [(publisher, "approved"), (adopter, "deploying")],
        "live": [(publisher, "approved"), (adopter, "deploying"), (adopter, "live")],
        "retired": [(publisher, "approved"), (adopter, "deploying"), (adopter, "live"), (adopter, "retired")],
        "declined": [(publisher, "declined")],
    }
    maker = session_maker(engine)
    async with maker() as session:
        adoption = await AdoptionService(session).request(
            adopter,
            RequestData(app=world["slug"], version=version, contact_name="李工", purpose="网格事件上报"),
        )
        await session.commit()
        adoption_id = adoption.id
    for user, to in paths[status]:
        async with maker() as session:
            service = AdoptionService(session, today=lambda: date(2025, 6, 1))
            found = await service.get(adoption_id, user)
            go_live = GoLive(went_live_on) if to == "live" else None
            await service.transition(
                user, found, to, "理由" if to in ("declined", "retired") else "", go_live=go_live
            )
            await session.commit()
    return adoption_id


async def adoption(db: AsyncSession, adoption_id: int) -> Adoption:
    found = await db.get(Adoption, adoption_id, populate_existing=True)
    assert found is not None
    return found
