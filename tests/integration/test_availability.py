"""One user must not stall everyone: oversized input is refused before any work, screenshots are
authorized before they are read, and CPU-heavy work (argon2, image decoding) leaves the event
loop free, so /health keeps answering."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PIL import Image
from sqlalchemy import func, select

from store.artifacts import images
from store.db import models as m
from store.lib import security
from tests.factories import auth_headers, csrf_token, make_user, page_login, published_app
from tests.factories import create_app as create_catalog_app
from tests.unit.test_input_limits import png_header


@pytest.fixture
async def shenzhen(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_avail"))


@pytest.fixture
async def guangzhou(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "city_staff", "440100", username="gz_avail"))


@pytest.fixture
async def reviewer(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "province_reviewer", username="rev_avail"))


def png(width: int = 800, height: int = 500) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def stored_files(settings) -> list[Path]:
    root = settings.storage.local_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def screenshot_count(db) -> int:
    await db.commit()
    return await db.scalar(select(func.count()).select_from(m.Screenshot)) or 0


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every image the store decodes, by size (the real decoder still runs)."""
    calls: list[int] = []
    real = images.prepare_screenshot

    def counting(data: bytes) -> images.PreparedImage:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(images, "prepare_screenshot", counting)
    return calls


# -- lists ---------------------------------------------------------------------------------------


async def test_a_patch_with_24000_tags_is_refused_at_the_schema_and_changes_nothing(
    client, db, shenzhen
) -> None:
    app = await create_catalog_app(client, shenzhen)
    url = f"/api/v1/apps/{app['slug']}"
    before = (await client.get(url, headers=shenzhen)).json()
    history = (await client.get(f"{url}/history", headers=shenzhen)).json()

    tags = [f"标签{i}" for i in range(24_000)]
    response = await client.patch(url, json={"tags": tags, "name": "改过的名字"}, headers=shenzhen)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "tags" in [d["field"] for d in error["details"]]
    after = (await client.get(url, headers=shenzhen)).json()
    assert after == before
    assert (await client.get(f"{url}/history", headers=shenzhen)).json() == history


async def test_every_list_in_the_app_schema_is_bounded(client, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    url = f"/api/v1/apps/{app['slug']}"
    many = ["x"] * 51
    payloads = {
        "tags": many,
        "tech_stack": many,
        "deployment_modes": many,
        "integrations": many,
        "xinchuang.cpus": {"xinchuang": {"cpus": many}},
        "reference_prices": [{"description": "x", "amount_yuan": "1"}] * 51,
    }
    for field, value in payloads.items():
        body = value if isinstance(value, dict) else {field: value}
        response = await client.patch(url, json=body, headers=shenzhen)
        assert response.status_code == 400, (field, response.text)
        assert response.json()["error"]["details"], field


async def test_the_app_form_refuses_thousands_of_tags_and_changes_nothing(client, db) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_formtags"))
    app = await create_catalog_app(client, headers, slug="form-tags-app")
    before = (await client.get("/api/v1/apps/form-tags-app", headers=headers)).json()
    await page_login(client, "sz_formtags")
    token = await csrf_token(client, "/apps/form-tags-app/edit")
    form = {
        "_csrf_token": token,
        "name": "改过的名字",
        "tags": ",".join(f"t{i}" for i in range(24_000)),
        "deployment_modes": "gov_cloud",
    }
    response = await client.post("/apps/form-tags-app/edit", data=form)
    assert response.status_code == 422
    after = (await client.get(f"/api/v1/apps/{app['slug']}", headers=headers)).json()
    assert after == before


# -- screenshots ---------------------------------------------------------------------------------


async def test_another_citys_screenshot_is_refused_before_it_is_read(
    client, db, settings, shenzhen, guangzhou, reviewer, decoded
) -> None:
    app = await published_app(client, shenzhen, reviewer)
    url = f"/api/v1/apps/{app['slug']}/screenshots"
    files_before = stored_files(settings)

    for image in (png(), b"not an image at all", png_header(20_000, 20_000)):
        response = await client.post(url, files={"image": ("x.png", image, "image/png")}, headers=guangzhou)
        assert response.status_code == 403, response.text  # not 422: the bytes were never looked at
        assert response.json()["error"]["code"] == "forbidden"
    anonymous = await client.post(url, files={"image": ("x.png", png(), "image/png")})
    assert anonymous.status_code == 401

    assert decoded == []
    assert await screenshot_count(db) == 0
    assert stored_files(settings) == files_before


async def test_another_citys_screenshot_through_the_page_is_refused_before_it_is_read(
    client, db, settings, shenzhen, reviewer, decoded
) -> None:
    app = await published_app(client, shenzhen, reviewer)
    await make_user(db, "city_staff", "440100", username="gz_page_avail")
    await page_login(client, "gz_page_avail")
    token = await csrf_token(client, f"/apps/{app['slug']}")
    files_before = stored_files(settings)

    response = await client.post(
        f"/apps/{app['slug']}/screenshots",
        data={"caption": "x", "_csrf_token": token},
        files={"image": ("x.png", b"not an image at all", "image/png")},
    )

    assert response.status_code == 403
    assert decoded == []
    assert await screenshot_count(db) == 0
    assert stored_files(settings) == files_before


async def test_an_image_declaring_20000_by_20000_pixels_is_a_clear_422(
    client, db, settings, shenzhen, decoded
) -> None:
    app = await create_catalog_app(client, shenzhen)
    url = f"/api/v1/apps/{app['slug']}/screenshots"
    files_before = stored_files(settings)

    response = await client.post(
        url,
        files={"image": ("bomb.png", png_header(20_000, 20_000), "image/png")},
        headers={**shenzhen, "Accept-Language": "en"},
    )

    assert response.status_code == 422, response.text
    [detail] = response.json()["error"]["details"]
    assert detail == {
        "field": "image",
        "message": "The image is too large: at most 40 million pixels are allowed.",
    }
    assert len(decoded) == 1
    assert await screenshot_count(db) == 0
    assert stored_files(settings) == files_before
    ok = await client.post(url, files={"image": ("ok.png", png(), "image/png")}, headers=shenzhen)
    assert ok.status_code == 201, ok.text
    assert await screenshot_count(db) == 1


# -- the event loop stays free -------------------------------------------------------------------


async def test_health_answers_while_ten_bad_sign_ins_are_hashing(client, monkeypatch) -> None:
    """Argon2 at its production cost (the test suite otherwise uses a cheap one): ten sign-ins
    take seconds of CPU in total; /health must not wait for them."""
    costly = await asyncio.to_thread(PasswordHasher().hash, "timing-equaliser")
    monkeypatch.setattr(security, "_DUMMY_HASH", costly)  # unknown usernames are checked against it

    sign_ins = [
        asyncio.create_task(
            client.post("/api/v1/auth/login", json={"username": f"ghost{i}", "password": "not the password"})
        )
        for i in range(10)
    ]
    await asyncio.sleep(0.05)  # let them reach the hashing
    started = time.perf_counter()
    health = await client.get("/health")
    health_seconds = time.perf_counter() - started
    still_hashing = sum(not task.done() for task in sign_ins)
    answers = await asyncio.gather(*sign_ins)

    assert health.status_code == 200
    assert health_seconds < 1.0, f"/health took {health_seconds:.2f} s behind the sign-ins"
    assert still_hashing > 0, "the sign-ins finished before /health answered: nothing was measured"
    assert {a.status_code for a in answers} <= {401, 429}
