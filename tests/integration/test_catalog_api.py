"""Apps through the API: metadata validation, visibility, the review life cycle, history, filters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import app_payload, auth_headers, create_app, make_user, published_app, upload


@pytest.fixture
async def shenzhen(db):
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="szx"))


@pytest.fixture
async def guangzhou(db):
    return await auth_headers(db, await make_user(db, "city_staff", "440100", username="gzx"))


@pytest.fixture
async def reviewer(db):
    return await auth_headers(db, await make_user(db, "province_reviewer", username="rev"))


async def test_city_staff_create_a_draft_in_their_own_region(client, shenzhen) -> None:
    app = await create_app(client, shenzhen, slug="smart-yibao")
    assert app["slug"] == "smart-yibao"
    assert app["status"] == "draft"
    assert app["region"]["code"] == "440300"
    assert app["tags"] == ["医保", "结算"]
    assert app["xinchuang"] == {"cpus": ["鲲鹏"], "os": ["统信UOS"], "databases": ["达梦"]}
    assert "<h2>功能</h2>" in app["description_html"]


async def test_slug_is_derived_from_the_english_name_and_unique(client, shenzhen) -> None:
    first = await create_app(client, shenzhen)
    assert first["slug"] == "smart-medical-insurance-settlement"
    again = await client.post("/api/v1/apps", json=app_payload(slug=first["slug"]), headers=shenzhen)
    assert again.status_code == 422
    assert again.json()["error"]["details"][0]["field"] == "slug"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"summary": None}, "summary"),
        ({"category": "sports"}, "category"),
        ({"kind": "game"}, "kind"),
        ({"maturity": "ancient"}, "maturity"),
        ({"license_spdx": None}, "license_spdx"),
        ({"license_spdx": "NOT-A-LICENCE"}, "license_spdx"),
        ({"license_type": "gov_free"}, "license_spdx"),
        ({"docs_url": "javascript:alert(1)"}, "docs_url"),
        ({"source_url": "ftp://code.example"}, "source_url"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"contact_phone": "", "contact_email": ""}, "contact_phone"),
        ({"deployment_fee_yuan": "-1"}, "deployment_fee_yuan"),
        ({"deployment_fee_yuan": "1.234"}, "deployment_fee_yuan"),
        ({"offering": "negotiated"}, "price_yuan"),
        ({"integrations": ["粤不存在"]}, "integrations"),
        ({"xinchuang": {"cpus": ["Pentium"]}}, "xinchuang.cpus"),
        ({"deployment_modes": []}, "deployment_modes"),
        ({"deployment_modes": ["on_the_moon"]}, "deployment_modes"),
        ({"tags": ["x" * 21]}, "tags"),
        ({"slug": "Bad Slug!"}, "slug"),
        ({"reference_prices": [{"description": "", "amount_yuan": "1"}]}, "reference_prices[0]"),
    ],
)
async def test_invalid_metadata_is_refused_field_by_field(client, db, shenzhen, overrides, field) -> None:
    response = await client.post("/api/v1/apps", json=app_payload(**overrides), headers=shenzhen)
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert field in [d["field"] for d in details], details
    assert all(d["message"] for d in details)
    assert await db.scalar(select(func.count()).select_from(m.App)) == 0


async def test_all_errors_are_reported_at_once(client, shenzhen) -> None:
    response = await client.post("/api/v1/apps", json={"name": "只有名字"}, headers=shenzhen)
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {
        "kind",
        "summary",
        "category",
        "department",
        "contact_name",
        "maturity",
        "license_type",
        "offering",
    } <= fields


@pytest.mark.parametrize(
    "payload",
    [{"name": 123}, {"tags": "医保"}, {"price_yuan": "abc"}, {"unknown": 1}, {"summary": "x" * 201}],
)
async def test_wrong_types_are_400(client, shenzhen, payload) -> None:
    response = await client.post("/api/v1/apps", json=app_payload(**payload), headers=shenzhen)
    assert response.status_code == 400


async def test_drafts_are_hidden_outside_the_region_and_the_province(
    client, shenzhen, guangzhou, reviewer
) -> None:
    app = await create_app(client, shenzhen)
    path = f"/api/v1/apps/{app['slug']}"
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path, headers=guangzhou)).status_code == 404
    assert (await client.get(path, headers=shenzhen)).status_code == 200
    assert (await client.get(path, headers=reviewer)).status_code == 200
    assert (await client.get("/api/v1/apps")).json()["total"] == 0
    mine = await client.get("/api/v1/apps", params={"status": "draft"}, headers=shenzhen)
    assert mine.json()["total"] == 1
    theirs = await client.get("/api/v1/apps", params={"status": "draft"}, headers=guangzhou)
    assert theirs.json()["total"] == 0


async def test_the_review_life_cycle_end_to_end(client, shenzhen, reviewer) -> None:
    app = await create_app(client, shenzhen)
    slug = app["slug"]
    no_files = await client.post(f"/api/v1/apps/{slug}/submit", headers=shenzhen)
    assert no_files.status_code == 409
    assert (await upload(client, shenzhen, slug)).status_code == 201
    submitted = await client.post(f"/api/v1/apps/{slug}/submit", headers=shenzhen)
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    # Under review: no edits, no second submission.
    assert (
        await client.patch(f"/api/v1/apps/{slug}", json={"summary": "改"}, headers=shenzhen)
    ).status_code == 409
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=shenzhen)).status_code == 409
    # A publisher cannot review; a return needs a comment.
    assert (
        await client.post(f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=shenzhen)
    ).status_code == 403
    silent = await client.post(f"/api/v1/apps/{slug}/review", json={"decision": "return"}, headers=reviewer)
    assert silent.status_code == 422
    returned = await client.post(
        f"/api/v1/apps/{slug}/review",
        json={"decision": "return", "comment": "请补充信创适配证明"},
        headers=reviewer,
    )
    assert returned.json()["status"] == "draft"
    assert returned.json()["review_comment"] == "请补充信创适配证明"
    await client.post(f"/api/v1/apps/{slug}/submit", headers=shenzhen)
    queue = await client.get("/api/v1/apps", params={"status": "submitted"}, headers=reviewer)
    assert [a["slug"] for a in queue.json()["items"]] == [slug]
    approved = await client.post(
        f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=reviewer
    )
    assert approved.json()["status"] == "published"
    assert approved.json()["published_at"]
    listed = (await client.get("/api/v1/apps")).json()
    assert [a["slug"] for a in listed["items"]] == [slug]
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.0.0"
    history = (await client.get(f"/api/v1/apps/{slug}/history", headers=shenzhen)).json()
    actions = [h["action"] for h in history]
    assert actions == [
        "created", "version_added", "artifact_uploaded", "submitted", "returned", "submitted", "approved",
    ]  # fmt: skip
    assert history[4]["comment"] == "请补充信创适配证明"
    assert history[4]["actor"] == "rev"
    assert history[6]["changes"]["status"] == ["submitted", "published"]


async def test_editing_a_published_app_keeps_it_published_and_is_recorded(client, shenzhen, reviewer) -> None:
    app = await published_app(client, shenzhen, reviewer)
    slug = app["slug"]
    edited = await client.patch(
        f"/api/v1/apps/{slug}", json={"summary": "新的简介", "tags": ["医保", "跨省"]}, headers=shenzhen
    )
    assert edited.status_code == 200
    assert edited.json()["status"] == "published"
    history = (await client.get(f"/api/v1/apps/{slug}/history", headers=reviewer)).json()
    last = history[-1]
    assert last["action"] == "edited"
    assert last["actor"] == "szx"
    assert last["changes"]["summary"] == [app["summary"], "新的简介"]
    assert last["changes"]["tags"] == [["医保", "结算"], ["医保", "跨省"]]
    # A no-op edit records nothing; the slug is permanent.
    await client.patch(f"/api/v1/apps/{slug}", json={"summary": "新的简介"}, headers=shenzhen)
    assert len((await client.get(f"/api/v1/apps/{slug}/history", headers=reviewer)).json()) == len(history)
    moved = await client.patch(f"/api/v1/apps/{slug}", json={"slug": "other"}, headers=shenzhen)
    assert moved.status_code == 422


async def test_history_is_for_the_publisher_and_the_province(client, shenzhen, guangzhou, reviewer) -> None:
    app = await published_app(client, shenzhen, reviewer)
    assert (await client.get(f"/api/v1/apps/{app['slug']}/history", headers=guangzhou)).status_code == 403
    assert (await client.get(f"/api/v1/apps/{app['slug']}/history")).status_code == 401


async def test_deprecation_needs_a_reason_and_a_valid_successor(client, shenzhen, reviewer) -> None:
    old = await published_app(client, shenzhen, reviewer, slug="old-yibao")
    new = await published_app(client, shenzhen, reviewer, slug="new-yibao")
    draft = await create_app(client, shenzhen, slug="draft-yibao")
    path = f"/api/v1/apps/{old['slug']}/deprecate"
    assert (await client.post(path, json={"reason": " "}, headers=shenzhen)).status_code == 422
    bad = await client.post(path, json={"reason": "合并", "successor": draft["slug"]}, headers=shenzhen)
    assert bad.status_code == 422
    assert (
        await client.post(path, json={"reason": "合并", "successor": old["slug"]}, headers=shenzhen)
    ).status_code == 422
    ok = await client.post(
        path, json={"reason": "已合并到新平台", "successor": new["slug"]}, headers=shenzhen
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "deprecated"
    assert ok.json()["successor"] == "new-yibao"
    listed = {a["slug"] for a in (await client.get("/api/v1/apps")).json()["items"]}
    assert listed == {"new-yibao"}
    assert (await client.get(f"/api/v1/apps/{old['slug']}")).status_code == 200
    assert (await client.post(path, json={"reason": "again"}, headers=shenzhen)).status_code == 409


async def test_listing_filters_and_pagination(client, db, shenzhen, reviewer) -> None:
    meizhou = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mzx"))
    await published_app(client, shenzhen, reviewer, slug="sz-yibao")
    await published_app(
        client,
        meizhou,
        reviewer,
        slug="mz-grid",
        category="governance",
        kind="component",
        maturity="pilot",
        tags=["网格化"],
        xinchuang={"cpus": ["飞腾"]},
        department="梅州市政务服务和数据管理局",
    )
    await published_app(
        client, meizhou, reviewer, slug="mz-office", category="collaboration", tags=["办公"], xinchuang=None
    )

    async def slugs(**params) -> set[str]:
        body = (await client.get("/api/v1/apps", params=params)).json()
        return {a["slug"] for a in body["items"]}

    assert await slugs() == {"sz-yibao", "mz-grid", "mz-office"}
    assert await slugs(category="governance") == {"mz-grid"}
    assert await slugs(region="441400") == {"mz-grid", "mz-office"}
    assert await slugs(zone="north") == {"mz-grid", "mz-office"}
    assert await slugs(zone="core") == {"sz-yibao"}
    assert await slugs(tag="医保") == {"sz-yibao"}
    assert await slugs(maturity="pilot") == {"mz-grid"}
    assert await slugs(kind="component") == {"mz-grid"}
    assert await slugs(xinchuang="飞腾") == {"mz-grid"}
    assert await slugs(xinchuang="any") == {"sz-yibao", "mz-grid"}
    assert await slugs(q="智慧医保") == {"sz-yibao", "mz-grid", "mz-office"}  # same name in the factory
    page = (await client.get("/api/v1/apps", params={"per_page": 2, "page": 2})).json()
    assert page["total"] == 3
    assert len(page["items"]) == 1
    assert (await client.get("/api/v1/apps", params={"category": "sports"})).status_code == 400


async def test_apps_of_a_district_count_for_its_city(client, db, reviewer) -> None:
    admin = await auth_headers(db, await make_user(db, "province_admin", username="adm"))
    await client.post(
        "/api/v1/regions", json={"code": "440305", "name": "南山区", "parent_code": "440300"}, headers=admin
    )
    nanshan = await auth_headers(db, await make_user(db, "city_staff", "440305", username="nsx"))
    await published_app(client, nanshan, reviewer, slug="nanshan-app")
    body = (await client.get("/api/v1/apps", params={"region": "440300"})).json()
    assert [a["slug"] for a in body["items"]] == ["nanshan-app"]
    assert body["items"][0]["region"]["code"] == "440305"


async def test_idempotency_key_replays_a_publishing_call(client, shenzhen) -> None:
    headers = {**shenzhen, "Idempotency-Key": "create-1"}
    first = await client.post("/api/v1/apps", json=app_payload(slug="once"), headers=headers)
    again = await client.post("/api/v1/apps", json=app_payload(slug="once"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    elsewhere = await client.post("/api/v1/apps/once/submit", headers=headers)
    assert elsewhere.status_code == 422
