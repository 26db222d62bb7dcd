"""The demo catalog of `store seed-demo`: broad, reviewable, stored intact, and written only once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.adoptions.lifecycle import replay
from store.app import event_subscribers
from store.catalog.services import AppService
from store.db import models as m
from store.db.engine import session_maker
from store.demo import DEMO_USERS, seed
from store.demo_catalog import CATALOG
from store.lib import events
from store.lib.storage import build_storage
from store.review.services import ReviewService
from store.settings import Settings


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    tables = (m.User, m.App, m.AppLabel, m.Version, m.Artifact, m.AuditEntry)
    return {t.__tablename__: await db.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


async def test_demo_seed_publishes_a_catalog_once(db: AsyncSession, settings: Settings) -> None:
    storage = build_storage(settings.storage)
    started = datetime.now(UTC)
    created = await seed(db, settings=settings, storage=storage)
    await db.commit()

    # The CLI prints these passwords; the catalog's publishers are not among them.
    assert [row[0] for row in created] == [user[0] for user in DEMO_USERS]

    apps = list(await db.scalars(select(m.App)))
    assert {a.slug for a in apps} == {d.slug for d in CATALOG}
    by_status: dict[str, int] = {}
    for app in apps:
        by_status[app.status] = by_status.get(app.status, 0) + 1
    assert by_status[m.AppStatus.PUBLISHED] >= 30
    assert 2 <= by_status[m.AppStatus.SUBMITTED] <= 3
    assert by_status[m.AppStatus.DRAFT] >= 1
    assert by_status[m.AppStatus.DEPRECATED] == 1

    published = [a for a in apps if a.status == m.AppStatus.PUBLISHED]
    cities = {a.region_code for a in published}
    assert len(cities) >= 12
    regions = {r.code: r for r in await db.scalars(select(m.Region).where(m.Region.code.in_(cities)))}
    assert sum(regions[c].is_east_west_north for c in cities) >= 8  # 粤东西北 well represented
    assert {a.category for a in published} == set(m.Category)
    assert {a.kind for a in published} == set(m.AppKind)
    assert {a.license_type for a in published} == set(m.LicenseType)
    assert all(a.integrations or a.xinchuang["cpus"] for a in published)

    # Each app was published by city staff of its own region and approved by the reviewer.
    reviewer = await db.scalar(select(m.User).where(m.User.username == "reviewer"))
    assert reviewer is not None
    for app in apps:
        assert app.created_by is not None
        assert app.created_by.role == m.Role.CITY_STAFF and app.created_by.region_code == app.region_code
    approvals = await db.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "approved"))
    approved_apps = {entry.app_id for entry in approvals if entry.actor_id == reviewer.id}
    assert approved_apps == {
        a.id for a in apps if a.status in {m.AppStatus.PUBLISHED, m.AppStatus.DEPRECATED}
    }
    returned = await db.scalar(select(func.count()).where(m.AuditEntry.action == "returned"))
    assert returned and returned >= 1

    # The review queue has work; the life cycle's corners are there.
    queue = await AppService(db).list_submissions(reviewer)
    assert queue.total >= 2 and all(a.status == m.AppStatus.SUBMITTED for a in queue.items)
    deprecated = next(a for a in apps if a.status == m.AppStatus.DEPRECATED)
    assert deprecated.successor is not None and deprecated.successor.status == m.AppStatus.PUBLISHED
    assert deprecated.deprecation_reason
    yanked = list(await db.scalars(select(m.Version).where(m.Version.yanked.is_(True))))
    assert len(yanked) == 1 and yanked[0].yank_reason
    assert yanked[0].review_status == m.ReviewStatus.APPROVED  # withdrawn in public, with its reason

    # Releases added after publication were approved by the reviewer, except one left waiting.
    review_queue = await ReviewService(db).get_queue(reviewer)
    assert len(review_queue.releases) == 1
    waiting = review_queue.releases[0]
    assert waiting.app.status == m.AppStatus.PUBLISHED and waiting.version_pending
    not_approved = await db.scalars(
        select(m.Version)
        .join(m.App)
        .where(m.App.status.in_(["published", "deprecated"]), m.Version.review_status != "approved")
    )
    assert [v.id for v in not_approved] == [waiting.version.id]
    assert (await AppService(db).find_latest_version(waiting.app)) != waiting.version
    release_approvals = await db.scalars(
        select(m.AuditEntry).where(m.AuditEntry.action == "version_approved")
    )
    assert {entry.actor_id for entry in release_approvals} == {reviewer.id}
    pending_files = await db.scalar(
        select(func.count())
        .select_from(m.Artifact)
        .join(m.Version)
        .join(m.App)
        .where(m.App.status.in_(["published", "deprecated"]), m.Artifact.review_status != "approved")
    )
    assert pending_files == len(waiting.files) >= 1

    # Histories are dated over 2024–2026 (the table's dates), not at the moment of seeding.
    published_at = [a.published_at for a in published if a.published_at is not None]
    assert len(published_at) == len(published)
    assert {p.year for p in published_at} >= {2024, 2025, 2026}
    moments = list(await db.scalars(select(m.AuditEntry.at)))
    assert all(datetime(2023, 12, 1, tzinfo=UTC) < at < started for at in moments + published_at)

    # 1–3 versions per app, 1–2 files per version; every stored file hashes to its record.
    versions = list(await db.scalars(select(m.Version)))
    per_app: dict[int, int] = {}
    for version in versions:
        per_app[version.app_id] = per_app.get(version.app_id, 0) + 1
        assert 1 <= len(version.artifacts) <= 2
    assert set(per_app) == {a.id for a in apps} and all(1 <= n <= 3 for n in per_app.values())
    artifacts = list(await db.scalars(select(m.Artifact)))
    assert {a.kind for a in artifacts} == set(m.ArtifactKind)
    for artifact in artifacts:
        data = await storage.get_bytes(artifact.object_key)
        assert len(data) == artifact.size < 64 * 1024
        assert hashlib.sha256(data).hexdigest() == artifact.sha256

    # A second run finds everything and writes nothing.
    before = await _row_counts(db)
    stored = sorted(p for p in settings.storage.local_dir.rglob("*") if p.is_file())
    again = await seed(db, settings=settings, storage=storage)
    await db.commit()
    assert again == []
    assert await _row_counts(db) == before
    assert sorted(p for p in settings.storage.local_dir.rglob("*") if p.is_file()) == stored


async def _adoption_rows(db: AsyncSession) -> dict[str, int]:
    tables = (m.Adoption, m.AdoptionEvent, m.AdoptionVersion, m.AuditEntry, m.User, m.Region)
    return {t.__tablename__: await db.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


async def test_demo_adoptions_tell_every_state_through_the_service_once(
    db: AsyncSession, engine: AsyncEngine, settings: Settings
) -> None:
    """The adoptions of the demo: every state, many cities (several in 粤东西北) and mostly live,
    with histories that replay, dates over two years, and live counts the search index follows
    because the seed's session delivers its events like the CLI's."""
    storage = build_storage(settings.storage)
    delivering = session_maker(engine, info=events.session_info(event_subscribers(settings)))
    started = datetime.now(UTC)
    async with delivering() as session:
        await seed(session, settings=settings, storage=storage)
        await session.commit()

    adoptions = list(await db.scalars(select(m.Adoption)))
    by_status: dict[str, int] = {}
    for adoption in adoptions:
        by_status[adoption.status] = by_status.get(adoption.status, 0) + 1
    assert set(by_status) == set(m.AdoptionStatus)
    live = [a for a in adoptions if a.status == m.AdoptionStatus.LIVE]
    assert len(live) > len(adoptions) / 2

    regions = {r.code: r for r in await db.scalars(select(m.Region))}

    def city(code: str) -> str:
        return regions[code].parent_code or code if regions[code].level == m.RegionLevel.DISTRICT else code

    assert len({city(a.adopter_region_code) for a in adoptions}) >= 10
    ewn = {city(a.adopter_region_code) for a in live if regions[a.adopter_region_code].is_east_west_north}
    assert len(ewn) >= 3  # 粤东西北 reuses
    assert any(regions[a.adopter_region_code].level == m.RegionLevel.DISTRICT for a in live)
    # Reuse crosses cities, as the rules demand.
    apps = {a.id: a for a in await db.scalars(select(m.App))}
    assert all(city(a.adopter_region_code) != city(apps[a.app_id].region_code) for a in adoptions)

    # Live ones: some confirmed, some not, one disputed; savings with their basis; feedback.
    confirmations = [a.publisher_confirmation for a in live]
    assert confirmations.count("confirmed") >= 3 and confirmations.count("unconfirmed") >= 3
    assert confirmations.count("disputed") == 1
    assert all(a.saving_wan is not None and a.saving_basis for a in live)
    rated = [a for a in live if a.rating is not None]
    assert len(rated) >= 10 and all(a.feedback for a in rated)
    today = datetime.now(UTC).date()
    went_live = sorted(a.went_live_on for a in live if a.went_live_on is not None)
    assert len(went_live) == len(live) and went_live[-1] <= today
    assert (today - went_live[0]).days > 540 and (today - went_live[-1]).days < 365  # over two years
    stale = [a for a in adoptions if a.stale]
    assert len(stale) == 1 and stale[0].status == m.AdoptionStatus.LIVE
    assert stale[0].reconfirm_due_on is not None and stale[0].reconfirm_due_on < today
    overdue = today - timedelta(days=30)
    assert all(a.reconfirm_due_on and a.reconfirm_due_on >= overdue for a in live if not a.stale)

    # One upgrade, recorded rather than overwritten.
    versions = list(await db.scalars(select(m.AdoptionVersion).order_by(m.AdoptionVersion.id)))
    runs: dict[int, list[m.AdoptionVersion]] = {}
    for row in versions:
        runs.setdefault(row.adoption_id, []).append(row)
    upgraded = [a for a in adoptions if len(runs[a.id]) > 1]
    assert len(upgraded) == 1
    first, second = runs[upgraded[0].id]
    assert first.until == second.since and second.until is None
    assert upgraded[0].current_version == second.version != upgraded[0].requested_version == first.version

    # Every history replays to its status, each step by a person, dated before the run, in order.
    history = list(await db.scalars(select(m.AdoptionEvent).order_by(m.AdoptionEvent.id)))
    timelines: dict[int, list[m.AdoptionEvent]] = {}
    for event in history:
        timelines.setdefault(event.adoption_id, []).append(event)
    for adoption in adoptions:
        timeline = timelines[adoption.id]
        steps = [(e.from_status, e.to_status) for e in timeline if e.kind == m.AdoptionEventKind.TRANSITION]
        assert steps[0] == (None, "requested")  # the request itself; the rest replays from there
        assert replay(steps[1:]) == adoption.status
        assert [e.at for e in timeline] == sorted(e.at for e in timeline)
        assert all(datetime(2024, 1, 1, tzinfo=UTC) < e.at < started for e in timeline)
        assert timeline[-1].revision == adoption.revision
        assert all(e.actor_id is not None for e in timeline if e.kind != m.AdoptionEventKind.STALE)
    closing = ("declined", "withdrawn", "retired")
    reasons = [e.comment for e in history if e.kind == "transition" and e.to_status in closing]
    assert len(reasons) >= 3 and all(reasons)
    kinds = {e.kind for e in history}
    assert {"confirm", "feedback", "upgrade", "reconfirm", "stale"} <= kinds

    # The search index counts what the database counts.
    live_counts = dict((await db.execute(m.live_adoption_counts_query(list(apps)))).all())
    documents = list(await db.scalars(select(m.SearchDocument)))
    assert documents and any(d.live_adoptions for d in documents)
    for document in documents:
        expected = live_counts.get(document.app_id, 0)
        assert document.live_adoptions == document.doc["live_adoptions"] == expected

    # A second run tells no story twice.
    before = await _adoption_rows(db)
    indexed = {d.app_id: d.live_adoptions for d in documents}
    async with delivering() as session:
        assert await seed(session, settings=settings, storage=storage) == []
        await session.commit()
    assert await _adoption_rows(db) == before
    db.expire_all()
    again = {d.app_id: d.live_adoptions for d in await db.scalars(select(m.SearchDocument))}
    assert again == indexed
