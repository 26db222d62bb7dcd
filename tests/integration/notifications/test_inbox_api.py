"""The inbox API on SQLite and PostgreSQL: newest first, paginated with ``total`` and the unread
count, the unread filter, marking one (only one's own: another user's number is a 404 and changes
nothing) or all read; anonymous callers get 401; the routes are in the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from tests.factories import auth_headers, make_user

INBOX = "/api/v1/me/inbox"


async def add(db: AsyncSession, user: m.User, count: int, *, read: int = 0, **params: Any) -> list[int]:
    """``count`` notifications for ``user``, a minute apart, oldest first; the oldest ``read``
    of them read. Returns their ids, oldest first."""
    start = m.utcnow() - timedelta(hours=1)
    rows = [
        m.Notification(
            user_id=user.id,
            kind=m.NotificationKind.ADOPTION_APPROVED,
            params={
                "app": f"应用{i}",
                "app_slug": f"app-{i}",
                "region": "梅州",
                "publisher": "深圳",
                "comment": "",
                **params,
            },
            created_at=start + timedelta(minutes=i),
            read_at=start + timedelta(minutes=i, seconds=30) if i < read else None,
        )
        for i in range(count)
    ]
    db.add_all(rows)
    await db.commit()
    return [row.id for row in rows]


async def read_at(db: AsyncSession, notification_id: int) -> Any:
    value = await db.scalar(select(m.Notification.read_at).where(m.Notification.id == notification_id))
    await db.rollback()
    return value


@pytest.fixture
async def people(db: AsyncSession) -> dict[str, Any]:
    me = await make_user(db, "city_staff", "441400", username="mz_staff")
    other = await make_user(db, "city_staff", "440300", username="sz_staff")
    return {
        "me": me,
        "other": other,
        "mine": await add(db, me, 5, read=2),
        "theirs": await add(db, other, 1),
        "headers": await auth_headers(db, me),
    }


async def test_the_inbox_is_newest_first_paginated_with_total_and_unread(client, people) -> None:
    headers, mine = people["headers"], people["mine"]
    first = await client.get(INBOX, params={"per_page": 2}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["unread"], body["page"], body["per_page"]) == (5, 3, 1, 2)
    assert [item["id"] for item in body["items"]] == [mine[4], mine[3]]
    item = body["items"][0]
    assert set(item) == {"id", "kind", "text", "link", "app_slug", "adoption_id", "created_at", "read_at"}
    assert (item["kind"], item["app_slug"], item["adoption_id"], item["read_at"]) == (
        "adoption_approved",
        "app-4",
        None,
        None,
    )
    assert item["link"] == "/apps/app-4"  # no adoption: the app's page
    assert "应用4" in item["text"] and "梅州" in item["text"]

    last = (await client.get(INBOX, params={"per_page": 2, "page": 3}, headers=headers)).json()
    assert [i["id"] for i in last["items"]] == [mine[0]] and last["items"][0]["read_at"] is not None

    unread = (await client.get(INBOX, params={"unread": "true"}, headers=headers)).json()
    assert (unread["total"], unread["unread"]) == (3, 3)
    assert [i["id"] for i in unread["items"]] == [mine[4], mine[3], mine[2]]


async def test_the_text_follows_the_language_asked_for(client, people) -> None:
    english = await client.get(INBOX, headers={**people["headers"], "Accept-Language": "en"})
    assert english.json()["items"][0]["text"] == "深圳 approved the request of 梅州 to reuse 应用4."


@pytest.mark.parametrize(("name", "value"), [("per_page", "101"), ("page", "0"), ("unread", "maybe")])
async def test_bad_parameters_are_refused(client, people, name, value) -> None:
    response = await client.get(INBOX, params={name: value}, headers=people["headers"])
    assert response.status_code == 400


async def test_marking_one_read_touches_only_ones_own(client, db, people) -> None:
    headers, mine, theirs = people["headers"], people["mine"], people["theirs"]
    marked = await client.post(f"{INBOX}/{mine[4]}/read", headers=headers)
    assert marked.status_code == 200, marked.text
    assert marked.json()["id"] == mine[4] and marked.json()["read_at"] is not None
    first_reading = await read_at(db, mine[4])
    assert first_reading is not None
    again = await client.post(f"{INBOX}/{mine[4]}/read", headers=headers)
    assert again.status_code == 200
    assert await read_at(db, mine[4]) == first_reading  # the first reading time stays

    for foreign in (theirs[0], 999_999):
        refused = await client.post(f"{INBOX}/{foreign}/read", headers=headers)
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"
    assert await read_at(db, theirs[0]) is None
    assert (await client.get(INBOX, headers=headers)).json()["unread"] == 2


async def test_marking_all_read_leaves_other_users_alone(client, db, people) -> None:
    headers = people["headers"]
    answer = await client.post(f"{INBOX}/read-all", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"marked": 3, "unread": 0}
    assert all([await read_at(db, i) for i in people["mine"]])
    assert await read_at(db, people["theirs"][0]) is None
    assert (await client.post(f"{INBOX}/read-all", headers=headers)).json() == {"marked": 0, "unread": 0}


async def test_anonymous_callers_get_401_and_nothing_changes(client, db, people) -> None:
    calls = [
        await client.get(INBOX),
        await client.post(f"{INBOX}/{people['mine'][4]}/read", json={}),
        await client.post(f"{INBOX}/read-all", json={}),
    ]
    assert [c.status_code for c in calls] == [401, 401, 401]
    assert await read_at(db, people["mine"][4]) is None


async def test_the_inbox_is_in_the_openapi_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path, method in (
        (INBOX, "get"),
        (INBOX + "/{notification_id}/read", "post"),
        (INBOX + "/read-all", "post"),
    ):
        assert paths[path][method]["tags"] == ["notifications"], path
    parameters = {p["name"] for p in paths[INBOX]["get"]["parameters"]}
    assert {"unread", "page", "per_page"} <= parameters
