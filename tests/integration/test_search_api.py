"""The search API and the catalog page it drives, on both databases (the database engine).

- ``GET /api/v1/search``: the answer's shape, every filter, facet counts, sort, pagination, a 400
  naming the parameter for every bad value, drafts never found, highlights whose only markup is
  ``<mark>``; ``/suggest`` and ``/duplicates``; all three in the OpenAPI schema.
- ``GET /api/v1/apps`` and ``/apps`` answer from the same search (one notion of "matches"):
  pinyin and Traditional script find apps there too.
- The catalog page: facet counts, highlighted names, sort links, the URL carrying the state, the
  empty state (remove a filter, popular apps), the notices for dropped words and for the fallback.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from search.service import Search
from store.catalog import listing
from store.db import models as m
from store.settings import SearchSettings
from tests.factories import auth_headers, create_app, make_user, published_app, upload

HIT_FIELDS = {
    "slug", "name", "name_en", "summary", "region", "city", "zone", "kind", "category", "maturity",
    "status", "tags", "live_adoptions", "name_html", "summary_html", "url",
}  # fmt: skip
ANSWER_FIELDS = {
    "hits", "total", "page", "per_page", "facets", "engine", "processing_ms", "dropped_words", "fallback",
}  # fmt: skip

YIBAO = {
    "slug": "sz-yibao",
    "name": "智慧医保结算平台",
    "summary": "医保结算一站式办理，支持异地就医直接结算。",
    "tags": ["医保", "结算"],
    "department": "深圳市医疗保障局",
}
GRID = {
    "slug": "mz-grid",
    "name": "网格事件派单系统",
    "name_en": "Grid event dispatch",
    "summary": "网格员上报事件，街道派单处置，核查闭环。",
    "category": "governance",
    "kind": "component",
    "maturity": "pilot",
    "tags": ["网格化"],
    "xinchuang": {"cpus": ["飞腾"]},
    "department": "梅州市政务服务和数据管理局",
}
OFFICE = {
    "slug": "mz-office",
    "name": "协同办公平台",
    "name_en": "Collaborative office",
    "summary": "公文流转、会议管理、督查督办一体化。",
    "category": "collaboration",
    "tags": ["办公"],
    "xinchuang": None,
    "department": "梅州市政务服务和数据管理局",
}


@pytest.fixture
async def people(db: AsyncSession) -> dict[str, dict[str, str]]:
    return {
        "shenzhen": await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_s")),
        "meizhou": await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_s")),
        "reviewer": await auth_headers(db, await make_user(db, "province_reviewer", username="rev_s")),
    }


@pytest.fixture
async def catalog(client: httpx.AsyncClient, people: dict[str, dict[str, str]]) -> None:
    """Three published apps: Shenzhen's 医保 app (core zone), Meizhou's grid component (north,
    飞腾) and Meizhou's office app."""
    await published_app(client, people["shenzhen"], people["reviewer"], **YIBAO)
    await published_app(client, people["meizhou"], people["reviewer"], **GRID)
    await published_app(client, people["meizhou"], people["reviewer"], **OFFICE)


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def slugs(client: httpx.AsyncClient, **params: Any) -> list[str]:
    return [hit["slug"] for hit in (await search(client, **params))["hits"]]


def without_marks(html: str) -> str:
    return html.replace("<mark>", "").replace("</mark>", "")


# -- the answer ---------------------------------------------------------------------------------


async def test_the_answer_has_every_field_and_each_hit_its_app(client, catalog) -> None:
    body = await search(client, q="医保")
    assert set(body) == ANSWER_FIELDS
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    assert body["engine"] == "database"
    assert body["fallback"] is False
    assert body["dropped_words"] == []
    assert isinstance(body["processing_ms"], float)
    [hit] = body["hits"]
    assert set(hit) == HIT_FIELDS
    assert hit["slug"] == "sz-yibao"
    assert hit["name"] == YIBAO["name"]
    assert hit["region"] == {"code": "440300", "name": "深圳"}
    assert (hit["city"], hit["zone"], hit["status"]) == ("440300", "core", "published")
    assert (hit["kind"], hit["category"], hit["maturity"]) == ("application", "services", "mature")
    assert hit["tags"] == ["医保", "结算"]
    assert hit["live_adoptions"] == 0
    assert hit["url"] == "/apps/sz-yibao"
    assert "<mark>医保</mark>" in hit["name_html"]
    assert "<mark>医保</mark>" in hit["summary_html"]
    assert body["facets"]["category"] == {"services": 1}


