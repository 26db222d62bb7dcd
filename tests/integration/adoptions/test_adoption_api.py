"""The adoptions API on SQLite and PostgreSQL: request (201, one open per region, Idempotency-Key),
the path to live with feedback, confirmation and upgrade, wrong side and wrong state, stale
revisions, lists and a region's adoptions, the OpenAPI schema, and the permission matrix of every
write endpoint (a refused call leaves the rows as they were).
"""

from __future__ import annotations

from typing import Any, get_args

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.adoptions.controllers import StatusFilter
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEvent, AdoptionStatus
from tests.factories import auth_headers, make_user, published_app, upload

API = "/api/v1/adoptions"
REQUEST = {
    "version": "1.0.0",
    "contact_name": "李工",
    "contact_phone": "0753-1234567",
    "purpose": "网格事件上报",
    "environment": "梅州市政务云",
}
WHO = ("anonymous", "publisher", "requester", "adopter", "other", "reviewer", "admin")


@pytest.fixture
async def world(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, Any]:
    """Shenzhen publishes an app (1.0.0 and 1.1.0 approved); Meizhou has a requester and a
    colleague, Guangzhou and the province have staff. ``headers[who]`` signs in as ``who``."""
    users = {
        "publisher": await make_user(db, "city_staff", "440300", username="sz_pub"),
        "requester": await make_user(db, "city_staff", "441400", username="mz_staff"),
        "adopter": await make_user(db, "city_staff", "441400", username="mz_colleague"),
        "other": await make_user(db, "city_staff", "440100", username="gz_staff"),
        "reviewer": await make_user(db, "province_reviewer", None, username="prov_rev"),
        "admin": await make_user(db, "province_admin", None, username="prov_admin"),
    }
    headers = {who: await auth_headers(db, user) for who, user in users.items()}
    headers["anonymous"] = {}
    app = await published_app(client, headers["publisher"], headers["reviewer"], name_en="Grid Events")
    assert (await upload(client, headers["publisher"], app["slug"], version="1.1.0")).status_code == 201
    await db.execute(
        update(m.Version).where(m.Version.version == "1.1.0").values(review_status=m.ReviewStatus.APPROVED)
    )
    await db.commit()
    return {"slug": app["slug"], "headers": headers}


async def request_adoption(client: httpx.AsyncClient, world: dict[str, Any], who: str = "requester") -> Any:
    response = await client.post(API, json={"app": world["slug"], **REQUEST}, headers=world["headers"][who])
    assert response.status_code == 201, response.text
    return response.json()


async def move(
    client: httpx.AsyncClient, world: dict[str, Any], adoption_id: int, who: str, to: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/{adoption_id}/transitions", json={"to": to, **body}, headers=world["headers"][who]
    )


async def at(client: httpx.AsyncClient, world: dict[str, Any], status: str) -> int:
    """A new adoption of the app by Meizhou, moved to ``status`` by the right sides."""
    adoption_id = (await request_adoption(client, world))["id"]
    path = {
        "requested": [],
        "approved": [("publisher", "approved")],
        "live": [("publisher", "approved"), ("adopter", "deploying"), ("adopter", "live")],
    }[status]
    for who, to in path:
        assert (await move(client, world, adoption_id, who, to)).status_code == 200
    return int(adoption_id)


async def snapshot(db: AsyncSession) -> list[tuple[Any, ...]]:
    """Every adoption row as stored and the number of timeline entries (read afresh)."""
    rows = await db.execute(
        select(
            Adoption.id,
            Adoption.status,
            Adoption.revision,
            Adoption.publisher_confirmation,
            Adoption.rating,
            Adoption.saving_wan,
            Adoption.current_version,
            Adoption.reconfirm_due_on,
        ).order_by(Adoption.id)
    )
    events = await db.scalar(select(func.count()).select_from(AdoptionEvent))
    await db.rollback()
    return [*map(tuple, rows.all()), ("events", events)]


# ---------------------------------------------------------------------------- requesting


async def test_a_request_answers_201_and_a_second_open_one_409_naming_the_first(client, db, world) -> None:
    first = await request_adoption(client, world)
    assert (first["status"], first["revision"], first["region"]["code"]) == ("requested", 1, "441400")
    assert first["app"]["slug"] == world["slug"] and first["contact_name"] == "李工"
    assert first["allowed"] == ["withdrawn"]  # the requester may only withdraw

    second = await client.post(
        API, json={"app": world["slug"], **REQUEST}, headers=world["headers"]["adopter"]
    )
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["details"] == {"adoption": first["id"], "status": "requested"}
    assert str(first["id"]) in error["message"]
    assert await db.scalar(select(func.count()).select_from(Adoption)) == 1


