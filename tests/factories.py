"""Factories: build users, tokens and sessions through the real services, committed."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
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
