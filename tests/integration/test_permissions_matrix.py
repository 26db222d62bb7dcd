"""The role × region × write-action matrix, through HTTP.

Every write action of the API is tried by each role, on something in the actor's own region and
in another region. Expected outcomes come from one table, so a missing check shows up as a cell.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import api_login, make_token, make_user

ROLES = ["anonymous", "province_admin", "province_reviewer", "city_staff"]
ACTOR_CITY = "440300"  # city staff act for 深圳
TARGETS = {"own": "440300", "other": "440100"}

# action -> role -> expected status (the same for own and other region unless listed per target)
EXPECTED: dict[str, dict[str, int | dict[str, int]]] = {
    "add_district": {"anonymous": 401, "province_admin": 201, "province_reviewer": 403, "city_staff": 403},
    "create_user": {"anonymous": 401, "province_admin": 201, "province_reviewer": 403, "city_staff": 403},
    "update_user": {"anonymous": 401, "province_admin": 200, "province_reviewer": 403, "city_staff": 403},
    "create_token": {"anonymous": 401, "province_admin": 201, "province_reviewer": 201, "city_staff": 201},
}

DISTRICTS = {"440300": ("440306", "宝安区"), "440100": ("440106", "天河区")}


async def _act(client, db, action: str, region: str) -> int:
    if action == "add_district":
        code, name = DISTRICTS[region]
        response = await client.post(
            "/api/v1/regions", json={"code": code, "name": name, "parent_code": region}
        )
    elif action == "create_user":
        response = await client.post(
            "/api/v1/users",
            json={
                "username": f"new_{region}",
                "role": "city_staff",
                "region": region,
                "password": "a-long-password",
            },
        )
    elif action == "update_user":
        target = await make_user(db, "city_staff", region, username=f"target_{region}")
        response = await client.patch(f"/api/v1/users/{target.id}", json={"display_name": "改名"})
    else:
        response = await client.post("/api/v1/tokens", json={"name": f"token for {region}"})
    return response.status_code


@pytest.mark.parametrize(
    ("action", "role", "target"), list(itertools.product(EXPECTED, ROLES, TARGETS)), ids=lambda v: str(v)
)
async def test_write_matrix(client, db, action: str, role: str, target: str) -> None:
    if role != "anonymous":
        actor = await make_user(db, role, ACTOR_CITY, username=f"actor_{role}")
        await api_login(client, actor.username)
    cell = EXPECTED[action][role]
    expected = cell[target] if isinstance(cell, dict) else cell
    status = await _act(client, db, action, TARGETS[target])
    assert status == expected, f"{role} {action} on {target} region: {status} != {expected}"


@pytest.mark.parametrize("role", ["province_admin", "province_reviewer", "city_staff"])
async def test_tokens_carry_the_same_rights_as_their_user(client, db, role: str) -> None:
    actor = await make_user(db, role, ACTOR_CITY, username=f"bot_{role}")
    secret = await make_token(db, actor)
    response = await client.post(
        "/api/v1/regions",
        json={"code": "440307", "name": "龙岗区", "parent_code": "440300"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == EXPECTED["add_district"][role]
    count = await db.scalar(select(func.count()).select_from(m.Region).where(m.Region.code == "440307"))
    assert count == (1 if role == "province_admin" else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("province_admin", 200), ("province_reviewer", 403), ("city_staff", 403)],
)
async def test_only_admins_list_users(client, db, role: str, status: int) -> None:
    if role != "anonymous":
        actor = await make_user(db, role, ACTOR_CITY, username=f"reader_{role}")
        await api_login(client, actor.username)
    assert (await client.get("/api/v1/users")).status_code == status