async def test_no_words_list_every_published_app_with_facet_counts(client, catalog) -> None:
    body = await search(client)
    assert {hit["slug"] for hit in body["hits"]} == {"sz-yibao", "mz-grid", "mz-office"}
    assert body["total"] == 3
    facets = body["facets"]
    assert facets["category"] == {"services": 1, "governance": 1, "collaboration": 1}
    assert facets["city"] == {"440300": 1, "441400": 2}
    assert facets["zone"] == {"core": 1, "north": 2}
    assert facets["kind"] == {"application": 2, "component": 1}
    assert facets["maturity"] == {"mature": 2, "pilot": 1}
    assert facets["tags"]["网格化"] == 1
    assert facets["xinchuang"]["飞腾"] == 1
    assert facets["status"] == {"published": 3}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "governance"}, {"mz-grid"}),
        ({"kind": "component"}, {"mz-grid"}),
        ({"region": "441400"}, {"mz-grid", "mz-office"}),
        ({"region": "440300"}, {"sz-yibao"}),
        ({"zone": "north"}, {"mz-grid", "mz-office"}),
        ({"zone": "core"}, {"sz-yibao"}),
        ({"tag": "医保"}, {"sz-yibao"}),
        ({"maturity": "pilot"}, {"mz-grid"}),
        ({"xinchuang": "飞腾"}, {"mz-grid"}),
        ({"xinchuang": "any"}, {"sz-yibao", "mz-grid"}),
        ({"zone": "north", "category": "collaboration"}, {"mz-office"}),
        ({"q": "平台", "region": "441400"}, {"mz-office"}),
        ({"zone": "east_wing"}, set()),
    ],
)
async def test_each_filter_narrows_with_or_without_words(client, catalog, params, expected) -> None:
    body = await search(client, **params)
    assert {hit["slug"] for hit in body["hits"]} == expected
    assert body["total"] == len(expected)
    # The facet counts are over what matched.
    assert sum(body["facets"].get("category", {}).values()) == len(expected)


async def test_facet_counts_follow_the_words(client, catalog) -> None:
    facets = (await search(client, q="平台"))["facets"]
    assert facets["category"] == {"services": 1, "collaboration": 1}
    assert facets["city"] == {"440300": 1, "441400": 1}


