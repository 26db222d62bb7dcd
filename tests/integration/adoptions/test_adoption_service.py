"""AdoptionService on SQLite and PostgreSQL: requests and the one-open rule, the whole path to
live and retired with its history, confirmation, feedback, upgrades, notes, the stale sweep,
lists, the live counts for search, and the 20-way race on PostgreSQL.

The app is published through the API (the factories); adoptions go through the service, each
call in its own committed session as a request would be.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from store.adoptions import lifecycle
from store.adoptions.schemas import AdoptionOut, TransitionIn
from store.adoptions.services import (
    AdoptionFilters,
    AdoptionService,
    GoLive,
    RequestData,
    live_adoption_counts,
)
from store.catalog.events import AppChanged
from store.db import models as m
from store.db.engine import session_maker
from store.db.models._adoption import Adoption, AdoptionEvent, AdoptionVersion
from store.lib import events
from store.lib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import auth_headers, make_user, published_app, upload

T = TypeVar("T")


@pytest.fixture
async def world(client: Any, db: AsyncSession) -> dict[str, Any]:
    """Shenzhen publishes an app (1.0.0 and 1.1.0 approved); Meizhou and its district Meijiang,
    Guangzhou and the province have staff."""
    db.add(
        m.Region(
            code="441402", name="梅江区", level="district", parent_code="441400", is_east_west_north=True
        )
    )
    db.add(m.Region(code="440305", name="南山区", level="district", parent_code="440300", zone="core"))
    await db.commit()
    users = {
        "publisher": await make_user(db, "city_staff", "440300", username="sz_pub"),
        "adopter": await make_user(db, "city_staff", "441400", username="mz_staff"),
        "colleague": await make_user(db, "city_staff", "441400", username="mz_colleague"),
        "district": await make_user(db, "city_staff", "441402", username="mj_staff"),
        "nanshan": await make_user(db, "city_staff", "440305", username="ns_staff"),
        "other": await make_user(db, "city_staff", "440100", username="gz_staff"),
        "reviewer": await make_user(db, "province_reviewer", None, username="prov_rev"),
    }
    publisher = await auth_headers(db, users["publisher"])
    reviewer = await auth_headers(db, users["reviewer"])
    app = await published_app(client, publisher, reviewer, name_en="Grid Events")
    assert (await upload(client, publisher, app["slug"], version="1.1.0")).status_code == 201
    await db.execute(
        update(m.Version).where(m.Version.version == "1.1.0").values(review_status=m.ReviewStatus.APPROVED)
    )
    await db.commit()
    return {"slug": app["slug"], "users": users, "app_id": await db.scalar(select(m.App.id))}


@pytest.fixture
def run(engine: AsyncEngine) -> Callable[..., Awaitable[Any]]:
    """``await run(lambda service: service.something(...))``: one committed unit of work, like
    a request (a refused call rolls back)."""

    async def call(work: Callable[[AdoptionService], Awaitable[T]], *, today: date | None = None) -> T:
        async with session_maker(engine)() as session:
            service = AdoptionService(session, today=(lambda: today) if today else None)
            result = await work(service)
            await session.commit()
            return result

    return call


def request_for(slug: str, **overrides: Any) -> RequestData:
    values: dict[str, Any] = {
        "app": slug,
        "version": "1.0.0",
        "contact_name": "李工",
        "contact_phone": "0753-1234567",
        "purpose": "网格事件上报",
        "environment": "梅州市政务云",
    }
    return RequestData(**(values | overrides))


async def step(
    run: Any, user: m.User, adoption_id: int, to: str, comment: str = "", **kwargs: Any
) -> Adoption:
    async def work(service: AdoptionService) -> Adoption:
        adoption = await service.get(adoption_id, user)
        return await service.transition(user, adoption, to, comment, **kwargs)

    return await run(work)


async def history(db: AsyncSession, adoption_id: int) -> list[AdoptionEvent]:
    return list(
        await db.scalars(
            select(AdoptionEvent).where(AdoptionEvent.adoption_id == adoption_id).order_by(AdoptionEvent.id)
        )
    )


async def test_a_request_is_recorded_with_its_history_version_and_audit(world, run, db) -> None:
    adopter = world["users"]["adopter"]
    adoption = await run(lambda s: s.request(adopter, request_for(world["slug"])))
    assert (adoption.status, adoption.revision, adoption.adopter_region_code) == ("requested", 1, "441400")
    assert (adoption.requested_version, adoption.current_version) == ("1.0.0", "1.0.0")
    events_ = await history(db, adoption.id)
    assert [(e.kind, e.from_status, e.to_status, e.revision, e.actor_id) for e in events_] == [
        ("transition", None, "requested", 1, adopter.id)
    ]
    versions = list(
        await db.scalars(select(AdoptionVersion).where(AdoptionVersion.adoption_id == adoption.id))
    )
    assert [(v.version, v.until) for v in versions] == [("1.0.0", None)]
    entry = await db.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "adoption_requested"))
    assert entry is not None and entry.app_id == world["app_id"] and entry.actor_id == adopter.id
    assert entry.changes["adoption"] == [adoption.id, "441400"]


async def test_one_open_adoption_per_app_and_region(world, run) -> None:
    users, slug = world["users"], world["slug"]
    first = await run(lambda s: s.request(users["adopter"], request_for(slug)))
    with pytest.raises(Conflict) as second:
        await run(lambda s: s.request(users["colleague"], request_for(slug)))
    assert second.value.details == {"adoption": first.id, "status": "requested"}
    assert str(first.id) in second.value.translated()
    # The district is another adopting region: its own request is allowed, by itself or its city.
    district = await run(lambda s: s.request(users["adopter"], request_for(slug, region="441402")))
    assert district.adopter_region_code == "441402"
    # After a withdrawal the city may ask again.
    await step(run, users["adopter"], first.id, "withdrawn")
    again = await run(lambda s: s.request(users["colleague"], request_for(slug)))
    assert again.id not in (first.id, district.id) and again.status == "requested"


async def test_the_database_refuses_a_second_open_row_but_keeps_closed_ones(world, db) -> None:
    row = {
        "app_id": world["app_id"],
        "adopter_region_code": "441400",
        "revision": 1,
        "requested_version": "1.0.0",
        "current_version": "1.0.0",
        "purpose": "",
        "contact_name": "x",
        "contact_phone": "",
        "environment": "",
        "saving_basis": "",
        "feedback": "",
        "publisher_confirmation": "unconfirmed",
        "confirmation_comment": "",
        "stale": False,
    }
    await db.execute(
        insert(Adoption).values([row | {"status": s} for s in ("declined", "withdrawn", "retired", "live")])
    )
    await db.commit()
    with pytest.raises(IntegrityError):
        await db.execute(insert(Adoption).values(row | {"status": "requested"}))
    await db.rollback()


@pytest.mark.parametrize(
    ("who", "region", "error"),
    [
        ("publisher", None, Forbidden),  # its own app
        ("nanshan", None, Forbidden),  # a district of the publishing city
        ("other", "441400", Forbidden),  # for another city
        ("district", "441400", Forbidden),  # a district for its city
        ("reviewer", "441400", Forbidden),  # provincial staff do not act for a region
        ("adopter", "999999", ValidationFailed),
    ],
)
async def test_who_may_not_request(world, run, who, region, error) -> None:
    with pytest.raises(error):
        await run(lambda s: s.request(world["users"][who], request_for(world["slug"], region=region)))


async def test_only_an_offered_version_can_be_requested(world, run, db) -> None:
    await db.execute(update(m.Version).where(m.Version.version == "1.1.0").values(yanked=True))
    await db.commit()
    for version in ("9.9.9", "1.1.0"):
        with pytest.raises(ValidationFailed) as refused:
            await run(
                lambda s, v=version: s.request(
                    world["users"]["adopter"], request_for(world["slug"], version=v)
                )
            )
        details = refused.value.details
        assert isinstance(details, list) and [d["field"] for d in details] == ["version"]


async def test_the_whole_path_with_feedback_confirmation_and_an_upgrade(world, run, db) -> None:
    users = world["users"]
    adopter, publisher = users["adopter"], users["publisher"]
    today = date(2026, 6, 1)
    adoption = await run(lambda s: s.request(adopter, request_for(world["slug"])))
    await step(run, publisher, adoption.id, "approved", "欢迎复用", expected_revision=1)
    await step(run, adopter, adoption.id, "deploying")
    upgraded = await run(lambda s: _upgrade(s, adopter, adoption.id, "1.1.0"))
    assert upgraded.current_version == "1.1.0" and upgraded.requested_version == "1.0.0"
    live = await run(
        lambda s: _live(
            s, adopter, adoption.id, GoLive(date(2026, 5, 20), Decimal("120.50"), "对比自建报价")
        ),
        today=today,
    )
    assert (live.status, live.went_live_on, live.saving_wan) == ("live", date(2026, 5, 20), Decimal("120.50"))
    assert (live.reconfirm_due_on, live.publisher_confirmation) == (date(2027, 5, 20), "unconfirmed")
    confirmed = await run(lambda s: _confirm(s, publisher, adoption.id, True, "属实"))
    assert confirmed.publisher_confirmation == "confirmed" and confirmed.confirmed_at is not None
    rated = await run(lambda s: _feedback(s, adopter, adoption.id, rating=5, comment="好用"))
    assert (rated.rating, rated.feedback, rated.saving_wan) == (5, "好用", Decimal("120.50"))
    for bad in (Decimal("-1"), Decimal("1e10"), Decimal("NaN")):
        with pytest.raises(ValidationFailed):
            await run(lambda s, bad=bad: _feedback(s, adopter, adoption.id, saving_wan=bad))
    retired = await step(run, adopter, adoption.id, "retired", "换用省级平台")
    assert retired.status == "retired" and retired.closed_at is not None and retired.revision == 8

    timeline = await history(db, adoption.id)
    assert [e.kind for e in timeline] == [
        "transition",
        "transition",
        "transition",
        "upgrade",
        "transition",
        "confirm",
        "feedback",
        "transition",
    ]
    assert [e.revision for e in timeline] == list(range(1, 9))
    transitions = [(e.from_status, e.to_status) for e in timeline if e.kind == "transition"]
    assert lifecycle.replay(transitions[1:]) == retired.status  # the first is the request itself
    assert timeline[4].data == {
        "went_live_on": "2026-05-20",
        "saving_wan": "120.50",
        "saving_basis": "对比自建报价",
    }
    versions = list(
        await db.scalars(
            select(AdoptionVersion)
            .where(AdoptionVersion.adoption_id == adoption.id)
            .order_by(AdoptionVersion.id)
        )
    )
    assert [v.version for v in versions] == ["1.0.0", "1.1.0"]
    assert versions[0].until is not None and versions[1].until is None
    outsider = msgspec.to_builtins(AdoptionOut.of(retired, private=False, allowed=[], history=timeline))
    assert (outsider["status"], outsider["revision"], outsider["contact_phone"]) == ("retired", 8, None)
    assert outsider["app"]["region"]["code"] == "440300" and outsider["region"]["code"] == "441400"
    assert {event["comment"] for event in outsider["history"]} == {None}
    insider = msgspec.to_builtins(AdoptionOut.of(retired, private=True, allowed=[]))
    assert (insider["contact_phone"], insider["saving_wan"]) == ("0753-1234567", "120.50")
    decoded = msgspec.json.decode(b'{"to": "live", "saving_wan": "12.345"}', type=TransitionIn)
    assert decoded.saving_wan == Decimal("12.345")
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"to": "live", "comment": "' + b"x" * 5001 + b'"}', type=TransitionIn)
    actions = list(
        await db.scalars(
            select(m.AuditEntry.action)
            .where(m.AuditEntry.action.like("adoption_%"))
            .order_by(m.AuditEntry.id)
        )
    )
    assert actions == [
        "adoption_requested",
        "adoption_approved",
        "adoption_deploying",
        "adoption_upgraded",
        "adoption_live",
        "adoption_confirmed",
        "adoption_feedback",
        "adoption_retired",
    ]


async def _upgrade(s: AdoptionService, user: m.User, adoption_id: int, version: str) -> Adoption:
    return await s.upgrade(user, await s.get(adoption_id, user), version)


async def _live(s: AdoptionService, user: m.User, adoption_id: int, go_live: GoLive) -> Adoption:
    return await s.transition(user, await s.get(adoption_id, user), "live", go_live=go_live)


async def _confirm(
    s: AdoptionService, user: m.User, adoption_id: int, confirmed: bool, comment: str = ""
) -> Adoption:
    return await s.confirm(user, await s.get(adoption_id, user), confirmed, comment)


async def _feedback(s: AdoptionService, user: m.User, adoption_id: int, **kwargs: Any) -> Adoption:
    return await s.feedback(user, await s.get(adoption_id, user), **kwargs)


async def test_refusals_leave_the_adoption_as_it_was(world, run, db) -> None:
    users = world["users"]
    adoption = await run(lambda s: s.request(users["adopter"], request_for(world["slug"])))
    refusals: list[tuple[m.User, str, str, dict[str, Any], type[Exception]]] = [
        (users["adopter"], "approved", "", {}, Forbidden),  # the publisher decides
        (users["reviewer"], "approved", "", {}, Forbidden),  # the province does not act
        (users["publisher"], "declined", " ", {}, ValidationFailed),  # a decline needs a reason
        (users["publisher"], "live", "", {}, Conflict),  # not from requested
        (users["publisher"], "approved", "", {"expected_revision": 2}, Conflict),  # not this revision
        (users["colleague"], "withdrawn", "", {}, Forbidden),  # only the requester withdraws
    ]
    for user, to, comment, kwargs, error in refusals:
        with pytest.raises(error):
            await step(run, user, adoption.id, to, comment, **kwargs)
    row = await db.get(Adoption, adoption.id, populate_existing=True)
    assert row is not None and (row.status, row.revision) == ("requested", 1)
    assert len(await history(db, adoption.id)) == 1
    with pytest.raises(ValidationFailed):
        await step(run, users["publisher"], adoption.id, "approved", go_live=GoLive(saving_wan=Decimal(1)))
    declined = await step(run, users["publisher"], adoption.id, "declined", "版本不适配")
    assert declined.status == "declined" and declined.decided_at is not None


async def test_a_stale_revision_gets_409_naming_where_it_is_now(world, run) -> None:
    users = world["users"]
    adoption = await run(lambda s: s.request(users["adopter"], request_for(world["slug"])))
    await step(run, users["publisher"], adoption.id, "approved")
    with pytest.raises(Conflict) as moved:
        await step(run, users["adopter"], adoption.id, "deploying", expected_revision=1)
    assert moved.value.details == {"status": "approved", "revision": 2}


async def test_notes_from_the_province_and_the_sides_only(world, run, db) -> None:
    users = world["users"]
    adoption = await run(lambda s: s.request(users["adopter"], request_for(world["slug"])))

    async def note(user: m.User, text: str) -> AdoptionEvent:
        return await run(lambda s: _note(s, user, adoption.id, text))

    assert (await note(users["reviewer"], "请加快审批")).kind == "note"
    assert (await note(users["publisher"], "已收到")).actor_id == users["publisher"].id
    with pytest.raises(Forbidden):
        await note(users["other"], "路过")
    row = await db.get(Adoption, adoption.id, populate_existing=True)
    assert row is not None and row.revision == 1  # a note changes nothing
    assert [e.comment for e in await history(db, adoption.id)][1:] == ["请加快审批", "已收到"]


async def _note(s: AdoptionService, user: m.User, adoption_id: int, text: str) -> AdoptionEvent:
    return await s.note(user, await s.get(adoption_id, user), text)


async def _make_live(run: Any, world: dict[str, Any], user: m.User, region: str | None = None) -> Adoption:
    publisher = world["users"]["publisher"]
    adoption = await run(lambda s: s.request(user, request_for(world["slug"], region=region)))
    await step(run, publisher, adoption.id, "approved")
    await step(run, user, adoption.id, "deploying")
    return await step(run, user, adoption.id, "live", go_live=GoLive(date(2025, 1, 10)))


async def test_the_sweep_marks_overdue_live_adoptions_stale_and_reconfirming_clears_it(
    world, run, db
) -> None:
    adopter = world["users"]["adopter"]
    adoption = await _make_live(run, world, adopter)
    assert adoption.reconfirm_due_on == date(2026, 1, 10)
    assert await run(lambda s: s.sweep(), today=date(2026, 2, 9)) == []  # 30 days: not yet
    assert await run(lambda s: s.sweep(), today=date(2026, 2, 10)) == [adoption.id]
    assert await run(lambda s: s.sweep(), today=date(2026, 2, 11)) == []  # once
    row = await db.get(Adoption, adoption.id, populate_existing=True)
    assert row is not None and row.stale and row.status == "live"
    refreshed = await run(lambda s: _reconfirm(s, adopter, adoption.id), today=date(2026, 2, 12))
    assert (refreshed.stale, refreshed.reconfirm_due_on) == (False, date(2027, 2, 12))
    assert [e.kind for e in await history(db, adoption.id)][-2:] == ["stale", "reconfirm"]


async def _reconfirm(s: AdoptionService, user: m.User, adoption_id: int) -> Adoption:
    return await s.reconfirm(user, await s.get(adoption_id, user))


async def test_lists_filter_and_page_and_live_counts_aggregate(world, run) -> None:
    users = world["users"]
    await _make_live(run, world, users["adopter"])
    await _make_live(run, world, users["district"], region="441402")
    await run(lambda s: s.request(users["other"], request_for(world["slug"])))

    async def listed(filters: AdoptionFilters, **page: int) -> tuple[int, list[str]]:
        found = await run(lambda s: s.list_adoptions(filters, None, **page))
        return found.total, sorted(a.adopter_region_code for a in found.items)

    assert await listed(AdoptionFilters()) == (3, ["440100", "441400", "441402"])
    assert await listed(AdoptionFilters(status="live")) == (2, ["441400", "441402"])
    assert await listed(AdoptionFilters(region="441400")) == (2, ["441400", "441402"])  # with its district
    assert await listed(AdoptionFilters(publisher_region="440300", app=world["slug"])) == (
        3,
        ["440100", "441400", "441402"],
    )
    assert await listed(AdoptionFilters(publisher_region="440100")) == (0, [])
    total, first_page = await listed(AdoptionFilters(), page=2, per_page=2)
    assert (total, len(first_page)) == (3, 1)
    by_region = await run(lambda s: s.list_for_region("441400", "adopter", None))
    assert by_region.total == 2
    counts = await run(lambda s: live_adoption_counts(s.session, [world["app_id"], 999_999]))
    assert counts == {world["app_id"]: 2, 999_999: 0}
    with pytest.raises(NotFound):
        await run(lambda s: s.get(999_999, None))


async def test_every_change_is_announced_to_search_in_its_commit(world, engine) -> None:
    heard: list[events.Event] = []

    def subscriber(_session: Session, event: events.Event) -> None:
        heard.append(event)

    async with session_maker(engine, info=events.session_info([subscriber]))() as session:
        service = AdoptionService(session)
        adoption = await service.request(world["users"]["adopter"], request_for(world["slug"]))
        await service.transition(world["users"]["publisher"], adoption, "approved")
        assert heard == []  # not before the commit
        await session.commit()
    assert heard == [
        AppChanged(app_id=world["app_id"], what="adoption_requested"),
        AppChanged(app_id=world["app_id"], what="adoption_approved"),
    ]


async def test_twenty_simultaneous_decisions_apply_exactly_once(world, run, engine, database_url, db) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time; the race is PostgreSQL's")
    publisher = world["users"]["publisher"]
    adoption = await run(lambda s: s.request(world["users"]["adopter"], request_for(world["slug"])))

    async def decide(number: int) -> str:
        to, comment = ("approved", "") if number % 2 else ("declined", f"理由 {number}")
        try:
            await step(run, publisher, adoption.id, to, comment)
        except Conflict:
            return "conflict"
        return to

    answers = await asyncio.gather(*(decide(n) for n in range(20)))
    assert sorted(answers).count("conflict") == 19
    row = await db.get(Adoption, adoption.id, populate_existing=True)
    decided = [a for a in answers if a != "conflict"]
    assert row is not None and (row.status, row.revision) == (decided[0], 2)
    decisions = [e for e in await history(db, adoption.id) if e.to_status in lifecycle.DECISIONS]
    assert len(decisions) == 1 and decisions[0].to_status == row.status
    audit_decisions = await db.scalar(
        select(func.count())
        .select_from(m.AuditEntry)
        .where(m.AuditEntry.action.in_(["adoption_approved", "adoption_declined"]))
    )
    assert audit_decisions == 1


async def test_parallel_requests_for_one_region_create_one_adoption(world, run, db) -> None:
    adopter = world["users"]["adopter"]

    async def ask() -> str:
        try:
            await run(lambda s: s.request(adopter, request_for(world["slug"])))
        except Conflict as refused:
            assert isinstance(refused.details, dict)
            return f"conflict with {refused.details['adoption']}"
        return "created"

    answers = await asyncio.gather(*(ask() for _ in range(10)))
    adoption_id = await db.scalar(select(Adoption.id))
    assert sorted(answers) == sorted(["created"] + [f"conflict with {adoption_id}"] * 9)
    assert await db.scalar(select(func.count()).select_from(Adoption)) == 1


async def test_a_live_adoption_counts_in_the_search_index(world, engine, client) -> None:
    """Going live (and retiring) changes the app's live-adoption count in its search document,
    in the same commit: reuse ranks and sorts search results."""
    from search.index_db import index_subscriber

    async def indexed(work: Callable[[AdoptionService], Awaitable[T]]) -> T:
        async with session_maker(engine, info=events.session_info([index_subscriber]))() as session:
            result = await work(AdoptionService(session))
            await session.commit()
            return result

    adopter, publisher = world["users"]["adopter"], world["users"]["publisher"]
    adoption = await indexed(lambda s: s.request(adopter, request_for(world["slug"])))

    async def move(who: m.User, to: str, comment: str = "", **kwargs: Any) -> None:
        async def work(service: AdoptionService) -> Adoption:
            current = await service.get(adoption.id, who)
            return await service.transition(who, current, to, comment, **kwargs)

        await indexed(work)

    await move(publisher, "approved")
    await move(adopter, "deploying")
    await move(adopter, "live", go_live=GoLive(date(2025, 1, 10)))

    async def live_count() -> int:
        async with session_maker(engine)() as session:
            row = await session.get(m.SearchDocument, world["app_id"])
            assert row is not None
            assert row.doc["live_adoptions"] == row.live_adoptions
            return row.live_adoptions

    assert await live_count() == 1
    found = (await client.get("/api/v1/search", params={"q": "", "sort": "reuse"})).json()
    assert found["hits"][0]["live_adoptions"] == 1

    await move(adopter, "retired", "replaced by our own")
    assert await live_count() == 0
