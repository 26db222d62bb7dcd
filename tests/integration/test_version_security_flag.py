"""The publisher marks a version as a security fix (API and form); it is stored, answered by the
API, and shown as a badge on the version page and in the app page's version list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from tests.factories import auth_headers, create_app, csrf_token, make_user, page_login, upload

BADGE = 'class="badge security"'


async def stored_flag(db: AsyncSession, version: str) -> bool | None:
    return await db.scalar(
        select(m.Version.security_fix)
        .where(m.Version.version == version)
        .execution_options(populate_existing=True)
    )


async def test_the_api_stores_and_answers_the_flag(client: Any, db: AsyncSession) -> None:
    publisher = await make_user(db, "city_staff", "440300")
    headers = await auth_headers(db, publisher)
    app = await create_app(client, headers)
    base = f"/api/v1/apps/{app['slug']}/versions"
    fixed = await client.post(base, json={"version": "1.0.1", "security_fix": True}, headers=headers)
    plain = await client.post(base, json={"version": "1.1.0"}, headers=headers)
    assert fixed.status_code == plain.status_code == 201, (fixed.text, plain.text)
    assert (fixed.json()["security_fix"], plain.json()["security_fix"]) == (True, False)
    assert (await stored_flag(db, "1.0.1"), await stored_flag(db, "1.1.0")) == (True, False)
    listed = await client.get(base, headers=headers)
    assert {v["version"]: v["security_fix"] for v in listed.json()} == {"1.0.1": True, "1.1.0": False}
    entry = await db.scalar(
        select(m.AuditEntry).where(m.AuditEntry.action == "version_added").order_by(m.AuditEntry.id)
    )
    assert entry is not None and entry.changes == {"version": [None, "1.0.1"], "security_fix": [None, True]}
    # Only a boolean is taken.
    wrong = await client.post(base, json={"version": "1.2.0", "security_fix": "yes"}, headers=headers)
    assert wrong.status_code == 400
    assert await stored_flag(db, "1.2.0") is None
    schema = (await client.get("/schema/openapi.json")).json()
    assert "security_fix" in schema["components"]["schemas"]["VersionIn"]["properties"]


async def test_the_form_sets_the_flag_and_the_pages_show_it(client: Any, db: AsyncSession) -> None:
    publisher = await make_user(db, "city_staff", "440300", username="sz_pub")
    headers = await auth_headers(db, publisher)
    app = await create_app(client, headers)
    slug = app["slug"]
    await page_login(client, "sz_pub")
    form = await client.get(f"/apps/{slug}/versions/new")
    assert 'name="security_fix"' in form.text
    token = await csrf_token(client, f"/apps/{slug}/versions/new")
    for version, extra in (("2.0.1", {"security_fix": "on"}), ("2.1.0", {})):
        response = await client.post(
            f"/apps/{slug}/versions/new",
            data={"version": version, "release_date": "2026-03-01", "_csrf_token": token, **extra},
        )
        assert response.status_code in (302, 303), response.text
    assert (await stored_flag(db, "2.0.1"), await stored_flag(db, "2.1.0")) == (True, False)

    # A refused form keeps the box ticked.
    refused = await client.post(
        f"/apps/{slug}/versions/new",
        data={"version": "not-semver", "security_fix": "on", "_csrf_token": token},
    )
    assert refused.status_code == 422
    assert 'name="security_fix" checked' in refused.text

    fixed_page = await client.get(f"/apps/{slug}/versions/2.0.1")
    plain_page = await client.get(f"/apps/{slug}/versions/2.1.0")
    assert BADGE in fixed_page.text and BADGE not in plain_page.text
    assert (await upload(client, headers, slug, version="2.0.1")).status_code == 201
    app_page = await client.get(f"/apps/{slug}")
    assert app_page.text.count(BADGE) == 1
    articles = app_page.text.split('id="versions"', 1)[1].split("</article>")
    marked = [article for article in articles if BADGE in article]
    assert len(marked) == 1 and "versions/2.0.1" in marked[0] and "versions/2.1.0" not in marked[0]
