"""Version alerts on SQLite and PostgreSQL: a yank alerts exactly the staff of the regions running
the version, a security release those running an older version once it becomes public; the
notifications are written in the change's own transaction.

Yanks, uploads and reviews go through the API (the app's sessions deliver events to the wired
subscribers); the adoptions are arranged through the service (``versions_world``).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.adoptions.alerts import version_alerts
from store.artifacts.services import VersionService
from store.catalog.services import AppService
from store.db import models as m
from store.db.engine import session_maker
from store.lib import events
from tests.factories import upload

from .versions_world import adoption_in, build_world


@pytest.fixture
async def world(client: Any, db: AsyncSession) -> dict[str, Any]:
    return await build_world(client, db)


async def inbox(db: AsyncSession, kind: str | None = None) -> list[tuple[str, m.Notification]]:
    """Every version alert (of ``kind``), with its recipient's username, in id order."""
    query = (
        select(m.User.username, m.Notification)
        .join(m.User, m.User.id == m.Notification.user_id)
        .where(m.Notification.kind.in_([kind] if kind else VERSION_ALERTS))
    )
    rows = await db.execute(query.order_by(m.Notification.id))
    return [(username, row) for username, row in rows.tuples()]


VERSION_ALERTS = ("version_yanked", "security_release")


async def count(db: AsyncSession) -> int:
    """Version alerts written (the adoptions' own steps notify too: those are not counted)."""
    query = select(func.count()).select_from(m.Notification).where(m.Notification.kind.in_(VERSION_ALERTS))
    return await db.scalar(query) or 0


async def yank(client: Any, world: dict[str, Any], version: str, reason: str = "数据泄露风险") -> Any:
    return await client.post(
        f"/api/v1/apps/{world['slug']}/versions/{version}/yank",
        json={"reason": reason},
        headers=world["publisher"],
    )


async def test_the_subscriber_is_wired_for_every_backend(settings) -> None:
    from dataclasses import replace

    from store.app import event_subscribers

    meili = replace(settings, search=replace(settings.search, backend="meilisearch"))
    assert version_alerts in event_subscribers(settings)
    assert version_alerts in event_subscribers(meili)


async def test_a_yank_alerts_exactly_the_regions_running_that_version(world, engine, client, db) -> None:
    running = {
        "mz": await adoption_in(engine, world, "mz", "live", "1.0.0"),
        "gz": await adoption_in(engine, world, "gz", "approved", "1.0.0"),
    }
    await adoption_in(engine, world, "st", "deploying", "1.1.0")  # another version
    await adoption_in(engine, world, "zj", "requested", "1.0.0")  # asked, runs nothing yet
    await adoption_in(engine, world, "jm", "retired", "1.0.0")  # ran it, no more

    response = await yank(client, world, "1.0.0")
    assert response.status_code == 200, response.text

    alerts = await inbox(db)
    assert sorted(username for username, _row in alerts) == ["gz_staff", "mz_colleague", "mz_staff"]
    for username, row in alerts:
        region = "gz" if username.startswith("gz") else "mz"
        assert row.kind == "version_yanked"
        assert (row.app_id, row.adoption_id) == (world["app_id"], running[region])
        assert row.params == {
            "app": "网格事件管理",
            "app_slug": world["slug"],
            "region": "广州" if region == "gz" else "梅州",
            "version": "1.0.0",
            "reason": "数据泄露风险",
        }
        assert row.read_at is None


@pytest.mark.parametrize(
    ("who", "version", "reason", "status"),
    [
        ("publisher", "1.0.0", "  ", 422),  # no reason
        ("mz", "1.0.0", "坏了", 403),  # not the publisher
        ("publisher", "9.9.9", "坏了", 404),  # no such version
    ],
)
async def test_a_refused_yank_alerts_nobody(world, engine, client, db, who, version, reason, status) -> None:
    await adoption_in(engine, world, "mz", "live", "1.0.0")
    from tests.factories import auth_headers

    headers = world["publisher"] if who == "publisher" else await auth_headers(db, world["users"][who])
    response = await client.post(
        f"/api/v1/apps/{world['slug']}/versions/{version}/yank", json={"reason": reason}, headers=headers
    )
    assert response.status_code == status, response.text
    assert await count(db) == 0
    assert not await db.scalar(select(m.Version.yanked).where(m.Version.version == "1.0.0"))


async def test_a_second_yank_is_refused_and_alerts_no_one_again(world, engine, client, db) -> None:
    await adoption_in(engine, world, "mz", "live", "1.0.0")
    assert (await yank(client, world, "1.0.0")).status_code == 200
    assert await count(db) == 2
    assert (await yank(client, world, "1.0.0", "again")).status_code == 409
    assert await count(db) == 2


async def _security_version(client: Any, world: dict[str, Any], version: str) -> None:
    """The publisher adds a security release with a file: it waits for review."""
    created = await client.post(
        f"/api/v1/apps/{world['slug']}/versions",
        json={"version": version, "security_fix": True, "release_notes": "修复越权漏洞"},
        headers=world["publisher"],
    )
    assert created.status_code == 201, created.text
    assert created.json()["security_fix"] is True
    assert (await upload(client, world["publisher"], world["slug"], version=version)).status_code == 201