async def test_a_retried_request_with_its_idempotency_key_gets_the_same_adoption(client, db, world) -> None:
    headers = {**world["headers"]["requester"], "Idempotency-Key": "req-1"}
    body = {"app": world["slug"], **REQUEST}
    first = await client.post(API, json=body, headers=headers)
    retry = await client.post(API, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers.get("idempotent-replayed") == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert await db.scalar(select(func.count()).select_from(Adoption)) == 1
    # A retried transition is not taken twice either.
    adoption_id = first.json()["id"]
    publisher = {**world["headers"]["publisher"], "Idempotency-Key": "approve-1"}
    answers = [
        await client.post(f"{API}/{adoption_id}/transitions", json={"to": "approved"}, headers=publisher)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["revision"] == answers[1].json()["revision"] == 2
    assert [row[:3] for row in (await snapshot(db))[:-1]] == [(adoption_id, "approved", 2)]


async def test_bad_requests_are_refused_with_the_field_named(client, world) -> None:
    requester = world["headers"]["requester"]
    unknown = await client.post(
        API, json={"app": world["slug"], **REQUEST, "colour": "red"}, headers=requester
    )
    assert unknown.status_code == 400
    too_long = await client.post(
        API, json={"app": world["slug"], **REQUEST, "contact_name": "名" * 51}, headers=requester
    )
    assert too_long.status_code == 400
    no_version = await client.post(
        API, json={"app": world["slug"], **REQUEST, "version": "9.9.9"}, headers=requester
    )
    assert no_version.status_code == 422
    assert no_version.json()["error"]["details"][0]["field"] == "version"
    own_app = await client.post(
        API, json={"app": world["slug"], **REQUEST}, headers=world["headers"]["publisher"]
    )
    assert own_app.status_code == 403
    assert (await client.get(f"{API}/{2**31}")).status_code == 404
    assert (await client.get(f"{API}/12345")).status_code == 404


# ---------------------------------------------------------------------------- the life cycle


async def test_the_path_to_live_with_feedback_confirmation_upgrade_and_history(client, world) -> None:
    adoption_id = await at(client, world, "requested")
    approved = await move(
        client, world, adoption_id, "publisher", "approved", comment="同意", expected_revision=1
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["revision"]) == ("approved", 2)
    assert approved.json()["allowed"] == []  # the publisher takes no step from here

    deploying = await move(client, world, adoption_id, "adopter", "deploying")
    assert deploying.json()["allowed"] == ["live", "retired"]
    live = await move(
        client,
        world,
        adoption_id,
        "adopter",
        "live",
        went_live_on="2026-01-15",
        saving_wan="120.5",
        saving_basis="免去自建",
    )
    assert live.status_code == 200, live.text
    body = live.json()
    assert (body["status"], body["went_live_on"], body["saving_basis"]) == ("live", "2026-01-15", "免去自建")
    assert body["saving_wan"] == "120.50"
    assert body["reconfirm_due_on"] == "2027-01-15"

    headers = world["headers"]
    feedback = await client.post(
        f"{API}/{adoption_id}/feedback",
        json={"rating": 5, "comment": "好用", "saving_wan": "150"},
        headers=headers["adopter"],
    )
    assert feedback.status_code == 200, feedback.text
    assert (feedback.json()["rating"], feedback.json()["feedback"]) == (5, "好用")
    confirmed = await client.post(
        f"{API}/{adoption_id}/confirm", json={"confirmed": True}, headers=headers["publisher"]
    )
    assert confirmed.json()["publisher_confirmation"] == "confirmed"
    upgraded = await client.post(
        f"{API}/{adoption_id}/upgrade", json={"version": "1.1.0"}, headers=headers["adopter"]
    )
    assert (upgraded.json()["current_version"], upgraded.json()["requested_version"]) == ("1.1.0", "1.0.0")
    noted = await client.post(
        f"{API}/{adoption_id}/notes", json={"comment": "省里已知悉"}, headers=headers["reviewer"]
    )
    assert noted.status_code == 201 and noted.json()["kind"] == "note"

    full = (await client.get(f"{API}/{adoption_id}", headers=headers["requester"])).json()
    assert [(e["kind"], e["to_status"]) for e in full["history"]] == [
        ("transition", "requested"),
        ("transition", "approved"),
        ("transition", "deploying"),
        ("transition", "live"),
        ("feedback", "live"),
        ("confirm", "live"),
        ("upgrade", "live"),
        ("note", "live"),
    ]
    assert full["history"][1]["comment"] == "同意" and full["history"][1]["actor"]
    assert [(v["version"], v["until"] is None) for v in full["versions"]] == [
        ("1.0.0", False),
        ("1.1.0", True),
    ]
    assert full["revision"] == 7  # request, 3 steps, feedback, confirm, upgrade; a note is not a change

    # An outsider sees the adoption and its history, not its contact or comments.
    outsider = (await client.get(f"{API}/{adoption_id}")).json()
    assert outsider["contact_name"] is None and outsider["purpose"] is None and outsider["allowed"] == []
    assert {e["comment"] for e in outsider["history"]} == {None}
    assert len(outsider["history"]) == 8


async def test_the_wrong_side_gets_403_and_the_wrong_state_409_saying_what_is_allowed(
    client, db, world
) -> None:
    adoption_id = await at(client, world, "requested")
    before = await snapshot(db)
    wrong_side = await move(client, world, adoption_id, "requester", "approved")
    assert wrong_side.status_code == 403
    assert wrong_side.json()["error"]["code"] == "forbidden"
    wrong_state = await move(client, world, adoption_id, "adopter", "live")
    assert wrong_state.status_code == 409
    message = wrong_state.json()["error"]["message"]
    # Both name what may happen from here (the default language is Chinese).
    assert "已申请" in message and "已批准, 已拒绝, 已撤回" in message
    refused = wrong_side.json()["error"]["message"]
    assert "发布地区" in refused and "已撤回" in refused
    no_reason = await move(client, world, adoption_id, "publisher", "declined")
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["details"][0]["field"] == "comment"
    not_a_status = await move(client, world, adoption_id, "publisher", "finished")
    assert not_a_status.status_code == 422
    assert await snapshot(db) == before


async def test_a_stale_expected_revision_gets_409_naming_where_it_is_now(client, db, world) -> None:
    adoption_id = await at(client, world, "approved")
    before = await snapshot(db)
    stale = await move(client, world, adoption_id, "adopter", "deploying", expected_revision=1)
    assert stale.status_code == 409
    assert stale.json()["error"]["details"] == {"status": "approved", "revision": 2}
    assert "已批准" in stale.json()["error"]["message"] and "2" in stale.json()["error"]["message"]
    upgrade = await client.post(
        f"{API}/{adoption_id}/upgrade",
        json={"version": "1.1.0", "expected_revision": 1},
        headers=world["headers"]["adopter"],
    )
    assert upgrade.status_code == 409
    assert await snapshot(db) == before
    current = await move(client, world, adoption_id, "adopter", "deploying", expected_revision=2)
    assert current.status_code == 200 and current.json()["revision"] == 3


# ---------------------------------------------------------------------------- lists


async def test_lists_filter_and_count(client, db, world) -> None:
    headers = world["headers"]
    meizhou = await at(client, world, "approved")
    guangzhou = (await request_adoption(client, world, "other"))["id"]

    async def listed(**params: Any) -> tuple[int, list[int]]:
        response = await client.get(API, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        return page["total"], [item["id"] for item in page["items"]]

    assert await listed() == (2, [guangzhou, meizhou])  # most recently changed first
    assert await listed(status="approved") == (1, [meizhou])
    assert await listed(region="441400") == (1, [meizhou])
    assert await listed(publisher_region="440300") == (2, [guangzhou, meizhou])
    assert await listed(publisher_region="441400") == (0, [])
    assert await listed(app=world["slug"], region="440100") == (1, [guangzhou])
    assert await listed(app="no-such-app") == (0, [])
    page_two = (await client.get(API, params={"per_page": 1, "page": 2})).json()
    assert (page_two["total"], page_two["page"], page_two["per_page"]) == (2, 2, 1)
    assert [item["id"] for item in page_two["items"]] == [meizhou]
    for bad in ({"status": "finished"}, {"per_page": 101}, {"page": 0}, {"region": "44"}):
        assert (await client.get(API, params=bad)).status_code == 400, bad
    # The Literal filter knows every status.
    assert set(get_args(StatusFilter)) == set(AdoptionStatus)
    # What each user may do is in each item.
    mine = (await client.get(API, params={"region": "441400"}, headers=headers["adopter"])).json()
    assert mine["items"][0]["allowed"] == ["deploying", "retired"]


async def test_a_regions_adoptions_as_adopter_and_as_publisher(client, db, world) -> None:
    meizhou = await at(client, world, "requested")
    guangzhou = (await request_adoption(client, world, "other"))["id"]

    async def ids(code: str, role: str | None = None, **params: Any) -> tuple[int, set[int]]:
        query = params | ({"as": role} if role else {})
        response = await client.get(f"/api/v1/regions/{code}/adoptions", params=query)
        assert response.status_code == 200, response.text
        return response.json()["total"], {item["id"] for item in response.json()["items"]}

    assert await ids("441400", "adopter") == (1, {meizhou})
    assert await ids("441400") == (1, {meizhou})  # as=adopter unless told
    assert await ids("440100", "adopter") == (1, {guangzhou})
    assert await ids("440300", "publisher") == (2, {meizhou, guangzhou})
    assert await ids("440300", "adopter") == (0, set())
    assert await ids("441400", "publisher") == (0, set())
    assert await ids("440300", "publisher", status="withdrawn") == (0, set())
    bad_role = await client.get("/api/v1/regions/441400/adoptions", params={"as": "owner"})
    assert bad_role.status_code == 400
    assert (await client.get("/api/v1/regions/999999/adoptions")).status_code == 404


async def test_the_routes_are_in_the_openapi_schema(client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    expected = {
        "/api/v1/adoptions": {"get", "post"},
        "/api/v1/adoptions/{adoption_id}": {"get"},
        "/api/v1/adoptions/{adoption_id}/transitions": {"post"},
        "/api/v1/adoptions/{adoption_id}/confirm": {"post"},
        "/api/v1/adoptions/{adoption_id}/feedback": {"post"},
        "/api/v1/adoptions/{adoption_id}/upgrade": {"post"},
        "/api/v1/adoptions/{adoption_id}/reconfirm": {"post"},
        "/api/v1/adoptions/{adoption_id}/notes": {"post"},
        "/api/v1/regions/{code}/adoptions": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        assert all(paths[path][method]["tags"] == ["adoptions"] for method in methods)


# ---------------------------------------------------------------------------- permission matrix

# endpoint: (the state it starts from, the path after /api/v1/adoptions[/{id}], the body, and
# who may: the status each of WHO gets; everyone else 403, the anonymous 401).
MATRIX: dict[str, tuple[str | None, str, dict[str, Any], dict[str, int]]] = {
    "request": (None, "", {"region": "441400", **REQUEST}, {"requester": 201, "adopter": 201}),
    "approve": ("requested", "/transitions", {"to": "approved"}, {"publisher": 200}),
    "decline": ("requested", "/transitions", {"to": "declined", "comment": "暂不"}, {"publisher": 200}),
    "withdraw": ("requested", "/transitions", {"to": "withdrawn"}, {"requester": 200}),
    "deploying": ("approved", "/transitions", {"to": "deploying"}, {"adopter": 200, "requester": 200}),
    "retire": ("live", "/transitions", {"to": "retired"}, {"adopter": 200, "requester": 200}),
    "confirm": ("live", "/confirm", {"confirmed": True}, {"publisher": 200}),
    "feedback": ("live", "/feedback", {"rating": 4}, {"adopter": 200, "requester": 200}),
    "upgrade": ("approved", "/upgrade", {"version": "1.1.0"}, {"adopter": 200, "requester": 200}),
    "reconfirm": ("live", "/reconfirm", {}, {"adopter": 200, "requester": 200}),
    "note": (
        "requested",
        "/notes",
        {"comment": "记一笔"},
        dict.fromkeys(("publisher", "requester", "adopter", "reviewer", "admin"), 201),
    ),
}


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
async def test_write_permission_matrix(client, db, world, endpoint: str) -> None:
    """Each user (anonymous, the publishing city, the requester and a colleague, another city,
    provincial staff) calls the endpoint; refused calls change no row. A note is taken by
    several and changes only the timeline; for the others the one allowed call comes last."""
    state, tail, body, allowed = MATRIX[endpoint]
    if state is None:
        path = API
        body = {"app": world["slug"], **body}
    else:
        path = f"{API}/{await at(client, world, state)}{tail}"
    # Of those allowed, the last in WHO takes the step: for the adopting side that is the
    # requester's colleague, who acts for the same region without having asked.
    takers = [who for who in WHO if who in allowed]
    order = [who for who in WHO if who not in allowed] + takers[-1:]
    for who in order:
        before = await snapshot(db)
        response = await client.post(path, json=body, headers=world["headers"][who])
        expected = allowed.get(who, 401 if who == "anonymous" else 403)
        assert response.status_code == expected, (who, response.text)
        after = await snapshot(db)
        if expected >= 400:
            assert after == before, who
        elif endpoint == "note":
            assert after[:-1] == before[:-1] and after[-1][1] == before[-1][1] + 1
        else:
            assert after != before
    if endpoint == "note":  # every one of them may note
        for who in takers[:-1]:
            response = await client.post(path, json=body, headers=world["headers"][who])
            assert response.status_code == 201, (who, response.text)
