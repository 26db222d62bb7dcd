"""The inbox page and the header's count, on SQLite and PostgreSQL: the page in Chinese and
English with the unread ones marked and the names escaped, the unread filter, "mark read" and
"mark all read" forms (CSRF-checked, confirmed after the redirect), opening an item marks it read
and goes to its page, someone else's number is a 404, and anonymous visitors are sent to sign in.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from tests.factories import csrf_token, make_user, page_login

from .test_inbox_api import add, read_at

BADGE = re.compile(r'<a href="/inbox" class="inbox-link"[^>]*>[^<]*<span class="badge count">(\d+)</span>')


def badge(html: str) -> int:
    """The header's unread count (0 when no badge is shown)."""
    found = BADGE.search(html)
    return int(found.group(1)) if found else 0


@pytest.fixture
async def signed_in(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, Any]:
    me = await make_user(db, "city_staff", "441400", username="mz_staff")
    other = await make_user(db, "city_staff", "440300", username="sz_staff")
    mine = await add(db, me, 3, read=1)
    theirs = await add(db, other, 1)
    await page_login(client, "mz_staff")
    return {"me": me, "mine": mine, "theirs": theirs}


async def test_the_page_lists_newest_first_marks_unread_and_shows_the_count(client, signed_in) -> None:
    mine = signed_in["mine"]
    page = await client.get("/inbox", params={"lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html and "<h1>Inbox</h1>" in html
    assert badge(html) == 2
    assert "2 unread notifications" in html
    positions = [html.index(f'id="notification-{i}"') for i in reversed(mine)]
    assert positions == sorted(positions)  # newest first
    assert f'<li class="inbox-item unread" id="notification-{mine[2]}">' in html
    assert f'<li class="inbox-item" id="notification-{mine[0]}">' in html  # read: not highlighted
    assert f'href="/inbox/{mine[2]}/open"' in html
    assert html.count('action="/inbox/') == 2 + 1  # a "mark read" per unread one, and "mark all"
    assert "深圳 approved the request of 梅州 to reuse 应用2." in html

    chinese = await client.get("/inbox", params={"lang": "zh_CN"})
    assert chinese.status_code == 200
    assert '<html lang="zh-CN">' in chinese.text and badge(chinese.text) == 2
    assert "应用2" in chinese.text


async def test_names_in_notifications_are_escaped(client, db, signed_in) -> None:
    (new,) = await add(db, signed_in["me"], 1, app='<script>alert("x")</script>')
    html = (await client.get("/inbox")).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert f'id="notification-{new}"' in html


async def test_the_unread_filter(client, signed_in) -> None:
    mine = signed_in["mine"]
    html = (await client.get("/inbox", params={"show": "unread"})).text
    assert f'id="notification-{mine[2]}"' in html and f'id="notification-{mine[1]}"' in html
    assert f'id="notification-{mine[0]}"' not in html
    assert (await client.get("/inbox", params={"show": "everything"})).status_code == 400


async def test_mark_read_needs_the_csrf_token_and_confirms(client, db, signed_in) -> None:
    mine = signed_in["mine"]
    forged = await client.post(f"/inbox/{mine[2]}/read", data={"show": "all"})
    assert forged.status_code == 403
    assert await read_at(db, mine[2]) is None

    token = await csrf_token(client, "/inbox")
    marked = await client.post(f"/inbox/{mine[2]}/read", data={"_csrf_token": token, "show": "unread"})
    assert marked.status_code in (302, 303)
    assert marked.headers["location"] == "/inbox?show=unread"
    assert await read_at(db, mine[2]) is not None

    after = await client.get(marked.headers["location"] + "&lang=en")
    assert "Marked as read." in after.text and badge(after.text) == 1
    assert f'id="notification-{mine[2]}"' not in after.text  # no longer unread
    again = await client.get("/inbox", params={"lang": "en"})
    assert "Marked as read." not in again.text  # said once


async def test_mark_all_read_empties_the_count(client, db, signed_in) -> None:
    token = await csrf_token(client, "/inbox")
    done = await client.post("/inbox/read-all", data={"_csrf_token": token, "show": "all"})
    assert done.status_code in (302, 303) and done.headers["location"] == "/inbox"
    page = await client.get("/inbox", params={"lang": "en"})
    assert "All notifications are marked as read." in page.text
    assert badge(page.text) == 0 and 'class="badge count"' not in page.text
    assert all([await read_at(db, i) for i in signed_in["mine"]])
    assert await read_at(db, signed_in["theirs"][0]) is None
    nothing = await client.post("/inbox/read-all", data={"_csrf_token": token})
    assert (
        "Nothing was unread." in (await client.get(nothing.headers["location"], params={"lang": "en"})).text
    )


async def test_opening_an_item_marks_it_read_and_goes_to_its_page(client, db, signed_in) -> None:
    mine = signed_in["mine"]
    opened = await client.get(f"/inbox/{mine[1]}/open")
    assert opened.status_code in (302, 303)
    assert opened.headers["location"] == "/apps/app-1"  # computed from the row, nothing else
    assert await read_at(db, mine[1]) is not None
    page = await client.get("/", params={"lang": "en"})
    assert badge(page.text) == 1  # the header everywhere, not only on the inbox

    # A query string cannot redirect elsewhere.
    crafted = await client.get(f"/inbox/{mine[2]}/open", params={"next": "https://evil.example"})
    assert crafted.headers["location"] == "/apps/app-2"


async def test_someone_elses_notification_is_not_found(client, db, signed_in) -> None:
    theirs = signed_in["theirs"][0]
    assert (await client.get(f"/inbox/{theirs}/open")).status_code == 404
    token = await csrf_token(client, "/inbox")
    assert (await client.post(f"/inbox/{theirs}/read", data={"_csrf_token": token})).status_code == 404
    assert await read_at(db, theirs) is None


async def test_anonymous_visitors_are_sent_to_sign_in(client, db) -> None:
    me = await make_user(db, "city_staff", "441400", username="mz_staff")
    (row,) = await add(db, me, 1)
    for path in ("/inbox", f"/inbox/{row}/open"):
        response = await client.get(path)
        assert response.status_code in (302, 303), path
        assert response.headers["location"].startswith("/login?next=")
    assert await read_at(db, row) is None
    home = await client.get("/")
    assert 'class="inbox-link"' not in home.text


async def test_the_count_is_the_users_own(client, db, signed_in) -> None:
    # Another user's unread rows never show in this user's header.
    other = await db.scalar(select(m.User).where(m.User.username == "sz_staff"))
    assert other is not None
    await add(db, other, 4)
    assert badge((await client.get("/")).text) == 2
