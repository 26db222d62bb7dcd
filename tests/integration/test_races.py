"""Parallel requests: counters and create-if-missing stay right when requests overlap.

Each test fires requests at once (``asyncio.gather``, one client per request, as separate
browsers or pipelines would) and checks what the database holds afterwards. SQLite lets one
writer in at a time, so there the requests queue for the write lock; the answers must be the
same as on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from store.accounts.services import TokenService
from store.db import models as m
from tests.conftest import serve
from tests.factories import PASSWORD, app_payload, auth_headers, make_user, upload
from tests.factories import create_app as create_catalog_app

PARALLEL = 12


async def _each_in_own_client(app: Any, *requests: Any) -> list[httpx.Response]:
    """Run each ``request(client)`` at once, each with a client (a cookie jar) of its own."""

    async def run(request: Any) -> httpx.Response:
        async with serve(app) as own_client:
            return await request(own_client)

    return list(await asyncio.gather(*(run(request) for request in requests)))


def _login(username: str, password: str) -> Any:
    async def request(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/api/v1/auth/login", json={"username": username, "password": password})

    return request


async def test_parallel_wrong_passwords_check_at_most_the_limit_then_lock(app, client, db, settings) -> None:
    user = await make_user(db, username="race_target")
    limit = settings.auth.login_max_failures
    answers = await _each_in_own_client(
        app, *(_login("race_target", f"wrong-guess-{i}") for i in range(PARALLEL))
    )
    statuses = sorted(response.status_code for response in answers)
    # Exactly `limit` guesses reached the password check; every other one was refused unchecked.
    assert statuses == [401] * limit + [429] * (PARALLEL - limit)
    await db.refresh(user)
    assert user.locked_until is not None
    # Locked: the right password is refused too.
    locked = await client.post("/api/v1/auth/login", json={"username": "race_target", "password": PASSWORD})
    assert locked.status_code == 429
    assert await db.scalar(select(func.count()).select_from(m.UserSession)) == 0


async def test_parallel_guesses_at_an_unknown_name_are_answered_the_same(app, client, db, settings) -> None:
    await make_user(db, username="race_real")
    limit = settings.auth.login_max_failures
    nobody = "nobody_racing"
    real, unknown = await asyncio.gather(
        _each_in_own_client(app, *(_login("race_real", f"wrong-{i}") for i in range(PARALLEL))),
        _each_in_own_client(app, *(_login(nobody, f"wrong-{i}") for i in range(PARALLEL))),
    )
    expected = [401] * limit + [429] * (PARALLEL - limit)
    assert sorted(r.status_code for r in real) == sorted(r.status_code for r in unknown) == expected
    assert {r.json()["error"]["message"] for r in real} == {r.json()["error"]["message"] for r in unknown}


async def test_parallel_first_uploads_to_a_new_version_both_land_in_it(app, client, db, settings) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="race_pub"))
    slug = (await create_catalog_app(client, publisher))["slug"]
    for version in ("1.0.0", "1.1.0", "2.0.0"):  # a few rounds: the overlap is not the same each time
        answers = await _each_in_own_client(
            app,
            *(
                lambda c, name=name, version=version: upload(
                    c, publisher, slug, version, name.encode() * 1000, name
                )
                for name in ("one.zip", "two.zip")
            ),
        )
        assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]
        await db.commit()
        rows = await db.scalars(select(m.Version).where(m.Version.version == version))
        versions = list(rows)
        assert len(versions) == 1
        assert sorted(a.filename for a in versions[0].artifacts) == ["one.zip", "two.zip"]
    # Each version was added once (its history says so once), and every file was kept.
    added = await db.scalar(
        select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "version_added")
    )
    assert added == 3
    stored = [p for p in settings.storage.local_dir.rglob("*") if p.is_file()]
    assert len(stored) == 6


async def test_parallel_apps_with_one_slug_make_one_app(app, client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="race_slug"))

    def create(client: httpx.AsyncClient) -> Any:
        return client.post("/api/v1/apps", json=app_payload(slug="same-slug"), headers=publisher)

    answers = await _each_in_own_client(app, *([create] * 4))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201, 422, 422, 422], [r.text for r in answers]
    assert {r.json()["error"]["details"][0]["field"] for r in answers if r.status_code == 422} == {"slug"}
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.App)) == 1


async def test_parallel_users_with_one_name_make_one_user(app, client, db) -> None:
    admin = await auth_headers(db, await make_user(db, "province_admin", username="race_admin"))
    body = {"username": "twin", "role": "city_staff", "region": "440300", "password": "a-long-password"}

    def create(client: httpx.AsyncClient) -> Any:
        return client.post("/api/v1/users", json=body, headers=admin)

    answers = await _each_in_own_client(app, *([create] * 4))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409], [r.text for r in answers]
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.User).where(m.User.username == "twin")) == 1


async def test_parallel_districts_with_one_code_make_one_region(app, client, db) -> None:
    admin = await auth_headers(db, await make_user(db, "province_admin", username="race_regions"))
    body = {"code": "440305", "name": "南山区", "parent_code": "440300"}

    def create(client: httpx.AsyncClient) -> Any:
        return client.post("/api/v1/regions", json=body, headers=admin)

    answers = await _each_in_own_client(app, *([create] * 4))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409], [r.text for r in answers]
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Region).where(m.Region.code == "440305")) == 1


async def test_parallel_tokens_do_not_pass_the_limit(app, client, db) -> None:
    user = await make_user(db, username="race_tokens")
    for i in range(TokenService.MAX_ACTIVE - 2):
        await TokenService(db).issue(user, f"t{i}")
    await db.commit()
    headers = await auth_headers(db, user)  # the 49th active token

    def create(client: httpx.AsyncClient) -> Any:
        return client.post("/api/v1/tokens", json={"name": "one more"}, headers=headers)

    answers = await _each_in_own_client(app, *([create] * 4))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409], [r.text for r in answers]
    await db.commit()
    active = await db.scalar(
        select(func.count()).select_from(m.ApiToken).where(m.ApiToken.revoked_at.is_(None))
    )
    assert active == TokenService.MAX_ACTIVE


async def test_parallel_screenshots_never_pass_the_limit(app, client, db, settings) -> None:
    """Every parallel upload passes the early check; the count after the insert keeps the limit,
    and a refused upload leaves no stored image behind."""
    import io

    from PIL import Image

    from store.artifacts.services import MAX_SCREENSHOTS

    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_shots"))
    slug = (await create_catalog_app(client, headers, slug="many-shots"))["slug"]
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 30, 30)).save(buffer, format="PNG")
    png = buffer.getvalue()

    def add(caption: str) -> Any:
        async def request(own_client: httpx.AsyncClient) -> httpx.Response:
            return await own_client.post(
                f"/api/v1/apps/{slug}/screenshots",
                files={"image": ("s.png", png, "image/png")},
                data={"caption": caption},
                headers=headers,
            )

        return request

    for index in range(MAX_SCREENSHOTS - 2):
        assert (await add(f"before-{index}")(client)).status_code == 201
    answers = await _each_in_own_client(app, *(add(f"racing-{i}") for i in range(6)))
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [201, 201, 409, 409, 409, 409], [r.text for r in answers]
    rows = (await db.scalars(select(m.Screenshot).join(m.App).where(m.App.slug == slug))).all()
    assert len(rows) == MAX_SCREENSHOTS
    stored = {
        p.relative_to(settings.storage.local_dir).as_posix() for p in settings.storage.local_dir.rglob("*")
    }
    stored = {key for key in stored if key.startswith("screenshots/") and key.count("/") == 2}
    assert stored == {row.object_key for row in rows} | {row.thumb_key for row in rows}
