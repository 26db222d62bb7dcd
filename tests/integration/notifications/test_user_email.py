"""Users' addresses for notification e-mails, on SQLite and PostgreSQL: set and cleared on one's
own account page and by an admin (page and API), bounded and checked, refused ones reported by
field with nothing changed; a recipient with an address gets its notifications queued for mail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.notifications import fanout
from tests.factories import auth_headers, csrf_token, make_user, page_login


async def email_of(db: AsyncSession, username: str) -> str | None:
    value = await db.scalar(select(m.User.email).where(m.User.username == username))
    await db.rollback()
    return value


async def test_a_user_sets_and_clears_their_address_on_the_account_page(client, db) -> None:
    await make_user(db, "city_staff", "441400", username="mz_staff")
    await page_login(client, "mz_staff")
    page = await client.get("/account", params={"lang": "en"})
    assert 'name="email"' in page.text and 'action="/account/email"' in page.text
    token = await csrf_token(client, "/account")

    saved = await client.post(
        "/account/email", data={"email": " li@example.gov.cn ", "_csrf_token": token}, params={"lang": "en"}
    )
    assert saved.status_code == 200
    assert "Your e-mail address was saved." in saved.text and 'value="li@example.gov.cn"' in saved.text
    assert await email_of(db, "mz_staff") == "li@example.gov.cn"

    refused = await client.post(
        "/account/email", data={"email": "not an address", "_csrf_token": token}, params={"lang": "en"}
    )
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text and 'value="not an address"' in refused.text
    assert await email_of(db, "mz_staff") == "li@example.gov.cn"  # unchanged

    forged = await client.post("/account/email", data={"email": "x@evil.example"})
    assert forged.status_code == 403
    assert await email_of(db, "mz_staff") == "li@example.gov.cn"

    cleared = await client.post(
        "/account/email", data={"email": "", "_csrf_token": token}, params={"lang": "en"}
    )
    assert "Your e-mail address was removed." in cleared.text
    assert await email_of(db, "mz_staff") == ""


async def test_an_admin_edits_the_address_and_reports_every_error_at_once(client, db) -> None:
    await make_user(db, "province_admin", username="boss")
    target_id = (await make_user(db, "city_staff", "440300", username="sz_staff")).id
    await page_login(client, "boss")
    page = await client.get(f"/admin/users/{target_id}")
    assert 'name="email"' in page.text
    token = await csrf_token(client, f"/admin/users/{target_id}")
    form = {"display_name": "深圳", "role": "city_staff", "region": "440300", "_csrf_token": token}

    ok = await client.post(f"/admin/users/{target_id}", data={**form, "email": "sz@example.gov.cn"})
    assert ok.status_code in (302, 303)
    assert await email_of(db, "sz_staff") == "sz@example.gov.cn"

    both = await client.post(
        f"/admin/users/{target_id}", data={**form, "email": "sz@", "region": "999999"}, params={"lang": "en"}
    )
    assert both.status_code == 422
    assert 'id="email-error"' in both.text and 'id="region-error"' in both.text
    assert await email_of(db, "sz_staff") == "sz@example.gov.cn"

    # A form without the field (an older page) leaves the address alone.
    assert (await client.post(f"/admin/users/{target_id}", data=form)).status_code in (302, 303)
    assert await email_of(db, "sz_staff") == "sz@example.gov.cn"


async def test_the_users_api_reads_and_writes_the_address(client, db) -> None:
    admin = await auth_headers(db, await make_user(db, "province_admin", username="boss"))
    created = await client.post(
        "/api/v1/users",
        json={
            "username": "gz_staff",
            "role": "city_staff",
            "region": "440100",
            "password": "correct horse battery",
            "email": "gz@example.gov.cn",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "gz@example.gov.cn"
    user_id = created.json()["id"]
    bad = await client.patch(f"/api/v1/users/{user_id}", json={"email": "gz@@x"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "email"
    too_long = await client.patch(
        f"/api/v1/users/{user_id}", json={"email": "a" * 250 + "@b.cn"}, headers=admin
    )
    assert too_long.status_code == 400
    assert await email_of(db, "gz_staff") == "gz@example.gov.cn"
    cleared = await client.patch(f"/api/v1/users/{user_id}", json={"email": ""}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["email"] == ""
    me = await auth_headers(db, await db.get_one(m.User, user_id))
    assert (await client.get("/api/v1/me", headers=me)).json()["email"] == ""


@pytest.mark.parametrize(("email", "state"), [("li@example.gov.cn", "pending"), ("", "none")])
async def test_a_recipient_with_an_address_gets_its_mail_queued(db, email: str, state: str) -> None:
    await make_user(db, "city_staff", "441400", username="mz_staff", email=email)
    await db.execute(fanout.for_region("441400", m.NotificationKind.RECONFIRM_DUE))
    await db.commit()
    assert list(await db.scalars(select(m.Notification.email_state))) == [state]
