"""The role × region matrix for every catalog write action, through HTTP.

"own" is an app of 深圳 (the city staff's region), "other" an app of 广州. Drafts of another
region are invisible (404) rather than forbidden, so their existence does not leak.
"""

from __future__ import annotations

import itertools

import pytest

from tests.factories import app_payload, auth_headers, create_app, make_user, published_app, upload

ROLES = ["anonymous", "province_admin", "province_reviewer", "city_staff"]
TARGETS = ["own", "other"]
PUBLISHED = {"own": "440300", "other": "440100"}

EXPECTED: dict[str, dict[str, int | dict[str, int]]] = {
    "create_app": {"anonymous": 401, "province_admin": 403, "province_reviewer": 403, "city_staff": 201},
    "edit_app": {
        "anonymous": 401,
        "province_admin": 403,
        "province_reviewer": 403,
        "city_staff": {"own": 200, "other": 403},
    },
    "add_version": {
        "anonymous": 401,
        "province_admin": 403,
        "province_reviewer": 403,
        "city_staff": {"own": 201, "other": 403},
    },
    "upload": {
        "anonymous": 401,
        "province_admin": 403,
        "province_reviewer": 403,
        "city_staff": {"own": 201, "other": 403},
    },
    "yank": {
        "anonymous": 401,
        "province_admin": 403,
        "province_reviewer": 403,
        "city_staff": {"own": 200, "other": 403},
    },
    "deprecate": {
        "anonymous": 401,
        "province_admin": 403,
        "province_reviewer": 403,
        "city_staff": {"own": 200, "other": 403},
    },
    "submit_draft": {
        "anonymous": 401,
        "province_admin": 403,
        "province_reviewer": 403,
        "city_staff": {"own": 200, "other": 404},
    },
    "review": {"anonymous": 401, "province_admin": 200, "province_reviewer": 200, "city_staff": 403},
    # The review gate after publication (test_review_gate.py): provincial staff only.
    "review_version": {"anonymous": 401, "province_admin": 200, "province_reviewer": 200, "city_staff": 403},
    "changes_seen": {"anonymous": 401, "province_admin": 200, "province_reviewer": 200, "city_staff": 403},
    "return_published": {
        "anonymous": 401,
        "province_admin": 200,
        "province_reviewer": 200,
        "city_staff": 403,
    },
}


async def _setup(client, db, action: str, target: str) -> str:
    """Create the app the action works on, in the target region, in the state it needs."""
    region = PUBLISHED[target]
    publisher = await auth_headers(db, await make_user(db, "city_staff", region, username=f"pub_{region}"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="matrix_rev"))
    if action == "create_app":
        return ""
    if action in ("submit_draft", "review"):
        app = await create_app(client, publisher, slug=f"app-{target}")
        assert (await upload(client, publisher, app["slug"])).status_code == 201
        if action == "review":
            assert (
                await client.post(f"/api/v1/apps/{app['slug']}/submit", headers=publisher)
            ).status_code == 200
        return app["slug"]
    app = await published_app(client, publisher, reviewer, slug=f"app-{target}")
    if action == "review_version":
        assert (await upload(client, publisher, app["slug"], "1.1.0", b"pending")).status_code == 201
    if action == "changes_seen":
        edit = {"summary": "发布后修改"}
        assert (
            await client.patch(f"/api/v1/apps/{app['slug']}", json=edit, headers=publisher)
        ).status_code == 200
    return app["slug"]


async def _act(client, headers: dict[str, str], action: str, slug: str) -> int:
    base = f"/api/v1/apps/{slug}"
    if action == "create_app":
        response = await client.post("/api/v1/apps", json=app_payload(slug="matrix-new"), headers=headers)
    elif action == "edit_app":
        response = await client.patch(base, json={"summary": "矩阵测试修改"}, headers=headers)
    elif action == "add_version":
        response = await client.post(f"{base}/versions", json={"version": "2.0.0"}, headers=headers)
    elif action == "upload":
        response = await upload(client, headers, slug, "1.0.1", b"patch")
    elif action == "yank":
        response = await client.post(f"{base}/versions/1.0.0/yank", json={"reason": "测试"}, headers=headers)
    elif action == "deprecate":
        response = await client.post(f"{base}/deprecate", json={"reason": "测试"}, headers=headers)
    elif action == "submit_draft":
        response = await client.post(f"{base}/submit", headers=headers)
    elif action == "review_version":
        response = await client.post(
            f"{base}/versions/1.1.0/review", json={"decision": "approve"}, headers=headers
        )
    elif action == "changes_seen":
        response = await client.post(f"{base}/changes/seen", headers=headers)
    elif action == "return_published":
        response = await client.post(
            f"{base}/review", json={"decision": "return", "comment": "请更正"}, headers=headers
        )
    else:
        response = await client.post(f"{base}/review", json={"decision": "approve"}, headers=headers)
    return response.status_code


@pytest.mark.parametrize(("action", "role", "target"), list(itertools.product(EXPECTED, ROLES, TARGETS)))
async def test_catalog_write_matrix(client, db, action: str, role: str, target: str) -> None:
    slug = await _setup(client, db, action, target)
    headers: dict[str, str] = {}
    if role != "anonymous":
        actor = await make_user(db, role, "440300", username=f"actor_{role}")
        headers = await auth_headers(db, actor)
    cell = EXPECTED[action][role]
    expected = cell[target] if isinstance(cell, dict) else cell
    status = await _act(client, headers, action, slug)
    assert status == expected, f"{role} {action} on {target}: {status} != {expected}"
