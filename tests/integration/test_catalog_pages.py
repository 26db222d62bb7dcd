"""Catalog pages: browsing with filters (and htmx fragments), forms with field errors, review."""

from __future__ import annotations

import re

from sqlalchemy import select

from store.db import models as m
from tests.factories import (
    auth_headers,
    csrf_token,
    make_user,
    page_login,
    published_app,
    refused_form,
    upload,
)

FORM = {
    "kind": "application",
    "category": "governance",
    "maturity": "promoted",
    "name": "城市网格化管理系统",
    "name_en": "Urban grid management",
    "summary": "网格员上报、派单、处置、核查闭环。",
    "description": "**闭环** 管理 <script>alert(1)</script>",
    "tags": "网格化，社会治理",
    "department": "梅州市政务服务和数据管理局",
    "contact_name": "王工",
    "contact_phone": "0753-1234567",
    "contact_email": "",
    "license_type": "gov_free",
    "license_spdx": "",
    "offering": "standard_free",
    "price_yuan": "",
    "deployment_fee_yuan": "80,000",
    "reference_prices": "河源市部署 | 150000 | 2025",
    "tech_stack": "Java，Vue",
    "requirements": "政务云",
    "docs_url": "",
    "source_url": "",
}


async def test_catalog_lists_published_apps_with_filters_and_htmx_fragment(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_pages"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_pages"))
    await published_app(client, publisher, reviewer, slug="mz-yibao", name="梅州医保平台")
    await published_app(
        client, publisher, reviewer, slug="mz-grid", name="梅州网格平台", category="governance"
    )
    page = await client.get("/apps")
    assert page.status_code == 200
    assert "梅州医保平台" in page.text and "梅州网格平台" in page.text
    filtered = await client.get("/apps", params={"category": "governance"})
    assert "梅州网格平台" in filtered.text and "梅州医保平台" not in filtered.text
    fragment = await client.get("/apps", params={"category": "governance"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "梅州网格平台" in fragment.text
    first = await client.get("/apps", params={"per_page": 1})
    assert first.status_code == 200
    assert 'rel="next"' in first.text and "per_page=1" in first.text
    second = await client.get("/apps", params={"per_page": 1, "page": 2})
    assert 'rel="prev"' in second.text
    detail = await client.get("/apps/mz-yibao")
    assert detail.status_code == 200
    sha = re.search(r'<code class="sha256">([0-9a-f]{64})</code>', detail.text)
    assert sha
    assert (await client.get("/apps/nope")).status_code == 404


async def test_city_user_creates_an_app_through_the_form(client, db) -> None:
    await make_user(db, "city_staff", "441400", username="mz_form")
    await page_login(client, "mz_form")
    bad = await refused_form(client, db, "/apps/new", {**FORM, "name": "", "contact_phone": "电话"}, m.App)
    assert bad.text.count('aria-invalid="true"') >= 2
    assert "城市网格化管理系统" not in bad.text or 'value=""' in bad.text
    assert 'value="网格员上报、派单、处置、核查闭环。"' in bad.text  # what was typed is kept
    token = await csrf_token(client, "/apps/new")
    created = await client.post(
        "/apps/new",
        data={
            **FORM,
            "_csrf_token": token,
            "deployment_modes": "gov_cloud",
            "xc_cpus": "鲲鹏",
            "integrations": "粤政易",
        },
    )
    assert created.status_code in (302, 303), created.text
    assert created.headers["location"] == "/apps/urban-grid-management"
    app = await db.scalar(select(m.App).where(m.App.slug == "urban-grid-management"))
    assert app is not None and app.region_code == "441400"
    assert app.tags == ["网格化", "社会治理"]
    assert str(app.deployment_fee_yuan) == "80000.00"
    assert app.reference_prices == [{"description": "河源市部署", "amount_yuan": "150000", "year": 2025}]
    assert app.xinchuang["cpus"] == ["鲲鹏"]
    page = await client.get("/apps/urban-grid-management")
    assert "<strong>闭环</strong>" in page.text
    assert "<script>alert(1)</script>" not in page.text


async def test_edit_form_keeps_values_and_records_history(client, db) -> None:
    user = await make_user(db, "city_staff", "441400", username="mz_edit")
    headers = await auth_headers(db, user)
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_edit"))
    await published_app(client, headers, reviewer, slug="edit-me")
    await page_login(client, "mz_edit")
    form_page = await client.get("/apps/edit-me/edit")
    assert 'value="智慧医保结算平台"' in form_page.text
    token = await csrf_token(client, "/apps/edit-me/edit")
    data = {
        **FORM,
        "license_type": "open_source",
        "license_spdx": "MulanPSL-2.0",
        "deployment_modes": "hosted",
    }
    data.pop("kind")
    saved = await client.post("/apps/edit-me/edit", data={**data, "kind": "component", "_csrf_token": token})
    assert saved.status_code in (302, 303), saved.text
    history = await client.get("/apps/edit-me/history")
    assert history.status_code == 200
    assert "城市网格化管理系统" in history.text  # the new name appears as "after"
    assert "智慧医保结算平台" in history.text  # and the old one as "before"


async def test_reviewer_approves_from_the_queue(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440500", username="st_pub"))
    await make_user(db, "province_reviewer", username="rev_queue")
    created = await client.post(
        "/api/v1/apps", json={**(await _payload()), "slug": "st-app"}, headers=publisher
    )
    assert created.status_code == 201
    await upload(client, publisher, "st-app")
    await client.post("/api/v1/apps/st-app/submit", headers=publisher)
    await page_login(client, "rev_queue")
    queue = await client.get("/review")
    assert "/apps/st-app" in queue.text
    token = await csrf_token(client, "/apps/st-app")
    empty_return = await client.post(
        "/apps/st-app/review", data={"decision": "return", "comment": "", "_csrf_token": token}
    )
    assert empty_return.status_code == 422
    # Approving publishes at once: the decision form's "I have checked" box must be ticked.
    unchecked = await client.post("/apps/st-app/review", data={"decision": "approve", "_csrf_token": token})
    assert unchecked.status_code == 422
    approved = await client.post(
        "/apps/st-app/review", data={"decision": "approve", "confirm": "yes", "_csrf_token": token}
    )
    assert approved.status_code in (302, 303)
    # The queue says once which app was approved, with a link to it; then the app has left it.
    landing = (await client.get("/review")).text
    assert 'class="alert success flash"' in landing and 'href="/apps/st-app"' in landing
    assert "/apps/st-app" not in (await client.get("/review")).text
    assert (await client.get("/api/v1/apps/st-app")).json()["status"] == "published"


async def test_publisher_pages_are_closed_to_others(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440500", username="st_owner"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_closed"))
    await published_app(client, publisher, reviewer, slug="closed-app")
    await make_user(db, "city_staff", "440100", username="gz_other")
    await page_login(client, "gz_other")
    token = await csrf_token(client, "/apps/closed-app")
    page = await client.get("/apps/closed-app")
    assert "/apps/closed-app/edit" not in page.text
    refused = await client.post("/apps/closed-app/edit", data={**FORM, "_csrf_token": token})
    assert refused.status_code == 403
    assert (await client.get("/review")).status_code == 403


async def _payload() -> dict:
    from tests.factories import app_payload

    return app_payload()


async def test_screenshot_upload_through_the_page_form(client, db) -> None:
    import io

    from PIL import Image

    headers = await auth_headers(db, await make_user(db, "city_staff", "440500", username="st_shots"))
    payload = {**(await _payload()), "slug": "shots-app"}
    created = await client.post("/api/v1/apps", json=payload, headers=headers)
    assert created.status_code == 201
    await page_login(client, "st_shots")
    token = await csrf_token(client, "/apps/shots-app")
    image = io.BytesIO()
    Image.new("RGB", (640, 400), (10, 120, 200)).save(image, format="JPEG")
    added = await client.post(
        "/apps/shots-app/screenshots",
        data={"caption": "登录页", "_csrf_token": token},
        files={"image": ("login.jpg", image.getvalue(), "image/jpeg")},
    )
    assert added.status_code in (302, 303), added.text
    page = await client.get("/apps/shots-app")
    assert "登录页" in page.text
    assert re.search(r'src="/screenshots/\d+/thumbnail"', page.text)
    bad = await client.post(
        "/apps/shots-app/screenshots",
        data={"caption": "x", "_csrf_token": token},
        files={"image": ("x.png", b"not an image", "image/png")},
    )
    assert bad.status_code == 422
    assert 'class="field-error"' in bad.text


async def test_versions_through_the_pages_add_remove_and_withdraw(client, db) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440500", username="st_vers"))
    payload = {**(await _payload()), "slug": "vers-app"}
    created = await client.post("/api/v1/apps", json=payload, headers=headers)
    assert created.status_code == 201
    await page_login(client, "st_vers")
    bad = await refused_form(client, db, "/apps/vers-app/versions/new", {"version": "1.0"}, m.Version)
    assert 'aria-invalid="true"' in bad.text
    token = await csrf_token(client, "/apps/vers-app/versions/new")
    made = await client.post(
        "/apps/vers-app/versions/new",
        data={
            "version": "1.0.0",
            "release_notes": "首个版本",
            "release_date": "2026-01-15",
            "_csrf_token": token,
        },
    )
    assert made.headers["location"] == "/apps/vers-app/versions/1.0.0"
    artifact = (await upload(client, headers, "vers-app", "1.0.0", b"abc", "a.zip")).json()
    page = await client.get("/apps/vers-app/versions/1.0.0")
    assert artifact["sha256"] in page.text
    assert 'id="upload-form"' in page.text
    removed = await client.post(f"/artifacts/{artifact['id']}/remove", data={"_csrf_token": token})
    assert removed.status_code in (302, 303)
    assert artifact["sha256"] not in (await client.get("/apps/vers-app/versions/1.0.0")).text
    empty = await client.post("/apps/vers-app/versions/1.0.0/yank", data={"reason": "", "_csrf_token": token})
    assert empty.status_code == 422
    reason = {"reason": "打包错误", "_csrf_token": token}
    yanked = await client.post("/apps/vers-app/versions/1.0.0/yank", data=reason)
    assert yanked.status_code in (302, 303)
    assert "打包错误" in (await client.get("/apps/vers-app/versions/1.0.0")).text