async def test_newest_first_and_most_reused_first(client, db, catalog) -> None:
    # Publish dates a day apart; an edit of a published app re-indexes it with its row.
    await db.execute(
        update(m.App).where(m.App.slug == "mz-grid").values(published_at=m.utcnow().replace(year=2020))
    )
    await db.commit()
    headers = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_s2"))
    edited = await client.patch(
        "/api/v1/apps/mz-grid", json={"summary": "网格员上报，街道派单。"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    newest = await slugs(client, sort="newest")
    assert newest[-1] == "mz-grid"
    assert set(newest) == {"sz-yibao", "mz-grid", "mz-office"}
    reused = await search(client, sort="reuse")  # no adoptions yet: every app at 0
    assert reused["total"] == 3
    assert all(hit["live_adoptions"] == 0 for hit in reused["hits"])


async def test_pages_and_a_page_past_the_end(client, catalog, monkeypatch) -> None:
    seen = []
    for page in (1, 2, 3):
        body = await search(client, per_page=1, page=page)
        assert (body["total"], body["page"], body["per_page"], len(body["hits"])) == (3, page, 1, 1)
        seen.append(body["hits"][0]["slug"])
    assert sorted(seen) == ["mz-grid", "mz-office", "sz-yibao"]
    past = await search(client, per_page=1, page=4)
    assert (past["hits"], past["total"]) == ([], 3)
    # The last page number allowed is an empty page, not an error, when the results end earlier.
    deepest = await search(client, per_page=100, page=10_000)
    assert (deepest["hits"], deepest["total"], deepest["page"]) == ([], 3, 10_000)
    # Results that exist deeper than the engines browse are refused, naming the parameter.
    monkeypatch.setattr(listing, "MAX_OFFSET", 1)
    refused = await client.get("/api/v1/search", params={"per_page": 1, "page": 3})
    assert refused.status_code == 400
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["page"]
    assert (await client.get("/api/v1/search", params={"per_page": 1, "page": 2})).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "sports"}, "category"),
        ({"kind": "game"}, "kind"),
        ({"zone": "moon"}, "zone"),
        ({"maturity": "ancient"}, "maturity"),
        ({"xinchuang": "Pentium"}, "xinchuang"),
        ({"sort": "random"}, "sort"),
        ({"region": "999999"}, "region"),
        ({"region": "440000"}, "region"),  # the province is no city or district
        ({"tag": "标" * 51}, "tag"),
        ({"q": "医" * 101}, "q"),
        ({"page": "0"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"page": "abc"}, "page"),
    ],
)
async def test_bad_parameters_are_400_naming_the_parameter(client, params, field) -> None:
    response = await client.get("/api/v1/search", params=params, headers={"Accept-Language": "en"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert field in [d["field"] for d in error["details"] or []]
    assert error["message"]
    if field in listing.CHOICES:
        assert field in error["message"] and params[field] in error["message"]


async def test_drafts_submissions_and_returned_apps_are_never_found(client, people, catalog) -> None:
    shenzhen, reviewer = people["shenzhen"], people["reviewer"]
    await create_app(client, shenzhen, slug="draft-yibao", name="医保草稿应用")
    submitted = await create_app(client, shenzhen, slug="submitted-yibao", name="医保待审应用")
    assert (await upload(client, shenzhen, submitted["slug"])).status_code == 201
    assert (await client.post("/api/v1/apps/submitted-yibao/submit", headers=shenzhen)).status_code == 200
    returned = await create_app(client, shenzhen, slug="returned-yibao", name="医保退回应用")
    assert (await upload(client, shenzhen, returned["slug"])).status_code == 201
    await client.post("/api/v1/apps/returned-yibao/submit", headers=shenzhen)
    back = await client.post(
        "/api/v1/apps/returned-yibao/review", json={"decision": "return", "comment": "补充"}, headers=reviewer
    )
    assert back.json()["status"] == "draft"
    hidden = {"draft-yibao", "submitted-yibao", "returned-yibao"}
    for params in ({"q": "医保"}, {}, {"region": "440300"}, {"q": "医保", "category": "services"}):
        # Even their own region and the reviewer, signed in, do not find them: search is public.
        anyone: dict[str, str] = {}
        for headers in (anyone, shenzhen, reviewer):
            body = (await client.get("/api/v1/search", params=params, headers=headers)).json()
            assert not hidden & {hit["slug"] for hit in body["hits"]}
            assert body["facets"]["city"].get("440300") == 1
    suggested = (await client.get("/api/v1/search/suggest", params={"q": "医保"})).json()
    assert [s["slug"] for s in suggested] == ["sz-yibao"]
    listed = (await client.get("/api/v1/apps", params={"q": "医保"})).json()
    assert [a["slug"] for a in listed["items"]] == ["sz-yibao"]


async def test_highlights_escape_the_publishers_text_and_add_only_mark(client, people) -> None:
    await published_app(
        client,
        people["shenzhen"],
        people["reviewer"],
        slug="xss-app",
        name='<script>alert("x")</script>医保<b>卡</b>',
        summary='<img src=x onerror=alert(1)>医保 & "结算"',
    )
    [hit] = (await search(client, q="医保"))["hits"]
    for html in (hit["name_html"], hit["summary_html"]):
        assert "<mark>医保</mark>" in html
        assert "<" not in without_marks(html)  # every other < is &lt;
    assert "&lt;script&gt;" in hit["name_html"]
    assert "&amp;" in hit["summary_html"]
    assert hit["name"] == '<script>alert("x")</script>医保<b>卡</b>'  # the text itself is as written
    page = await client.get("/apps", params={"q": "医保"})
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert" in page.text
    assert "<mark>医保</mark>" in page.text
    fragment = await client.get("/search/suggest", params={"q": "医保"})
    assert "<script>alert" not in fragment.text and "<mark>" in fragment.text


# -- suggestions and the duplicate check ------------------------------------------------------


async def test_suggestions_for_type_ahead(client, catalog) -> None:
    found = (await client.get("/api/v1/search/suggest", params={"q": "网格"})).json()
    assert found[0] == {
        "slug": "mz-grid",
        "name": GRID["name"],
        "name_html": found[0]["name_html"],
        "region_name": "梅州",
        "url": "/apps/mz-grid",
    }
    assert "<mark>" in found[0]["name_html"]
    assert len(found) <= 8
    assert (await client.get("/api/v1/search/suggest", params={"q": " "})).json() == []
    assert (await client.get("/api/v1/search/suggest")).json() == []
    too_long = await client.get("/api/v1/search/suggest", params={"q": "x" * 101})
    assert too_long.status_code == 400


async def test_the_header_fragment_lists_links_to_the_apps(client, catalog) -> None:
    fragment = await client.get("/search/suggest", params={"q": "网格"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'href="/apps/mz-grid"' in fragment.text
    assert 'href="/apps?q=%E7%BD%91%E6%A0%BC"' in fragment.text  # "all results" keeps the words
    empty = await client.get("/search/suggest", params={"q": ""})
    assert "<li" not in empty.text


async def test_duplicates_name_the_publisher(client, people, catalog) -> None:
    await create_app(client, people["shenzhen"], slug="draft-grid", name="网格事件派单系统二期")
    response = await client.get(
        "/api/v1/search/duplicates", params={"name": "网格事件派单", "summary": "网格员上报事件"}
    )
    assert response.status_code == 200, response.text
    found = response.json()
    assert found[0]["slug"] == "mz-grid"
    assert found[0]["region"] == {"code": "441400", "name": "梅州"}
    assert found[0]["department"] == GRID["department"]
    assert found[0]["status"] == "published"
    assert found[0]["url"] == "/apps/mz-grid"
    assert "draft-grid" not in {item["slug"] for item in found}
    assert len(found) <= 5
    refused = await client.get("/api/v1/search/duplicates", params={"name": " "})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["field"] == "name"
    assert (await client.get("/api/v1/search/duplicates", params={"name": "x" * 201})).status_code == 400


async def test_search_routes_are_public_read_only_and_documented(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in ("/api/v1/search", "/api/v1/search/suggest", "/api/v1/search/duplicates"):
        operation = schema["paths"][path]["get"]
        assert operation["summary"]
        assert operation["tags"] == ["search"]
        assert set(schema["paths"][path]) == {"get"}
    params = {p["name"] for p in schema["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert params >= {"q", "kind", "category", "region", "zone", "tag", "xinchuang", "maturity", "sort"}
    assert params >= {"page", "per_page"}
    assert (await client.post("/api/v1/search", json={})).status_code == 405


# -- one notion of "matches": the apps API and the catalog page ---------------------------------


async def test_the_apps_api_answers_from_the_search(client, people, catalog) -> None:
    async def listed(**params: Any) -> list[str]:
        body = (await client.get("/api/v1/apps", params=params)).json()
        assert set(body) == {"items", "total", "page", "per_page"}
        return [a["slug"] for a in body["items"]]

    # Found the way search finds them: pinyin, Traditional script, an everyday word.
    assert await listed(q="wangge") == ["mz-grid"]
    assert await listed(q="醫保") == ["sz-yibao"]
    assert await listed(q="办公", region="441400") == ["mz-office"]
    # The items keep their shape.
    [item] = (await client.get("/api/v1/apps", params={"q": "网格"})).json()["items"]
    assert item["region"]["code"] == "441400" and item["xinchuang"]["cpus"] == ["飞腾"]
    # Deprecated apps are searchable (marked) but not in the published list.
    deprecated = await client.post(
        "/api/v1/apps/mz-office/deprecate", json={"reason": "停用"}, headers=people["meizhou"]
    )
    assert deprecated.status_code == 200
    assert "mz-office" not in await listed()
    assert await listed(status="deprecated") == ["mz-office"]
    [hit] = (await search(client, q="协同办公"))["hits"]
    assert (hit["slug"], hit["status"]) == ("mz-office", "deprecated")
    # Unknown filter values are refused as on the search API.
    assert (await client.get("/api/v1/apps", params={"xinchuang": "Pentium"})).status_code == 400


async def test_the_catalog_page_is_the_search_page(client, catalog) -> None:
    page = await client.get("/apps", params={"q": "平台"})
    assert page.status_code == 200
    text = page.text
    assert "<mark>平台</mark>" in text
    assert 'href="/apps/sz-yibao"' in text and 'href="/apps/mz-office"' in text
    assert 'href="/apps/mz-grid"' not in text
    # Each filter option with its count; an option that finds nothing is not offered.
    assert re.search(
        r'href="/apps\?q=%E5%B9%B3%E5%8F%B0&amp;category=collaboration"[^>]*>[^<]*<span class="count">\(1\)',
        text,
    )
    assert "category=governance" not in text
    assert re.search(r'region=441400"[^>]*>梅州 <span class="count">\(1\)</span>', text)
    # Sort links keep the words; the form keeps them in its box.
    assert 'href="/apps?q=%E5%B9%B3%E5%8F%B0&amp;sort=newest"' in text
    assert 'name="q" aria-label' in text and 'value="平台"' in text
    assert "search-fallback" not in text and "dropped-words" not in text


async def test_the_page_keeps_the_state_in_its_links(client, catalog) -> None:
    text = (await client.get("/apps", params={"q": "平台", "zone": "north", "sort": "newest"})).text
    assert 'href="/apps/mz-office"' in text and 'href="/apps/sz-yibao"' not in text
    # The form carries the filter and the sort as hidden fields; removing the filter keeps the rest.
    assert '<input type="hidden" name="zone" value="north">' in text
    assert '<input type="hidden" name="sort" value="newest">' in text
    assert 'href="/apps?q=%E5%B9%B3%E5%8F%B0&amp;sort=newest" aria-current="true"' in text
    fragment = await client.get("/apps", params={"zone": "north"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'href="/apps/mz-grid"' in fragment.text


async def test_the_empty_state_offers_to_remove_each_filter_and_shows_popular_apps(client, catalog) -> None:
    text = (await client.get("/apps", params={"q": "网格", "category": "services", "zone": "core"})).text
    assert "empty-state" in text
    assert re.search(r'href="/apps\?q=%E7%BD%91%E6%A0%BC&amp;zone=core" data-remove="category"', text)
    assert re.search(r'href="/apps\?q=%E7%BD%91%E6%A0%BC&amp;category=services" data-remove="zone"', text)
    popular = text.split('class="card-grid popular"', 1)[1]
    assert {"sz-yibao", "mz-grid", "mz-office"} <= set(re.findall(r'href="/apps/([a-z-]+)"', popular))


async def test_dropped_words_and_the_fallback_are_said_on_the_page(client, app: Litestar, catalog) -> None:
    body = await search(client, q="网格 zzqqxxyy")
    assert [hit["slug"] for hit in body["hits"]] == ["mz-grid"]
    assert body["dropped_words"] == ["zzqqxxyy"]
    page = await client.get("/apps", params={"q": "网格 zzqqxxyy"})
    assert "dropped-words" in page.text and "zzqqxxyy" in page.text
    # Meilisearch configured but unreachable: the database answers, and the page says so.
    configured = app.state[listing.SEARCH]
    dead = Search(SearchSettings(backend="meilisearch", meilisearch_url="http://127.0.0.1:9"))
    app.state[listing.SEARCH] = dead
    try:
        answer = await search(client, q="网格")
        page = await client.get("/apps", params={"q": "网格"})
    finally:
        app.state[listing.SEARCH] = configured
        await dead.close()
    assert answer["fallback"] is True and answer["engine"] == "database"
    assert [hit["slug"] for hit in answer["hits"]] == ["mz-grid"]
    assert "search-fallback" in page.text and 'href="/apps/mz-grid"' in page.text
