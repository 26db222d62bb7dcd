"""Sessions and accounts: a password change ends sessions and revokes API tokens, guesses of the
current password lock like sign-in, and CSRF protects every page whatever its path contains."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import (
    PASSWORD,
    api_login,
    auth_headers,
    create_app,
    csrf_token,
    make_token,
    make_user,
    page_login,
    upload,
)

NEW_PASSWORD = "a-brand-new-password"


async def _me_with(client, token: str) -> int:
    return (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_the_password_form_offers_token_revocation_checked(client, db) -> None:
    await make_user(db, username="formcheck")
    await page_login(client, "formcheck")
    page = (await client.get("/account")).text
    assert '<input type="checkbox" name="revoke_tokens" checked>' in page


async def test_changing_my_password_revokes_my_tokens_and_says_so(client, other_client, db) -> None:
    user = await make_user(db, username="rotate_me")
    old_token = await make_token(db, user)
    assert await _me_with(other_client, old_token) == 200
    await page_login(client, "rotate_me")
    client.cookies.set("lang", "en")
    changed = await client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "revoke_tokens": "on",
            "_csrf_token": await csrf_token(client, "/account"),
        },
    )
    assert changed.status_code == 200
    assert "your API tokens revoked" in changed.text
    assert await _me_with(other_client, old_token) == 401
    await db.commit()
    assert await db.scalar(select(m.ApiToken.revoked_at)) is not None
    # The page lists it as revoked.
    assert "revoked" in changed.text


async def test_unchecking_the_box_keeps_my_tokens(client, other_client, db) -> None:
    user = await make_user(db, username="keep_tokens")
    token = await make_token(db, user)
    await page_login(client, "keep_tokens")
    client.cookies.set("lang", "en")
    changed = await client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "_csrf_token": await csrf_token(client, "/account"),
        },
    )
    assert changed.status_code == 200
    assert "Your API tokens still work" in changed.text
    assert await _me_with(other_client, token) == 200


async def test_an_admin_reset_on_the_page_revokes_tokens_and_ends_sessions(client, other_client, db) -> None:
    await make_user(db, "province_admin", username="reset_admin")
    target = await make_user(db, username="reset_target")
    token = await make_token(db, target)
    await api_login(other_client, "reset_target")
    await page_login(client, "reset_admin")
    client.cookies.set("lang", "en")
    page = await client.get(f"/admin/users/{target.id}")
    assert '<input type="checkbox" name="revoke_tokens" checked>' in page.text
    reset = await client.post(
        f"/admin/users/{target.id}",
        data={
            "display_name": "Target",
            "role": "city_staff",
            "region": "440300",
            "password": NEW_PASSWORD,
            "is_active": "on",
            "revoke_tokens": "on",
            "_csrf_token": await csrf_token(client, f"/admin/users/{target.id}"),
        },
    )
    assert reset.status_code == 200
    assert "their API tokens revoked" in reset.text
    assert (await other_client.get("/api/v1/me")).status_code == 401
    assert await _me_with(other_client, token) == 401


@pytest.mark.parametrize(("revoke", "after"), [(None, 401), (True, 401), (False, 200)])
async def test_an_admin_reset_by_api_revokes_tokens_unless_asked_not_to(
    client, other_client, db, revoke, after
) -> None:
    admin = await auth_headers(db, await make_user(db, "province_admin", username="api_admin"))
    target = await make_user(db, username="api_target")
    token = await make_token(db, target)
    body: dict[str, object] = {"password": NEW_PASSWORD}
    if revoke is not None:
        body["revoke_tokens"] = revoke
    response = await client.patch(f"/api/v1/users/{target.id}", json=body, headers=admin)
    assert response.status_code == 200, response.text
    assert await _me_with(other_client, token) == after


async def test_guessing_the_current_password_locks_like_sign_in(client, db, settings) -> None:
    user = await make_user(db, username="guessed")
    await page_login(client, "guessed")
    token = await csrf_token(client, "/account")
    before = user.password_hash

    async def change(current: str) -> int:
        response = await client.post(
            "/account/password",
            data={"current_password": current, "new_password": NEW_PASSWORD, "_csrf_token": token},
        )
        return response.status_code

    assert [await change(f"guess-{i}") for i in range(settings.auth.login_max_failures)] == [
        422
    ] * settings.auth.login_max_failures
    # Locked now: the right current password is refused, and so is signing in.
    assert await change(PASSWORD) == 429
    signing_in = await client.post("/api/v1/auth/login", json={"username": "guessed", "password": PASSWORD})
    assert signing_in.status_code == 429
    await db.refresh(user)
    assert user.password_hash == before
    assert user.locked_until is not None


# Slugs whose page paths contain each CSRF-exempt pattern: "/apps/api/review" contains "/api/".
@pytest.mark.parametrize("slug", ["health-foo", "api", "static", "schema-foo"])
async def test_csrf_protects_pages_whose_path_contains_an_exempt_word(client, other_client, db, slug) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="csrf_pub"))
    await create_app(client, publisher, slug=slug)
    assert (await upload(client, publisher, slug)).status_code == 201
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=publisher)).status_code == 200
    await make_user(db, "province_reviewer", username="csrf_rev")
    await page_login(other_client, "csrf_rev")
    # Only the session cookie, as a cross-site form would send it: refused.
    forged = await other_client.post(f"/apps/{slug}/review", data={"decision": "approve"})
    assert forged.status_code == 403
    await db.commit()
    assert await db.scalar(select(m.App.status).where(m.App.slug == slug)) == m.AppStatus.SUBMITTED
    # With the form's token the same request goes through.
    token = await csrf_token(other_client, f"/apps/{slug}")
    approved = await other_client.post(
        f"/apps/{slug}/review", data={"decision": "approve", "confirm": "yes", "_csrf_token": token}
    )
    assert approved.status_code in (302, 303)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.App).where(m.App.status == "published")) == 1
