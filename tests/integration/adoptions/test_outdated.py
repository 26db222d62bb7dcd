"""Who runs outdated versions, on SQLite and PostgreSQL: the one query (withdrawn, missing a
security fix, behind the latest; running adoptions only), the app page's section for the
publisher and the province, the ``/adoptions/outdated`` page and the JSON twin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.adoptions.outdated import Reason, Scope, count_outdated, outdated_adoptions
from store.db import models as m
from store.db.engine import session_maker
from tests.factories import auth_headers, page_login, published_app, upload

from .versions_world import adoption_in, build_world


@pytest.fixture
async def world(client: Any, db: AsyncSession, engine: AsyncEngine) -> dict[str, Any]:
    """1.0.0, 1.1.0, 1.2.0 (a security fix) and 1.3.0 are offered, then 1.1.0 is withdrawn.
    Meizhou runs 1.0.0 (misses the fix), Guangzhou 1.2.0 (behind), Shantou 1.1.0 (withdrawn),
    Dongguan 1.3.0 (current); Zhanjiang only asked, Jiangmen retired. Meizhou also runs an old
    version of a Guangzhou app."""
    world = await build_world(client, db)
    created = await client.post(
        f"/api/v1/apps/{world['slug']}/versions",
        json={"version": "1.2.0", "security_fix": True},
        headers=world["publisher"],
    )
    assert created.status_code == 201, created.text
    await db.execute(
        update(m.Version).where(m.Version.version == "1.2.0").values(review_status=m.ReviewStatus.APPROVED)
    )
    await db.commit()
    world["ids"] = {
        "mz": await adoption_in(engine, world, "mz", "live", "1.0.0"),
        "gz": await adoption_in(engine, world, "gz", "deploying", "1.2.0"),
        "st": await adoption_in(engine, world, "st", "approved", "1.1.0"),
        "dg": await adoption_in(engine, world, "dg", "live", "1.3.0"),
        "zj": await adoption_in(engine, world, "zj", "requested", "1.0.0"),
        "jm": await adoption_in(engine, world, "jm", "retired", "1.0.0"),
    }
    yanked = await client.post(
        f"/api/v1/apps/{world['slug']}/versions/1.1.0/yank",
        json={"reason": "数据库迁移脚本有误"},
        headers=world["publisher"],
    )
    assert yanked.status_code == 200, yanked.text
    # Guangzhou publishes an app too; Meizhou runs its 1.0.0 while 2.0.0 is out.
    gz_headers = await auth_headers(db, world["users"]["gz"])
    other = await published_app(
        client, gz_headers, world["reviewer"], name="城市体检平台", name_en="City Check"
    )
    assert (await upload(client, gz_headers, other["slug"], version="2.0.0")).status_code == 201
    await db.execute(
        update(m.Version).where(m.Version.version == "2.0.0").values(review_status=m.ReviewStatus.APPROVED)
    )
    await db.commit()
    world["other_slug"] = other["slug"]
    other_world = {
        **world,
        "slug": other["slug"],
        "users": {**world["users"], "publisher": world["users"]["gz"]},
    }
    world["ids"]["mz_other"] = await adoption_in(engine, other_world, "mz", "live", "1.0.0")
    return world


async def found(engine: AsyncEngine, scope: Scope) -> list[tuple[str, str, str, str | None, str | None, str]]:
    async with session_maker(engine)() as session:
        rows = await outdated_adoptions(session, scope)
        assert await count_outdated(session, scope) == len(rows)
    return [(r.region.code, r.version, r.reason, r.latest, r.security_fix, r.app_slug) for r in rows]


async def test_the_query_names_each_outdated_adoption_with_its_reason(world, engine) -> None:
    slug, other = world["slug"], world["other_slug"]
    assert await found(engine, Scope(app_id=world["app_id"])) == [
        ("440500", "1.1.0", "yanked", "1.3.0", "1.2.0", slug),  # the worst first
        ("441400", "1.0.0", "security", "1.3.0", "1.2.0", slug),
        ("440100", "1.2.0", "behind", "1.3.0", None, slug),
    ]
    everything = await found(engine, Scope())
    assert len(everything) == 4 and ("441400", "1.0.0", "behind", "2.0.0", None, other) in everything
    # By publishing region, by adopting region (a city with its districts), by reason.
    assert [row[0] for row in await found(engine, Scope(publisher_region="440300"))] == [
        "440500",
        "441400",
        "440100",
    ]
    assert [(row[2], row[5]) for row in await found(engine, Scope(adopter_region="441400"))] == [
        ("security", slug),
        ("behind", other),
    ]
    # (apps by name: the order of Chinese names is the database's collation)
    assert sorted(row[0] for row in await found(engine, Scope(reason=Reason.BEHIND))) == ["440100", "441400"]
    assert [row[0] for row in await found(engine, Scope(reason=Reason.YANKED))] == ["440500"]
    async with session_maker(engine)() as session:
        rows = await outdated_adoptions(session, Scope(app_id=world["app_id"]))
    assert rows[0].yank_reason == "数据库迁移脚本有误" and rows[0].adoption_id == world["ids"]["st"]
    assert rows[0].reason_text  # translated where shown


async def test_an_app_with_every_version_withdrawn_still_lists_its_adopters(world, engine, db) -> None:
    await db.execute(update(m.Version).where(m.Version.app_id == world["app_id"]).values(yanked=True))
    await db.commit()
    rows = await found(engine, Scope(app_id=world["app_id"]))
    assert {(row[0], row[2], row[3]) for row in rows} == {
        ("440500", "yanked", None),
        ("441400", "yanked", None),
        ("440100", "yanked", None),
        ("441900", "yanked", None),
    }


def listed_adoptions(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/adoptions/(\d+)"', html)]


@pytest.mark.parametrize(
    ("who", "shown"),
    [("publisher", True), ("reviewer", True), ("admin", True), ("gz", False), ("mz", False), (None, False)],
)
async def test_the_app_page_shows_the_section_to_the_publisher_and_the_province(
    world, client, who, shown
) -> None:
    if who:
        await page_login(client, world["users"][who].username)
    page = await client.get(f"/apps/{world['slug']}")
    assert page.status_code == 200
    assert ('id="outdated"' in page.text) is shown
    if shown:
        section = page.text.split('id="outdated"', 1)[1].split("</section>", 1)[0]
        assert listed_adoptions(section) == [world["ids"][k] for k in ("st", "mz", "gz")]
        assert "1.2.0" in section and "数据库迁移脚本有误" in section


async def test_the_page_lists_by_view_and_reason(world, client) -> None:
    ids = world["ids"]
    await page_login(client, "sz_pub")
    page = await client.get("/adoptions/outdated")
    assert page.status_code == 200, page.text
    assert listed_adoptions(page.text) == [ids["st"], ids["mz"], ids["gz"]]
    assert f'href="/apps/{world["other_slug"]}"' not in page.text
    mine = await client.get("/adoptions/outdated", params={"view": "mine"})
    assert listed_adoptions(mine.text) == []
    yanked = await client.get("/adoptions/outdated", params={"reason": "yanked"})
    assert listed_adoptions(yanked.text) == [ids["st"]]
    assert (await client.get("/adoptions/outdated", params={"reason": "drop table"})).status_code == 400

    await page_login(client, "mz_staff")
    incoming = await client.get("/adoptions/outdated")
    assert listed_adoptions(incoming.text) == []
    own = await client.get("/adoptions/outdated", params={"view": "mine"})
    assert listed_adoptions(own.text) == [ids["mz"], ids["mz_other"]]

    await page_login(client, "prov_admin")
    everything = await client.get("/adoptions/outdated", params={"view": "incoming"})  # not theirs: all
    assert sorted(listed_adoptions(everything.text)) == sorted(ids[k] for k in ("st", "mz", "gz", "mz_other"))


async def test_the_page_needs_a_signed_in_user_and_leaves_adoption_numbers_to_the_adoption_page(
    world, app, client, other_client
) -> None:
    anonymous = await other_client.get("/adoptions/outdated")
    assert anonymous.status_code in (302, 303, 401)
    assert str(world["ids"]["mz"]) not in anonymous.text or anonymous.status_code != 200
    await page_login(client, "sz_pub")
    # /adoptions/outdated is its own page, and /adoptions/<number> still the adoption's.
    assert app.route_reverse("adoptions_outdated") == "/adoptions/outdated"
    outdated = await client.get("/adoptions/outdated")
    adoption = await client.get(f"/adoptions/{world['ids']['mz']}")
    assert outdated.status_code == adoption.status_code == 200
    assert 'id="outdated-title"' not in adoption.text
    assert "<h1>" in outdated.text and outdated.text != adoption.text


@pytest.mark.parametrize(("who", "status"), [("publisher", 200), ("reviewer", 200), ("mz", 403), (None, 401)])
async def test_the_api_answers_the_publisher_and_the_province(world, client, db, who, status) -> None:
    headers = await auth_headers(db, world["users"][who]) if who else {}
    response = await client.get(f"/api/v1/apps/{world['slug']}/outdated-adoptions", headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json() == [
            {
                "adoption": world["ids"]["st"],
                "status": "approved",
                "region": "440500",
                "region_name": "汕头",
                "version": "1.1.0",
                "latest": "1.3.0",
                "security_fix": "1.2.0",
                "reason": "yanked",
                "yank_reason": "数据库迁移脚本有误",
            },
            {
                "adoption": world["ids"]["mz"],
                "status": "live",
                "region": "441400",
                "region_name": "梅州",
                "version": "1.0.0",
                "latest": "1.3.0",
                "security_fix": "1.2.0",
                "reason": "security",
                "yank_reason": "",
            },
            {
                "adoption": world["ids"]["gz"],
                "status": "deploying",
                "region": "440100",
                "region_name": "广州",
                "version": "1.2.0",
                "latest": "1.3.0",
                "security_fix": None,
                "reason": "behind",
                "yank_reason": "",
            },
        ]


async def test_the_api_is_in_the_openapi_schema_and_hides_unknown_apps(world, client, db) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/apps/{slug}/outdated-adoptions" in schema["paths"]
    headers = await auth_headers(db, world["users"]["publisher"])
    missing = await client.get("/api/v1/apps/no-such-app/outdated-adoptions", headers=headers)
    assert missing.status_code == 404


async def test_what_the_publisher_wrote_is_escaped(world, client, db) -> None:
    await db.execute(
        update(m.Version).where(m.Version.version == "1.1.0").values(yank_reason="<script>alert(1)</script>")
    )
    await db.commit()
    await page_login(client, "sz_pub")
    for path in (f"/apps/{world['slug']}", "/adoptions/outdated"):
        page = await client.get(path)
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