async def _review(client: Any, world: dict[str, Any], version: str, decision: str, comment: str = "") -> None:
    response = await client.post(
        f"/api/v1/apps/{world['slug']}/versions/{version}/review",
        json={"decision": decision, "comment": comment},
        headers=world["reviewer"],
    )
    assert response.status_code == 200, response.text


async def test_a_security_release_alerts_older_versions_once_it_is_public(world, engine, client, db) -> None:
    adoptions = {
        "mz": await adoption_in(engine, world, "mz", "live", "1.0.0"),
        "gz": await adoption_in(engine, world, "gz", "deploying", "1.1.0"),
    }
    await adoption_in(engine, world, "st", "live", "1.3.0")  # newer than the fix
    await adoption_in(engine, world, "zj", "requested", "1.0.0")  # runs nothing yet
    await adoption_in(engine, world, "jm", "retired", "1.0.0")  # closed

    await _security_version(client, world, "1.2.0")
    assert await count(db) == 0  # uploaded, not public
    await _review(client, world, "1.2.0", "return", "请补充升级说明")
    assert await count(db) == 0  # returned by review: still not public
    # A corrected file sends it back to review; still nothing.
    assert (
        await upload(client, world["publisher"], world["slug"], version="1.2.0", filename="notes.pdf")
    ).status_code == 201
    assert await count(db) == 0
    await _review(client, world, "1.2.0", "approve")

    alerts = await inbox(db, "security_release")
    assert sorted(username for username, _row in alerts) == ["gz_staff", "mz_colleague", "mz_staff"]
    for username, row in alerts:
        region = username[:2]
        assert (row.app_id, row.adoption_id) == (world["app_id"], adoptions[region])
        assert row.params == {
            "app": "网格事件管理",
            "app_slug": world["slug"],
            "region": {"mz": "梅州", "gz": "广州"}[region],
            "version": {"mz": "1.0.0", "gz": "1.1.0"}[region],
            "fixed_in": "1.2.0",
        }
    # A file added to the public release and approved later is not a new release: nobody is
    # alerted, not even a region that started on an older version since.
    await adoption_in(engine, world, "jm", "approved", "1.0.0")
    assert (
        await upload(client, world["publisher"], world["slug"], version="1.2.0", filename="extra.zip")
    ).status_code == 201
    await _review(client, world, "1.2.0", "approve")
    assert await count(db) == 3


async def test_an_ordinary_release_alerts_nobody(world, engine, client, db) -> None:
    await adoption_in(engine, world, "mz", "live", "1.0.0")
    assert (await upload(client, world["publisher"], world["slug"], version="1.4.0")).status_code == 201
    await _review(client, world, "1.4.0", "approve")
    assert await count(db) == 0


async def test_a_security_release_approved_with_the_app_alerts_once(world, engine, client, db) -> None:
    """The other way a version becomes public: the app is returned, the release is added to the
    draft, and approving the app approves it."""
    mz = await adoption_in(engine, world, "mz", "live", "1.0.0")
    st = await adoption_in(engine, world, "st", "live", "1.3.0")
    slug, reviewer, publisher = world["slug"], world["reviewer"], world["publisher"]
    returned = await client.post(
        f"/api/v1/apps/{slug}/review", json={"decision": "return", "comment": "补充材料"}, headers=reviewer
    )
    assert returned.status_code == 200, returned.text
    await _security_version(client, world, "1.4.0")
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=publisher)).status_code == 200
    assert await count(db) == 0
    approved = await client.post(
        f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=reviewer
    )
    assert approved.status_code == 200, approved.text

    alerts = await inbox(db, "security_release")
    told = sorted(
        (username, row.adoption_id, row.params["version"], row.params["fixed_in"]) for username, row in alerts
    )
    assert told == [
        ("mz_colleague", mz, "1.0.0", "1.4.0"),
        ("mz_staff", mz, "1.0.0", "1.4.0"),
        ("st_staff", st, "1.3.0", "1.4.0"),
    ]
    # Returned and approved again: the same release is not announced twice.
    for decision, comment in (("return", "再次补充"),):
        response = await client.post(
            f"/api/v1/apps/{slug}/review", json={"decision": decision, "comment": comment}, headers=reviewer
        )
        assert response.status_code == 200
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=publisher)).status_code == 200
    again = await client.post(f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=reviewer)
    assert again.status_code == 200
    assert await count(db) == 3


async def test_the_alerts_commit_and_roll_back_with_the_yank(world, engine, db) -> None:
    await adoption_in(engine, world, "mz", "live", "1.0.0")
    publisher = world["users"]["publisher"]
    maker = session_maker(engine, info=events.session_info([version_alerts]))

    async def yank_in_session(commit: bool) -> None:
        async with maker() as session:
            app = await AppService(session).get(world["slug"], publisher)
            versions = VersionService(session)
            await versions.yank(publisher, app, await versions.get(app, "1.0.0", publisher), "漏洞")
            alerts = (
                select(func.count())
                .select_from(m.Notification)
                .where(m.Notification.kind.in_(VERSION_ALERTS))
            )
            assert await session.scalar(alerts) == 0  # not before the commit
            if commit:
                await session.commit()
            else:
                await session.rollback()

    await yank_in_session(commit=False)
    assert await count(db) == 0
    assert not await db.scalar(select(m.Version.yanked).where(m.Version.version == "1.0.0"))
    await yank_in_session(commit=True)
    assert await count(db) == 2
    assert await db.scalar(select(m.Version.yanked).where(m.Version.version == "1.0.0"))
