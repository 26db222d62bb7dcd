"""Who sees which app, and which of its versions, is one rule (store/catalog/rules.py) read two
ways: a Python check for one thing and an SQL condition for lists. Both are checked here against
the expected answer for every kind of user, status and region, so they cannot drift apart."""

from __future__ import annotations

from sqlalchemy import select

from store.artifacts.services import VersionService
from store.catalog import rules
from store.catalog.services import AppFilters, AppService
from store.db import models as m
from tests.factories import auth_headers, create_app, make_user, published_app, upload

# slug -> (status, region); 深圳 is 440300, 广州 440100.
APPS = {
    "vis-sz-draft": (m.AppStatus.DRAFT, "440300"),
    "vis-gz-draft": (m.AppStatus.DRAFT, "440100"),
    "vis-sz-submitted": (m.AppStatus.SUBMITTED, "440300"),
    "vis-sz-published": (m.AppStatus.PUBLISHED, "440300"),
    "vis-gz-deprecated": (m.AppStatus.DEPRECATED, "440100"),
}
PUBLIC = {"vis-sz-published", "vis-gz-deprecated"}
SZ = {slug for slug, (_, region) in APPS.items() if region == "440300"}
GZ = {slug for slug, (_, region) in APPS.items() if region == "440100"}
# viewer -> the apps they see, and the apps "all_mine" lists for them
EXPECTED = {
    "anonymous": (PUBLIC, set()),
    "city_sz": (PUBLIC | SZ, SZ),
    "city_gz": (PUBLIC | GZ, GZ),
    "province_reviewer": (set(APPS), set(APPS)),
    "province_admin": (set(APPS), set(APPS)),
}


async def _catalog(client, db) -> dict[str, m.User | None]:
    sz = await make_user(db, "city_staff", "440300", username="vis_sz")
    gz = await make_user(db, "city_staff", "440100", username="vis_gz")
    reviewer = await make_user(db, "province_reviewer", username="vis_rev")
    admin = await make_user(db, "province_admin", username="vis_admin")
    sz_h, gz_h, rev_h = [await auth_headers(db, u) for u in (sz, gz, reviewer)]
    await create_app(client, sz_h, slug="vis-sz-draft")
    await create_app(client, gz_h, slug="vis-gz-draft")
    await create_app(client, sz_h, slug="vis-sz-submitted")
    assert (await upload(client, sz_h, "vis-sz-submitted")).status_code == 201
    assert (await client.post("/api/v1/apps/vis-sz-submitted/submit", headers=sz_h)).status_code == 200
    await published_app(client, sz_h, rev_h, slug="vis-sz-published")
    # A release added after publication waits for review: 2.0.0 is pending, 1.0.0 approved.
    assert (await upload(client, sz_h, "vis-sz-published", version="2.0.0")).status_code == 201
    await published_app(client, gz_h, rev_h, slug="vis-gz-deprecated")
    deprecated = await client.post(
        "/api/v1/apps/vis-gz-deprecated/deprecate", json={"reason": "由省级平台替代"}, headers=gz_h
    )
    assert deprecated.status_code == 200, deprecated.text
    return {
        "anonymous": None,
        "city_sz": sz,
        "city_gz": gz,
        "province_reviewer": reviewer,
        "province_admin": admin,
    }


async def test_single_checks_and_list_queries_give_the_same_answer(client, db) -> None:
    viewers = await _catalog(client, db)
    stored = {app.slug: app for app in await db.scalars(select(m.App).where(m.App.slug.in_(APPS)))}
    assert {slug: (app.status, app.region_code) for slug, app in stored.items()} == APPS
    service = AppService(db)
    for name, user in viewers.items():
        sees, mine = EXPECTED[name]
        checked = {
            slug for slug, app in stored.items() if rules.can_view_app(user, app.status, app.region_code)
        }
        listed = set(await db.scalars(select(m.App.slug).where(rules.visible_apps(user))))
        assert checked == listed == sees, name
        by_status = set()
        for status in m.AppStatus:
            found = await service.list_apps(AppFilters(status=status), user)
            assert found.total == len(found.items)
            by_status |= {app.slug for app in found.items}
        assert by_status == sees, name
        found = await service.list_apps(AppFilters(status="all_mine"), user)
        assert {app.slug for app in found.items} == mine, name


async def test_versions_listed_are_the_versions_a_user_may_open(client, db) -> None:
    viewers = await _catalog(client, db)
    app = await db.scalar(select(m.App).where(m.App.slug == "vis-sz-published"))
    assert app is not None
    versions = VersionService(db)
    every = list(await db.scalars(select(m.Version).where(m.Version.app_id == app.id)))
    assert {(v.version, v.review_status) for v in every} == {
        ("1.0.0", m.ReviewStatus.APPROVED),
        ("2.0.0", m.ReviewStatus.PENDING),
    }
    for name, user in viewers.items():
        listed = {v.version for v in await versions.list_for_app(app, user)}
        checked = {
            v.version
            for v in every
            if rules.can_view_item(user, app.status, app.region_code, v.review_status)
        }
        expected = {"1.0.0"} if name in ("anonymous", "city_gz") else {"1.0.0", "2.0.0"}
        assert listed == checked == expected, name
