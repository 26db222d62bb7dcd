"""Who hears of each adoption step, on SQLite and PostgreSQL: a request reaches exactly the
publishing region's active staff (a district publisher's city staff included), a decision the
adopting region's, a go-live and a retirement the publisher, a confirmation the adopter; a
refused step notifies nobody; the sweep tells of staleness and reminds of a due re-confirmation
once per due date.

Steps go through the API (each in its own committed request); the sweep through the service with
an injected clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from store.adoptions.services import AdoptionService
from store.db.engine import session_maker

from .conftest import count_notifications, inbox_rows, recipients

API = "/api/v1/adoptions"
PUBLISHERS = ["ns_pub", "sz_city"]  # the district's staff and its city's; not 福田, not the inactive one
ADOPTERS = ["mz_colleague", "mz_staff"]


async def request(client: httpx.AsyncClient, world: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await client.post(
        API,
        json={
            "app": world["slug"],
            "version": "1.0.0",
            "contact_name": "李工",
            "purpose": "网格事件上报",
            **body,
        },
        headers=world["headers"]["requester"],
    )
    assert response.status_code == 201, response.text
    return response.json()


async def move(
    client: httpx.AsyncClient, world: dict[str, Any], adoption_id: int, who: str, to: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/{adoption_id}/transitions", json={"to": to, **body}, headers=world["headers"][who]
    )


async def test_a_request_notifies_exactly_the_publishing_regions_staff(client, db, world) -> None:
    adoption = await request(client, world)

    rows = await inbox_rows(db)
    assert sorted(username for username, _row in rows) == PUBLISHERS
    for _username, row in rows:
        assert (row.kind, row.app_id, row.adoption_id, row.read_at) == (
            "adoption_requested",
            world["app_id"],
            adoption["id"],
            None,
        )
        assert row.params == {
            "app": "网格事件上报",
            "app_slug": world["slug"],
            "region": "梅州",
            "publisher": "南山区",
            "comment": "网格事件上报",
        }
        assert row.email_state == "none"  # neither publisher has an address


async def test_each_step_reaches_the_other_side(client, db, world) -> None:
    first = await request(client, world)
    assert (await move(client, world, first["id"], "requester", "withdrawn")).status_code == 200
    assert await recipients(db, "adoption_withdrawn") == PUBLISHERS

    second = await request(client, world)
    declined = await move(client, world, second["id"], "publisher", "declined", comment="暂不开放")
    assert declined.status_code == 200, declined.text
    assert await recipients(db, "adoption_declined") == ADOPTERS
    (_who, row), *_ = await inbox_rows(db, "adoption_declined")
    assert row.params["comment"] == "暂不开放" and row.params["publisher"] == "南山区"

    third = await request(client, world)
    assert (await move(client, world, third["id"], "city", "approved", comment="欢迎")).status_code == 200
    assert await recipients(db, "adoption_approved") == ADOPTERS
    # The requester has an address: its copy waits for the mail worker; the colleague's does not.
    states = {who: row.email_state for who, row in await inbox_rows(db, "adoption_approved")}
    assert states == {"mz_staff": "pending", "mz_colleague": "none"}

    before = await count_notifications(db)
    assert (await move(client, world, third["id"], "requester", "deploying")).status_code == 200
    assert await count_notifications(db) == before  # deploying concerns the adopter alone

    live = await move(client, world, third["id"], "adopter", "live", went_live_on="2025-01-10")
    assert live.status_code == 200, live.text
    assert await recipients(db, "adoption_live") == PUBLISHERS

    confirmed = await client.post(
        f"{API}/{third['id']}/confirm", json={"confirmed": True}, headers=world["headers"]["publisher"]
    )
    assert confirmed.status_code == 200, confirmed.text
    assert await recipients(db, "adoption_confirmed") == ADOPTERS
    disputed = await client.post(
        f"{API}/{third['id']}/confirm",
        json={"confirmed": False, "comment": "未见上线"},
        headers=world["headers"]["city"],
    )
    assert disputed.status_code == 200, disputed.text
    assert await recipients(db, "adoption_disputed") == ADOPTERS

    assert (await move(client, world, third["id"], "adopter", "retired", comment="停用")).status_code == 200
    assert await recipients(db, "adoption_retired") == PUBLISHERS
    # Nobody outside the two sides ever heard anything.
    heard = {username for username, _row in await inbox_rows(db)}
    assert heard == {*PUBLISHERS, *ADOPTERS}


async def test_the_api_answer_links_each_notification_to_its_adoption(client, db, world) -> None:
    adoption = await request(client, world)
    inbox = await client.get("/api/v1/me/inbox", headers=world["headers"]["city"])
    assert inbox.status_code == 200, inbox.text
    (item,) = inbox.json()["items"]
    assert item["adoption_id"] == adoption["id"] and item["app_slug"] == world["slug"]
    assert item["link"] == f"/adoptions/{adoption['id']}"
    assert "梅州" in item["text"] and "网格事件上报" in item["text"]


async def test_a_refused_step_writes_no_notification(client, db, world) -> None:
    adoption = await request(client, world)
    before = await count_notifications(db)
    refused = [
        await move(client, world, adoption["id"], "adopter", "approved"),  # the wrong side: 403
        await move(client, world, adoption["id"], "publisher", "deploying"),  # the wrong state: 409
        await move(client, world, adoption["id"], "other", "approved"),  # a bystander: 403
        await move(client, world, adoption["id"], "publisher", "approved", expected_revision=7),  # 409
        await move(client, world, adoption["id"], "publisher", "declined"),  # no reason: 422
    ]
    assert [r.status_code for r in refused] == [403, 409, 403, 409, 422]
    second = await client.post(
        API,
        json={"app": world["slug"], "version": "1.0.0", "contact_name": "王工"},
        headers=world["headers"]["adopter"],
    )
    assert second.status_code == 409  # Meizhou has an open request already
    confirm = await client.post(
        f"{API}/{adoption['id']}/confirm", json={"confirmed": True}, headers=world["headers"]["publisher"]
    )
    assert confirm.status_code == 409  # not live
    assert await count_notifications(db) == before


async def sweep(engine: AsyncEngine, today: date) -> list[int]:
    async with session_maker(engine)() as session:
        marked = await AdoptionService(session, today=lambda: today).sweep()
        await session.commit()
        return marked


async def test_the_sweep_reminds_once_per_due_date_and_tells_of_staleness(client, db, engine, world) -> None:
    adoption = await request(client, world)
    for who, to in (("publisher", "approved"), ("requester", "deploying")):
        assert (await move(client, world, adoption["id"], who, to)).status_code == 200
    live = await move(client, world, adoption["id"], "requester", "live", went_live_on="2025-01-10")
    assert live.json()["reconfirm_due_on"] == "2026-01-10"

    assert await sweep(engine, date(2026, 1, 9)) == []
    assert await recipients(db, "reconfirm_due") == []  # not due yet
    assert await sweep(engine, date(2026, 1, 10)) == []
    assert await recipients(db, "reconfirm_due") == ADOPTERS
    _who, reminder = (await inbox_rows(db, "reconfirm_due"))[0]
    assert reminder.params == {
        "app": "网格事件上报",
        "app_slug": world["slug"],
        "region": "梅州",
        "due_on": "2026-01-10",
    }
    assert reminder.adoption_id == adoption["id"]
    for day in (date(2026, 1, 10), date(2026, 1, 11), date(2026, 2, 9)):
        assert await sweep(engine, day) == []
    assert await recipients(db, "reconfirm_due") == ADOPTERS  # still one reminder each

    assert await sweep(engine, date(2026, 2, 10)) == [adoption["id"]]  # 31 days past: stale
    assert await recipients(db, "adoption_stale") == ADOPTERS
    assert await sweep(engine, date(2026, 2, 11)) == []
    assert await recipients(db, "adoption_stale") == ADOPTERS  # once
    assert await recipients(db, "reconfirm_due") == ADOPTERS  # a stale one is not reminded again

    # Re-confirmed, it is due again a year later: a new due date, a new reminder.
    reconfirmed = await client.post(
        f"{API}/{adoption['id']}/reconfirm", json={}, headers=world["headers"]["adopter"]
    )
    assert reconfirmed.status_code == 200, reconfirmed.text
    due = date.fromisoformat(reconfirmed.json()["reconfirm_due_on"])
    assert await sweep(engine, due) == []
    reminders = await inbox_rows(db, "reconfirm_due")
    assert sorted(row.params["due_on"] for _who, row in reminders) == sorted(
        ["2026-01-10"] * 2 + [due.isoformat()] * 2
    )
    assert await sweep(engine, due) == []
    assert len(await inbox_rows(db, "reconfirm_due")) == 4
