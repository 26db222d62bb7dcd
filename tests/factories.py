"""Factories: build users, tokens and sessions through the real services, committed."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts.services import TokenService, UserService
from store.db import models as m

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


async def make_user(
    db: AsyncSession,
    role: str = "city_staff",
    region: str | None = "440300",
    *,
    username: str | None = None,
    password: str = PASSWORD,
    **extra: Any,
) -> m.User:
    user = await UserService(db).create(
        username=username or f"{role.split('_')[0]}{next(_counter)}",
        role=role,
        password=password,
        region_code=region if role == "city_staff" else None,
        **extra,
    )
    await db.commit()
    return user


async def make_token(db: AsyncSession, user: m.User, name: str = "ci", days: int | None = None) -> str:
    issued = await TokenService(db).issue(user, name, days)
    await db.commit()
    return issued.secret


async def api_login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text


async def csrf_token(client: httpx.AsyncClient, page: str = "/login") -> str:
    """Load a page so the CSRF cookie is set, and return the token its forms carry."""
    response = await client.get(page)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
    assert match, f"no CSRF field on {page}"
    return match.group(1)


async def page_login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"username": username, "password": password, "_csrf_token": token, "next": "/account"}
    )
    assert response.status_code in (302, 303), response.text


async def count_rows(db: AsyncSession, model: Any, *where: Any) -> int:
    """How many rows of ``model`` (those matching ``where``) the database holds now."""
    return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def refused_form(
    client: httpx.AsyncClient, db: AsyncSession, path: str, data: dict[str, Any], model: Any, *where: Any
) -> httpx.Response:
    """Post ``data`` with its CSRF token to the form on the page ``path``; the answer, checked to be
    refused (422) with no row of ``model`` (matching ``where``) written."""
    token = await csrf_token(client, path)
    before = await count_rows(db, model, *where)
    answer = await client.post(path, data={**data, "_csrf_token": token})
    assert answer.status_code == 422, answer.text
    assert await count_rows(db, model, *where) == before
    return answer


def app_payload(**overrides: Any) -> dict[str, Any]:
    """A complete, valid app as the API takes it."""
    payload: dict[str, Any] = {
        "kind": "application",
        "name": "智慧医保结算平台",
        "name_en": "Smart medical insurance settlement",
        "summary": "医保结算一站式办理，支持异地就医直接结算。",
        "description": "## 功能\n\n- 门诊结算\n- 住院结算",
        "category": "services",
        "tags": ["医保", "结算"],
        "department": "深圳市医疗保障局",
        "contact_name": "李工",
        "contact_phone": "0755-12345678",
        "contact_email": "yb@example.gov.cn",
        "maturity": "mature",
        "license_type": "open_source",
        "license_spdx": "MulanPSL-2.0",
        "offering": "standard_free",
        "deployment_fee_yuan": "50000",
        "reference_prices": [{"description": "梅州部署", "amount_yuan": "180000", "year": 2024}],
        "deployment_modes": ["gov_cloud"],
        "tech_stack": ["Java 17", "Vue 3"],
        "requirements": "政务云 4C8G，达梦数据库",
        "xinchuang": {"cpus": ["鲲鹏"], "os": ["统信UOS"], "databases": ["达梦"]},
        "integrations": ["粤省事"],
        "docs_url": "https://docs.example.gov.cn/yb",
        "source_url": "https://code.example.gov.cn/yb",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


async def auth_headers(db: AsyncSession, user: m.User) -> dict[str, str]:
    return {"Authorization": f"Bearer {await make_token(db, user)}"}


async def create_app(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/apps", json=app_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    slug: str,
    version: str = "1.0.0",
    content: bytes = b"deployment package bytes",
    filename: str = "deploy.zip",
    kind: str = "package",
    **params: str,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/apps/{slug}/versions/{version}/artifacts",
        params={"filename": filename, "kind": kind, **params},
        content=content,
        headers={**headers, "content-type": "application/octet-stream"},
    )


async def published_app(
    client: httpx.AsyncClient, publisher: dict[str, str], reviewer: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """Create, upload a file, submit and approve: an app in the catalog."""
    app = await create_app(client, publisher, **overrides)
    assert (await upload(client, publisher, app["slug"])).status_code == 201
    assert (await client.post(f"/api/v1/apps/{app['slug']}/submit", headers=publisher)).status_code == 200
    approved = await client.post(
        f"/api/v1/apps/{app['slug']}/review", json={"decision": "approve"}, headers=reviewer
    )
    assert approved.status_code == 200, approved.text
    return approved.json()
