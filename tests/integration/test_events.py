"""The domain-event seam (store/lib/events.py): every change of an app reaches the subscribers once,
inside the change's own transaction, so a row a subscriber adds (the coming search outbox) commits
or rolls back with the change, and a change that is rolled back is never heard of."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from store.app import create_app
from store.catalog.events import AppChanged
from store.catalog.schemas import AppIn
from store.catalog.services import AppService
from store.db import models as m
from store.db.engine import session_maker
from store.lib import events
from store.settings import Settings
from tests.conftest import serve
from tests.factories import app_payload, auth_headers, make_user, published_app, upload
from tests.factories import create_app as create_catalog_app


class _ProbeBase(DeclarativeBase):
    pass


class OutboxProbe(_ProbeBase):
    """Stands in for the search outbox: a row per event, written by the subscriber."""

    __tablename__ = "test_event_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[int] = mapped_column(Integer)  # NOT NULL: a bad row makes the commit fail
    what: Mapped[str] = mapped_column(String(50))


class Recorder:
    """A subscriber that remembers each event it hears and writes an outbox row for it."""

    def __init__(self) -> None:
        self.heard: list[events.Event] = []
        self.break_on: str | None = None  # write an invalid row for this action

    def __call__(self, session: Session, event: events.Event) -> None:
        self.heard.append(event)
        if isinstance(event, AppChanged):
            app_id = None if event.what == self.break_on else event.app_id
            session.add(OutboxProbe(app_id=app_id, what=event.what))

    def take(self) -> list[str]:
        """The actions heard since the last call."""
        heard, self.heard = self.heard, []
        return [event.what for event in heard if isinstance(event, AppChanged)]


@pytest.fixture
async def outbox(engine: AsyncEngine) -> AsyncIterator[None]:
    async with engine.begin() as conn:
        await conn.run_sync(_ProbeBase.metadata.create_all)
    yield
    async with engine.begin() as conn:
        await conn.run_sync(_ProbeBase.metadata.drop_all)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def events_app(settings: Settings, recorder: Recorder, outbox: None) -> AsyncIterator[Litestar]:
    application = create_app(settings, event_subscribers=[recorder])
    yield application
    await application.state["engine"].dispose()


@pytest.fixture
async def api(events_app: Litestar, clean_database: None) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(events_app) as test_client:
        yield test_client


async def outbox_rows(db: AsyncSession) -> list[tuple[int, str]]:
    await db.commit()  # see what the requests committed
    rows = list(await db.execute(select(OutboxProbe.app_id, OutboxProbe.what).order_by(OutboxProbe.id)))
    await db.commit()  # hold no lock on the probe table: the fixture drops it at the end
    return [(app_id, what) for app_id, what in rows]


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _ok(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    answer = await response
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _sent(**overrides: Any) -> dict[str, Any]:
    """An app as the service takes it from the API."""
    return msgspec.convert(app_payload(**overrides), AppIn).sent()


async def test_every_change_is_heard_once_and_its_outbox_row_commits_with_it(
    api: httpx.AsyncClient, db: AsyncSession, recorder: Recorder
) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="ev_sz"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="ev_rev"))
    created = await create_catalog_app(api, publisher, slug="evented")
    slug = created["slug"]
    app_id = await db.scalar(select(m.App.id).where(m.App.slug == slug))
    assert app_id is not None
    assert recorder.take() == ["created"]
    base = f"/api/v1/apps/{slug}"
    shot: dict[str, Any] = {}

    async def add_screenshot() -> None:
        shot.update(
            await _ok(
                api.post(
                    f"{base}/screenshots",
                    files={"image": ("s.png", _png(), "image/png")},
                    data={"caption": "首页"},
                    headers=publisher,
                )
            )
        )

    def review(path: str, decision: str, comment: str = "") -> Awaitable[httpx.Response]:
        return api.post(path, json={"decision": decision, "comment": comment}, headers=reviewer)

    steps: list[tuple[str, Callable[[], Awaitable[Any]], list[str]]] = [
        ("first upload", lambda: _ok(upload(api, publisher, slug)), ["version_added", "artifact_uploaded"]),
        ("submit", lambda: _ok(api.post(f"{base}/submit", headers=publisher)), ["submitted"]),
        ("approve", lambda: _ok(review(f"{base}/review", "approve")), ["approved"]),
        (
            "edit of the published app",
            lambda: _ok(api.patch(base, json={"summary": "新的简介"}, headers=publisher)),
            ["edited"],
        ),
        (
            "new version",
            lambda: _ok(api.post(f"{base}/versions", json={"version": "1.1.0"}, headers=publisher)),
            ["version_added"],
        ),
        (
            "file of the new version",
            lambda: _ok(upload(api, publisher, slug, "1.1.0")),
            ["artifact_uploaded"],
        ),
        (
            "version and file approved by review",
            lambda: _ok(review(f"{base}/versions/1.1.0/review", "approve")),
            ["version_approved"],
        ),
        ("screenshot added", add_screenshot, ["screenshot_added"]),
        (
            "screenshot approved by review",
            lambda: _ok(review(f"/api/v1/screenshots/{shot['id']}/review", "approve")),
            ["screenshot_approved"],
        ),
        (
            "yank",
            lambda: _ok(
                api.post(f"{base}/versions/1.0.0/yank", json={"reason": "安全漏洞"}, headers=publisher)
            ),
            ["version_yanked"],
        ),
        (
            "return of the published app",
            lambda: _ok(review(f"{base}/review", "return", "请补充")),
            ["returned"],
        ),
        ("resubmit", lambda: _ok(api.post(f"{base}/submit", headers=publisher)), ["submitted"]),
        ("approve again", lambda: _ok(review(f"{base}/review", "approve")), ["approved"]),
        (
            "deprecate",
            lambda: _ok(
                api.post(f"{base}/deprecate", json={"reason": "已由省级平台替代"}, headers=publisher)
            ),
            ["deprecated"],
        ),
    ]
    expected_rows = [(app_id, "created")]
    for name, act, heard in steps:
        await act()
        assert recorder.take() == heard, name
        expected_rows += [(app_id, what) for what in heard]
        assert await outbox_rows(db) == expected_rows, name


async def test_a_refused_request_is_not_heard(
    api: httpx.AsyncClient, db: AsyncSession, recorder: Recorder
) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="ev_refused"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="ev_refused_rev"))
    slug = (await published_app(api, publisher, reviewer, slug="refused-ev"))["slug"]
    recorder.take()
    before = await outbox_rows(db)
    refused = [
        await api.post(f"/api/v1/apps/{slug}/deprecate", json={"reason": " "}, headers=publisher),
        await api.patch(f"/api/v1/apps/{slug}", json={"contact_email": "not-an-address"}, headers=publisher),
        await upload(api, publisher, slug, "2.0.0", sha256="0" * 64),
    ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert recorder.take() == []
    assert await outbox_rows(db) == before


async def test_a_rolled_back_change_is_dropped_and_not_delivered_by_a_later_commit(
    engine: AsyncEngine, db: AsyncSession, recorder: Recorder, outbox: None
) -> None:
    """As a request does: the change, then an error after it, rollback; the same session then
    commits other work. The rolled-back change must not reach the subscribers then."""
    publisher = await make_user(db, "city_staff", "440300", username="ev_rollback")
    maker = session_maker(engine, info=events.session_info([recorder]))
    async with maker() as session:
        service = AppService(session)
        await service.create(publisher, _sent(slug="rolled-back"))
        await session.rollback()
        kept = await service.create(publisher, _sent(slug="kept"))
        await session.commit()
    assert recorder.take() == ["created"]
    assert await outbox_rows(db) == [(kept.id, "created")]
    assert await db.scalar(select(m.App.id).where(m.App.slug == "rolled-back")) is None


async def test_a_rolled_back_savepoint_drops_only_its_own_events(
    engine: AsyncEngine, db: AsyncSession, recorder: Recorder, outbox: None
) -> None:
    publisher = await make_user(db, "city_staff", "440300", username="ev_savepoint")
    maker = session_maker(engine, info=events.session_info([recorder]))
    async with maker() as session:
        service = AppService(session)
        outer = await service.create(publisher, _sent(slug="outer"))
        savepoint = await session.begin_nested()
        await service.create(publisher, _sent(slug="inner"))
        await savepoint.rollback()
        await session.commit()
    assert recorder.take() == ["created"]
    assert await outbox_rows(db) == [(outer.id, "created")]


async def test_when_the_outbox_row_cannot_be_written_the_change_is_not_committed(
    engine: AsyncEngine, db: AsyncSession, recorder: Recorder, outbox: None
) -> None:
    publisher = await make_user(db, "city_staff", "440300", username="ev_atomic")
    reviewer = await make_user(db, "province_reviewer", username="ev_atomic_rev")
    maker = session_maker(engine, info=events.session_info([recorder]))
    async with maker() as session:
        app = await AppService(session).create(publisher, _sent(slug="atomic"))
        app.status = m.AppStatus.SUBMITTED  # arranged: a submission waiting for review
        await session.commit()
    recorder.break_on = "approved"
    async with maker() as session:
        service = AppService(session)
        await service.review(reviewer, await service.get("atomic", reviewer), "approve", "")
        with pytest.raises(IntegrityError):
            await session.commit()
    await db.commit()
    app_now = await db.scalar(select(m.App).where(m.App.slug == "atomic"))
    assert app_now is not None and app_now.status == m.AppStatus.SUBMITTED
    actions = list(await db.scalars(select(m.AuditEntry.action).where(m.AuditEntry.app_id == app_now.id)))
    assert actions == ["created"]
    assert await outbox_rows(db) == [(app_now.id, "created")]
