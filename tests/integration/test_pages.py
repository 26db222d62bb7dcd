"""Server-rendered pages: sign-in with CSRF, the account page with tokens, admin pages, language."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import PASSWORD, api_login, csrf_token, make_user, page_login


@pytest.mark.parametrize("path", ["/", "/login", "/regions"])
async def test_public_pages_render_in_chinese_by_default(client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.text
    assert "粤复用" in response.text
    assert "/static/vendor/htmx.min.js" in response.text


async def test_home_shows_figures_from_the_database(client, db) -> None:
    from tests.factories import auth_headers, published_app

    text = (await client.get("/")).text
    assert re.search(r'<p class="figure">0</p><p>已上架应用</p>', text)
    meizhou = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_home"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_home"))
    await published_app(client, meizhou, reviewer, slug="home-app")
    text = (await client.get("/")).text
    assert re.search(r'<p class="figure">1</p><p>已上架应用</p>', text)
    assert re.search(r'<p class="figure">1</p><p>个粤东西北地区的应用</p>', text)


async def test_language_switch_sets_a_cookie_and_english_pages_follow(client) -> None:
    response = await client.get("/lang/en", params={"next": "/regions"})
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/regions"
    page = await client.get("/regions")
    assert 'lang="en"' in page.text
    assert "Regions of Guangdong" in page.text
    assert "Shenzhen" in page.text


async def test_sign_in_and_language_switch_come_back_with_the_query(client) -> None:
    """Filters live in the URL (the catalog's search, the statistics): leaving to sign in or to
    switch language must come back to the same filters, not to the bare path."""
    page = await client.get("/apps", params={"q": "社保", "category": "services"})
    assert "?next=/apps%3Fq%3D" in page.text  # the language links and the sign-in button
    switched = await client.get("/lang/en", params={"next": "/apps?q=社保&category=services"})
    assert unquote(switched.headers["location"]) == "/apps?q=社保&category=services"
    refused = await client.get("/adoptions", params={"view": "mine", "status": "live"})
    assert refused.status_code in (302, 303)
    assert refused.headers["location"] == "/login?next=%2Fadoptions%3Fview%3Dmine%26status%3Dlive"


async def test_language_switch_is_not_an_open_redirect(client) -> None:
    for target in ("//evil.example", "https://evil.example", "/\\evil.example"):
        response = await client.get("/lang/en", params={"next": target})
        assert response.headers["location"] == "/"


async def test_accept_language_and_query_choose_the_language(client) -> None:
    english = await client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
    assert 'lang="en"' in english.text
    assert "Sign in" in english.text
    chinese = await client.get("/login", params={"lang": "zh-CN"}, headers={"Accept-Language": "en"})
    assert 'lang="zh-CN"' in chinese.text
    assert "登录" in chinese.text


async def test_sign_in_through_the_form_then_sign_out(client, db) -> None:
    await make_user(db, username="former", display_name="表单用户")
    await page_login(client, "former")
    account = await client.get("/account")
    assert account.status_code == 200
    assert "表单用户" in account.text
    token = await csrf_token(client, "/account")
    out = await client.post("/logout", data={"_csrf_token": token})
    assert out.status_code in (302, 303)
    assert (await client.get("/account")).status_code in (302, 303)


async def test_wrong_password_rerenders_the_form_with_an_error(client, db) -> None:
    await make_user(db, username="typo")
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"username": "typo", "password": "nope-nope", "_csrf_token": token}
    )
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert 'value="typo"' in response.text


async def test_form_post_without_or_with_forged_csrf_is_refused(client, db) -> None:
    await make_user(db, username="victim")
    await client.get("/login")
    missing = await client.post("/login", data={"username": "victim", "password": PASSWORD})
    assert missing.status_code == 403
    forged = await client.post(
        "/login", data={"username": "victim", "password": PASSWORD, "_csrf_token": "0" * 128}
    )
    assert forged.status_code == 403
    assert "csrf" in forged.text.lower() or "表单" in forged.text
    assert await db.scalar(select(func.count()).select_from(m.UserSession)) == 0


async def test_cookie_authenticated_api_post_needs_json_or_the_csrf_header(client, db) -> None:
    await make_user(db, username="apiuser")
    await page_login(client, "apiuser")
    form_like = await client.post("/api/v1/tokens", content=b"name=x", headers={"content-type": "text/plain"})
    assert form_like.status_code == 403
    token = client.cookies.get("csrftoken")
    with_header = await client.post(
        "/api/v1/tokens", json={"name": "with header"}, headers={"X-CSRFToken": token}
    )
    assert with_header.status_code == 201
    assert await db.scalar(select(func.count()).select_from(m.ApiToken)) == 1


async def test_account_page_creates_a_token_shown_once_and_revokes_it(client, db) -> None:
    await make_user(db, username="tokenui")
    await page_login(client, "tokenui")
    token = await csrf_token(client, "/account")
    created = await client.post("/account/tokens", data={"name": "流水线", "_csrf_token": token})
    assert created.status_code == 200
    secret = re.search(r'<code id="new-token">(yfy_[^<]+)</code>', created.text)
    assert secret
    again = await client.get("/account")
    assert secret.group(1) not in again.text
    assert "流水线" in again.text
    token_id = await db.scalar(select(m.ApiToken.id))
    revoked = await client.post(f"/account/tokens/{token_id}/revoke", data={"_csrf_token": token})
    assert revoked.status_code in (302, 303)
    await db.commit()
    assert await db.scalar(select(m.ApiToken.revoked_at)) is not None


async def test_change_password_ends_other_sessions_and_keeps_this_browser_signed_in(
    client, other_client, db
) -> None:
    await make_user(db, username="changer")
    await api_login(other_client, "changer")  # another browser
    await page_login(client, "changer")
    old_cookie = client.cookies.get("store_session")
    token = await csrf_token(client, "/account")
    wrong = await client.post(
        "/account/password",
        data={"current_password": "not-it-at-all", "new_password": "a-brand-new-pass", "_csrf_token": token},
    )
    assert wrong.status_code == 422
    ok = await client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a-brand-new-pass", "_csrf_token": token},
    )
    assert ok.status_code == 200
    assert 'role="status"' in ok.text
    # This browser got a new session; the old cookie and the other browser are signed out.
    assert client.cookies.get("store_session") != old_cookie
    assert (await client.get("/api/v1/me")).status_code == 200
    assert (await other_client.get("/api/v1/me")).status_code == 401
    other_client.cookies.set("store_session", old_cookie)
    assert (await other_client.get("/api/v1/me")).status_code == 401
    login = await other_client.post(
        "/api/v1/auth/login", json={"username": "changer", "password": "a-brand-new-pass"}
    )
    assert login.status_code == 200


async def test_admin_creates_a_user_through_the_page(client, db) -> None:
    await make_user(db, "province_admin", username="boss")
    await page_login(client, "boss")
    token = await csrf_token(client, "/admin/users")
    bad = await client.post(
        "/admin/users",
        data={
            "username": "zh_staff",
            "role": "city_staff",
            "region": "999999",
            "password": "long-enough-pw",
            "_csrf_token": token,
        },
    )
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert "999999" in bad.text
    assert 'value="long-enough-pw"' not in bad.text  # passwords are never echoed back
    good = await client.post(
        "/admin/users",
        data={
            "username": "zh_staff",
            "role": "city_staff",
            "region": "440400",
            "password": "long-enough-pw",
            "_csrf_token": token,
        },
    )
    assert good.status_code in (302, 303)
    listing = await client.get("/admin/users")
    assert "zh_staff" in listing.text
    user = await db.scalar(select(m.User).where(m.User.username == "zh_staff"))
    assert user is not None and user.region_code == "440400"


async def test_admin_disables_a_user_and_their_sessions_end(client, other_client, db) -> None:
    await make_user(db, "province_admin", username="boss2")
    target = await make_user(db, username="soon_disabled")
    await page_login(other_client, "soon_disabled")
    await page_login(client, "boss2")
    token = await csrf_token(client, f"/admin/users/{target.id}")
    response = await client.post(
        f"/admin/users/{target.id}",
        data={"display_name": "停用", "role": "city_staff", "region": "440300", "_csrf_token": token},
    )
    assert response.status_code in (302, 303)
    assert (await other_client.get("/api/v1/me")).status_code == 401


async def test_admin_adds_a_district_through_the_page(client, db) -> None:
    await make_user(db, "province_admin", username="boss3")
    await page_login(client, "boss3")
    token = await csrf_token(client, "/admin/regions")
    bad = await client.post(
        "/admin/regions",
        data={"parent_code": "440300", "code": "440105", "name": "错区", "_csrf_token": token},
    )
    assert bad.status_code == 422
    assert "4403" in bad.text
    ok = await client.post(
        "/admin/regions",
        data={"parent_code": "440300", "code": "440305", "name": "南山区", "_csrf_token": token},
    )
    assert ok.status_code in (302, 303)
    assert "南山区" in (await client.get("/regions")).text


@pytest.mark.parametrize("path", ["/admin/users", "/admin/regions"])
async def test_admin_pages_are_closed_to_other_roles(client, db, path: str) -> None:
    assert (await client.get(path)).status_code in (302, 303)  # anonymous: sent to sign in
    await make_user(db, "province_reviewer", username=f"rev{len(path)}")
    await page_login(client, f"rev{len(path)}")
    forbidden = await client.get(path)
    assert forbidden.status_code == 403
    assert "<html" in forbidden.text


async def test_unknown_page_gets_a_friendly_404(client) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "<html" in response.text
    assert "Traceback" not in response.text


async def test_user_supplied_text_is_escaped(client, db) -> None:
    admin = await make_user(db, "province_admin", username="escaper")
    await page_login(client, admin.username)
    token = await csrf_token(client, "/admin/users")
    await client.post(
        "/admin/users",
        data={
            "username": "xss_user",
            "display_name": "<script>alert(1)</script>",
            "role": "city_staff",
            "region": "440300",
            "password": "long-enough-pw",
            "_csrf_token": token,
        },
    )
    listing = (await client.get("/admin/users")).text
    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


async def test_api_docs_are_served_without_any_cdn(client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    assert all(src.startswith("/") for src in sources), sources
    spec = (await client.get("/schema/openapi.json")).json()
    for path in (
        "/api/v1/apps",
        "/api/v1/apps/{slug}/versions/{version}/artifacts",
        "/api/v1/regions",
        "/api/v1/tokens",
    ):
        assert path in spec["paths"], path
