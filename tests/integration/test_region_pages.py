"""The page of a city or district (``region_page``): what it published (a city with its
districts'), what it adopted and from whom, who reuses its apps, and figures that match the rows;
drafts of others and private adoption fields never shown; 404 for what is not a city or district;
Chinese and English.

Shenzhen (440300) publishes an app and keeps a draft; its district Nanshan (440305) publishes a
second app; Guangzhou keeps a draft. Meizhou (441400) runs Shenzhen's app and was declined
Nanshan's; its district Meijiang (441402) has asked for Shenzhen's app; Guangzhou runs it too.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.adoptions import region_pages
from store.adoptions.services import AdoptionService, GoLive, RequestData
from store.db import models as m
from store.db.engine import session_maker
from store.db.models._adoption import Adoption
from tests.factories import auth_headers, create_app, make_user, page_login, published_app

PRIVATE = {
    "contact_name": "联系人甲乙",
    "contact_phone": "0753-7654321",
    "purpose": "用途说明仅双方可见",
    "environment": "梅州政务云第七节点",
}


async def _adopt(
    engine: AsyncEngine,
    slug: str,
    adopter: m.User,
    publisher: m.User,
    *,
    region: str | None = None,
    to: str = "live",
    saving: str | None = None,
) -> int:
    """One adoption taken through the service to ``to`` (requested, declined or live)."""
    async with session_maker(engine)() as session:
        service = AdoptionService(session)
        adoption = await service.request(
            adopter,
            RequestData(app=slug, version="1.0.0", region=region, **PRIVATE),
        )
        if to == "declined":
            await service.transition(publisher, adoption, "declined", "拒绝理由仅双方可见")
        elif to == "live":
            await service.transition(publisher, adoption, "approved", "同意")
            await service.transition(adopter, adoption, "deploying")
            go_live = GoLive(date(2025, 6, 1), Decimal(saving) if saving else None, "对比自建估算")
            await service.transition(adopter, adoption, "live", go_live=go_live)
        await session.commit()
        return adoption.id


@pytest.fixture
async def world(client: httpx.AsyncClient, db: AsyncSession, engine: AsyncEngine) -> dict[str, Any]:
    db.add(m.Region(code="440305", name="南山区", name_en="Nanshan", level="district", parent_code="440300"))
    db.add(
        m.Region(
            code="441402", name="梅江区", level="district", parent_code="441400", is_east_west_north=True
        )
    )
    await db.commit()
    users = {
        "shenzhen": await make_user(db, "city_staff", "440300", username="sz_region"),
        "nanshan": await make_user(db, "city_staff", "440305", username="ns_region"),
        "meizhou": await make_user(db, "city_staff", "441400", username="mz_region"),
        "guangzhou": await make_user(db, "city_staff", "440100", username="gz_region"),
        "reviewer": await make_user(db, "province_reviewer", None, username="rev_region"),
    }
    reviewer = await auth_headers(db, users["reviewer"])
    shenzhen = await auth_headers(db, users["shenzhen"])
    nanshan = await auth_headers(db, users["nanshan"])
    guangzhou = await auth_headers(db, users["guangzhou"])
    await published_app(client, shenzhen, reviewer, slug="sz-grid-region", name="深圳网格事件平台")
    await published_app(client, nanshan, reviewer, slug="ns-permit-region", name="南山证照核验组件")
    await create_app(client, shenzhen, slug="sz-draft-region", name="深圳未发布草稿")
    await create_app(client, guangzhou, slug="gz-draft-region", name="广州未发布草稿")
    ids = {
        "mz_live": await _adopt(
            engine, "sz-grid-region", users["meizhou"], users["shenzhen"], saving="120.50"
        ),
        "mj_requested": await _adopt(
            engine, "sz-grid-region", users["meizhou"], users["shenzhen"], region="441402", to="requested"
        ),
        "gz_live": await _adopt(
            engine, "sz-grid-region", users["guangzhou"], users["shenzhen"], saving="30.25"
        ),
        "mz_declined": await _adopt(
            engine, "ns-permit-region", users["meizhou"], users["nanshan"], to="declined"
        ),
    }
    return {"users": users, "ids": ids}


def _rows(html: str, section: str) -> list[str]:
    """The ``data-adoption``/``data-app`` values of the rows in one section of the page."""
    match = re.search(rf'<section id="{section}".*?</section>', html, re.S)
    assert match, f"no section {section}"
    return re.findall(r'<tr data-(?:adoption|app)="([^"]+)"', match.group(0))


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1)


def _status_counts(html: str) -> dict[str, tuple[int, int]]:
    return {
        status: (int(mine), int(adopted))
        for status, mine, adopted in re.findall(
            r'<tr data-status="(\w+)"><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td></tr>', html
        )
    }


async def test_a_city_page_lists_its_and_its_districts_apps_and_who_reuses_them(world, client, db) -> None:
    page = await client.get("/regions/440300")
    assert page.status_code == 200
    html = page.text
    assert sorted(_rows(html, "published")) == ["ns-permit-region", "sz-grid-region"]
    assert "深圳未发布草稿" not in html and "广州未发布草稿" not in html
    # The district's app names its district, linked to the district's page.
    assert 'href="/regions/440305"' in html and "南山区" in html
    # Live counts beside each app: two regions run Shenzhen's app, none Nanshan's (declined).
    live = dict(re.findall(r'<tr data-app="([^"]+)">.*?<td class="live-count">(\d+)</td>', html, re.S))
    assert live == {"sz-grid-region": "2", "ns-permit-region": "0"}
    ids = world["ids"]
    assert sorted(_rows(html, "reusers")) == sorted(str(i) for i in ids.values())
    assert _rows(html, "adopted") == []
    # The figures are what the rows say, and what the database holds.
    assert _figure(html, "published") == "2"
    assert _figure(html, "reused-live") == "2"
    assert _figure(html, "reusing-regions") == "2"
    assert _figure(html, "saved-for-others") == "150.75 万元"  # store/lib/money.py's format
    saved = await db.scalar(select(func.sum(Adoption.saving_wan)).where(Adoption.status == "live"))
    assert Decimal(_figure(html, "saved-for-others").removesuffix(" 万元")) == Decimal(saved)
    counts = _status_counts(html)
    assert counts["live"] == (2, 0) and counts["requested"] == (1, 0) and counts["declined"] == (1, 0)
    assert counts["approved"] == (0, 0)
    # Adopting regions are linked to their pages.
    assert 'href="/regions/441400"' in html and 'href="/regions/441402"' in html


async def test_a_city_page_lists_what_it_and_its_districts_adopted(world, client) -> None:
    html = (await client.get("/regions/441400")).text
    ids = world["ids"]
    assert sorted(_rows(html, "adopted")) == sorted(
        str(ids[key]) for key in ("mz_live", "mj_requested", "mz_declined")
    )
    assert _rows(html, "published") == [] and _rows(html, "reusers") == []
    # From whom: the publishing regions, linked.
    adopted = re.search(r'<section id="adopted".*?</section>', html, re.S)
    assert adopted
    assert 'href="/regions/440300"' in adopted.group(0) and 'href="/regions/440305"' in adopted.group(0)
    assert "梅江区" in adopted.group(0)  # which district adopted it
    assert _figure(html, "adopted-live") == "1"
    assert _figure(html, "saved") == "120.5 万元"
    counts = _status_counts(html)
    assert counts["live"] == (0, 1) and counts["requested"] == (0, 1) and counts["declined"] == (0, 1)
    assert "2025-06-01" in html  # live since its go-live date
    assert f'href="/adoptions/{ids["mz_live"]}"' in html  # each row links to its timeline


async def test_a_district_page_shows_its_city_and_only_its_own_rows(world, client) -> None:
    html = (await client.get("/regions/441402")).text
    assert 'href="/regions/441400"' in html  # its city
    assert _rows(html, "adopted") == [str(world["ids"]["mj_requested"])]
    assert _rows(html, "published") == [] and _rows(html, "reusers") == []
    assert _figure(html, "adopted-live") == "0" and _figure(html, "saved") == "¥0"

    nanshan = (await client.get("/regions/440305")).text
    assert _rows(nanshan, "published") == ["ns-permit-region"]
    assert _rows(nanshan, "reusers") == [str(world["ids"]["mz_declined"])]
    assert _figure(nanshan, "published") == "1" and _figure(nanshan, "reused-live") == "0"
    assert 'href="/regions/440300"' in nanshan


async def test_private_fields_never_appear(world, client, other_client) -> None:
    await page_login(other_client, "mz_region")  # even the adopter's own staff: the page is public
    for browser in (client, other_client):
        for code in ("440300", "441400", "441402", "440305", "440100"):
            html = (await browser.get(f"/regions/{code}")).text
            for secret in [*PRIVATE.values(), "拒绝理由仅双方可见"]:
                assert secret not in html, (code, secret)


async def test_drafts_show_only_to_their_own_region(world, client, other_client) -> None:
    await page_login(other_client, "sz_region")
    own = (await other_client.get("/regions/440300")).text
    assert "深圳未发布草稿" in own  # its own staff see the draft, marked
    assert "广州未发布草稿" not in (await other_client.get("/regions/440100")).text
    assert _figure(own, "published") == "2"  # the figure counts published apps only
    assert "深圳未发布草稿" not in (await client.get("/regions/440300")).text


@pytest.mark.parametrize("code", ["999999", "440000", "abc", "4403000"])
async def test_unknown_codes_are_404_pages(client, code) -> None:
    page = await client.get(f"/regions/{code}")
    assert page.status_code == 404
    assert "<html" in page.text


async def test_chinese_and_english(world, client) -> None:
    zh = (await client.get("/regions/440300")).text
    assert 'lang="zh-CN"' in zh and "<h1>深圳</h1>" in zh
    en = (await client.get("/regions/440300", params={"lang": "en"})).text
    assert 'lang="en"' in en and "<h1>Shenzhen</h1>" in en and "What it published" in en
    assert "Nanshan" in en


async def test_long_lists_are_paginated(world, client, monkeypatch) -> None:
    monkeypatch.setattr(region_pages, "PER_PAGE", 2)
    first = (await client.get("/regions/440300")).text
    assert len(_rows(first, "reusers")) == 2
    assert "reusers_page=2" in first and 'rel="next"' in first
    second = (await client.get("/regions/440300", params={"reusers_page": 2})).text
    assert len(_rows(second, "reusers")) == 2
    assert set(_rows(first, "reusers")).isdisjoint(_rows(second, "reusers"))
    assert _rows(second, "published") == _rows(first, "published")  # the other lists stay put
    assert (await client.get("/regions/440300", params={"apps_page": 0})).status_code == 400


async def test_the_regions_list_links_every_city(client) -> None:
    html = (await client.get("/regions")).text
    assert len(set(re.findall(r'href="/regions/(\d{6})"', html))) == 21


async def test_my_apps_shows_live_adoption_counts(world, other_client) -> None:
    await page_login(other_client, "sz_region")
    html = (await other_client.get("/my-apps")).text
    assert re.search(r"深圳网格事件平台</a>.*?<td class=\"live-count\">2</td>", html, re.S)
