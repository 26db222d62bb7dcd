"""Bad input gets a clear 4xx in the JSON error shape, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import api_login, make_user


async def _count_users(db) -> int:
    await db.commit()
    return await db.scalar(select(func.count()).select_from(m.User))


@pytest.fixture
async def admin_client(client, db):
    await make_user(db, "province_admin", username="root_admin")
    await api_login(client, "root_admin")
    return client


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"username": "a", "role": "city_staff", "password": 12345678901}', "application/json"),
        (
            b'{"username": "' + b"u" * 65 + b'", "role": "city_staff", "password": "long-enough-pw"}',
            "application/json",
        ),
        (
            b'{"username": "ok_name", "role": "city_staff", "password": "long-enough-pw", "admin": true}',
            "application/json",
        ),
    ],
    ids=["malformed", "empty", "wrong-shape", "wrong-type", "too-long", "unknown-field"],
)
async def test_malformed_requests_are_400_and_create_nothing(
    admin_client, db, body: bytes, content_type: str
) -> None:
    before = await _count_users(db)
    response = await admin_client.post("/api/v1/users", content=body, headers={"content-type": content_type})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"]
    assert "Traceback" not in response.text
    assert await _count_users(db) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"username": "sz_new", "role": "city_staff", "password": "long-enough-pw", "region": "999999"},
            "region",
        ),
        ({"username": "sz_new", "role": "city_staff", "password": "long-enough-pw"}, "region"),
        (
            {"username": "sz_new", "role": "city_staff", "password": "long-enough-pw", "region": "440000"},
            "region",
        ),
        ({"username": "sz_new", "role": "emperor", "password": "long-enough-pw"}, "role"),
        ({"username": "bad name!", "role": "province_reviewer", "password": "long-enough-pw"}, "username"),
        ({"username": "sz_new", "role": "province_reviewer", "password": "short"}, "password"),
    ],
)
async def test_semantic_errors_are_422_with_the_field_named(admin_client, db, payload, field) -> None:
    before = await _count_users(db)
    response = await admin_client.post("/api/v1/users", json=payload)
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert field in [d["field"] for d in details]
    assert all(d["message"] for d in details)
    assert await _count_users(db) == before


async def test_duplicate_username_is_409(admin_client, db) -> None:
    payload = {"username": "twin", "role": "province_reviewer", "password": "long-enough-pw"}
    assert (await admin_client.post("/api/v1/users", json=payload)).status_code == 201
    response = await admin_client.post("/api/v1/users", json=payload)
    assert response.status_code == 409
    assert "twin" in response.json()["error"]["message"]


async def test_region_pattern_is_checked_by_the_schema(admin_client) -> None:
    payload = {"username": "patterned", "role": "city_staff", "password": "long-enough-pw", "region": "44030"}
    response = await admin_client.post("/api/v1/users", json=payload)
    assert response.status_code == 400
    assert response.json()["error"]["details"]


async def test_patch_validates_and_rolls_back(admin_client, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="patched")
    response = await admin_client.patch(
        f"/api/v1/users/{user.id}", json={"region": "999999", "display_name": "新名"}
    )
    assert response.status_code == 422
    await db.refresh(user)
    assert user.region_code == "440300"
    assert user.display_name != "新名"
    ok = await admin_client.patch(
        f"/api/v1/users/{user.id}", json={"region": "441400", "display_name": "新名"}
    )
    assert ok.status_code == 200
    assert ok.json()["region"]["code"] == "441400"
    assert (await admin_client.patch("/api/v1/users/999999", json={"display_name": "x"})).status_code == 404


async def test_error_messages_follow_the_language(client) -> None:
    chinese = await client.get("/api/v1/me")
    assert chinese.json()["error"]["message"] == "请先登录。"
    english = await client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "Please sign in first."


async def test_wrong_method_is_405_json(client) -> None:
    response = await client.put("/api/v1/regions/440300", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
