"""Signing in and out say so (issue 12): after the redirect, the page the user lands on — the one
they came from for a sign-in, the home page for a sign-out — confirms it once, in Chinese unless
English was chosen; the next view of that page no longer does (store/lib/flash.py, SITE_DONE).
"""

from __future__ import annotations

import re

import httpx

from store.lib.flash import COOKIE
from tests.factories import PASSWORD, csrf_token, make_user

FLASH = re.compile(r'<div class="alert success flash" role="status"><p>([^<]*)</p></div>')


async def _sign_in(client: httpx.AsyncClient, username: str, next: str) -> httpx.Response:
    token = await csrf_token(client, f"/login?next={next}")
    response = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "_csrf_token": token, "next": next}
    )
    assert response.status_code in (302, 303), response.text
    return response


async def _flashes(client: httpx.AsyncClient, path: str) -> list[str]:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return FLASH.findall(page.text)


async def test_signing_in_is_confirmed_on_the_page_the_user_came_from(client, db) -> None:
    await make_user(db, username="flash_in", display_name="深圳市数据局")
    response = await _sign_in(client, "flash_in", "/apps?category=governance")
    assert response.headers["location"] == "/apps?category=governance"

    assert await _flashes(client, response.headers["location"]) == ["已以 深圳市数据局 的身份登录。"]
    # once: the page deleted the confirmation, the next view and other pages say nothing
    assert client.cookies.get(COOKIE) is None
    assert await _flashes(client, "/apps?category=governance") == []
    assert await _flashes(client, "/") == []


async def test_a_page_with_confirmations_of_its_own_shows_the_sign_in_one(client, db) -> None:
    """The account page reads its own codes (a revoked token); the sign-in's is shown there too."""
    await make_user(db, username="flash_acct")
    response = await _sign_in(client, "flash_acct", "/account")
    assert await _flashes(client, response.headers["location"]) == ["已以 flash_acct 的身份登录。"]
    assert await _flashes(client, "/account") == []


async def test_signing_in_is_confirmed_in_english_when_chosen(client, db) -> None:
    await make_user(db, username="flash_en", display_name="Meizhou staff")
    client.cookies.set("lang", "en")
    response = await _sign_in(client, "flash_en", "/regions")
    assert await _flashes(client, response.headers["location"]) == ["Signed in as Meizhou staff."]


async def test_signing_out_is_confirmed_on_the_home_page(client, db) -> None:
    await make_user(db, username="flash_out")
    await _sign_in(client, "flash_out", "/account")
    await _flashes(client, "/account")  # the sign-in's confirmation, shown and gone
    token = await csrf_token(client, "/account")
    out = await client.post("/logout", data={"_csrf_token": token})
    assert out.status_code in (302, 303)
    assert out.headers["location"] == "/"

    home = await client.get("/")
    assert FLASH.findall(home.text) == ["已退出登录。"]
    assert "/logout" not in home.text  # signed out indeed: the header offers to sign in
    assert await _flashes(client, "/") == []
    assert (await client.get("/account")).status_code in (302, 303)


async def test_a_refused_sign_in_confirms_nothing(client, db) -> None:
    await make_user(db, username="flash_typo")
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"username": "flash_typo", "password": "wrong-password", "_csrf_token": token}
    )
    assert response.status_code == 401
    assert COOKIE not in response.cookies
    assert await _flashes(client, "/") == []
