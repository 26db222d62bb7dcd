"""Health, and regions: the seeded province and cities, districts added by provincial admins."""

from __future__ import annotations

import pytest

from store.regions.data import CITIES
from tests.factories import api_login, make_user


async def test_health_reports_the_database(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"


async def test_regions_are_seeded_with_21_cities_and_their_zones(client) -> None:
    response = await client.get("/api/v1/regions", params={"level": "city"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 21
    by_code = {r["code"]: r for r in body["items"]}
    assert by_code["440300"]["name"] == "深圳"
    assert by_code["440300"]["zone"] == "core"
    assert by_code["441400"]["zone"] == "north"
    assert by_code["441400"]["is_east_west_north"] is True
    assert sum(r["is_east_west_north"] for r in body["items"]) == 12
    # The migration's frozen seed rows still agree with store/regions/data.py, field by field.
    assert {(c.code, c.name, c.name_en, c.zone) for c in CITIES} == {
        (r["code"], r["name"], r["name_en"], r["zone"]) for r in body["items"]
    }


async def test_province_is_the_parent_of_every_city(client) -> None:
    province = (await client.get("/api/v1/regions/440000")).json()
    assert province["level"] == "province"
    assert province["parent_code"] is None
    cities = (await client.get("/api/v1/regions", params={"parent": "440000"})).json()
    assert cities["total"] == 21


@pytest.mark.parametrize("code", ["999999", "44030", "abc", "440300x"])
async def test_unknown_region_is_404(client, code: str) -> None:
    response = await client.get(f"/api/v1/regions/{code}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_admin_adds_a_district_under_a_city(client, db) -> None:
    admin = await make_user(db, "province_admin")
    await api_login(client, admin.username)
    response = await client.post(
        "/api/v1/regions",
        json={"code": "440305", "name": "南山区", "parent_code": "440300", "name_en": "Nanshan"},
    )
    assert response.status_code == 201, response.text
    district = (await client.get("/api/v1/regions/440305")).json()
    assert district["level"] == "district"
    assert district["parent_code"] == "440300"
    assert district["zone"] == "core"
    listed = (await client.get("/api/v1/regions", params={"parent": "440300"})).json()
    assert [r["code"] for r in listed["items"]] == ["440305"]


async def test_a_district_in_the_north_counts_as_east_west_north(client, db) -> None:
    admin = await make_user(db, "province_admin")
    await api_login(client, admin.username)
    response = await client.post(
        "/api/v1/regions", json={"code": "441402", "name": "梅江区", "parent_code": "441400"}
    )
    assert response.status_code == 201
    assert response.json()["is_east_west_north"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "440105", "name": "错城区", "parent_code": "440300"}, "code"),  # wrong city prefix
        ({"code": "440300", "name": "重复", "parent_code": "440300"}, "code"),  # ends in 00
        ({"code": "440305", "name": "南山区", "parent_code": "999999"}, "parent"),  # unknown parent
        ({"code": "440305", "name": "南山区", "parent_code": "440000"}, "parent"),  # province is not a city
        ({"code": "44030a", "name": "南山区", "parent_code": "440300"}, "code"),
        ({"code": "440305", "name": "   ", "parent_code": "440300"}, "name"),
    ],
)
async def test_invalid_district_is_refused_with_the_field_named(client, db, payload, field) -> None:
    admin = await make_user(db, "province_admin")
    await api_login(client, admin.username)
    response = await client.post("/api/v1/regions", json=payload)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in [d["field"] for d in error["details"]]
    assert (await client.get("/api/v1/regions", params={"level": "district"})).json()["total"] == 0


async def test_duplicate_district_is_a_conflict(client, db) -> None:
    admin = await make_user(db, "province_admin")
    await api_login(client, admin.username)
    payload = {"code": "440305", "name": "南山区", "parent_code": "440300"}
    assert (await client.post("/api/v1/regions", json=payload)).status_code == 201
    response = await client.post("/api/v1/regions", json=payload)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


async def test_region_list_pagination_is_bounded(client) -> None:
    page = (await client.get("/api/v1/regions", params={"per_page": 5, "page": 2})).json()
    assert page["total"] == 22
    assert [r["code"] for r in page["items"]] == ["440500", "440600", "440700", "440800", "440900"]
    assert (await client.get("/api/v1/regions", params={"per_page": 100000})).status_code == 400
    assert (await client.get("/api/v1/regions", params={"page": 0})).status_code == 400
