"""Demo data for `make run`: one user per role so a newcomer can sign in at once, and a catalog
of apps from across the province (the table is in ``store.demo_catalog``).

Everything goes through the services — AppService, VersionService, ArtifactService, and
ReviewService for the releases a reviewer approves after publication — so the audit log, checks
and stored files are what real use would produce. One release is left waiting for review, so the
review queue shows that kind of work too. Afterwards the timestamps of
each app (audit entries, versions, files, submission and publication) are moved to the dates in
the table, so lists, histories and monthly figures look lived-in rather than all "today".

Then the demo adoptions (``store.demo_adoptions``): which region reuses which app, in every state,
replayed through AdoptionService by the cities' staff.

Idempotent: users are found by username, apps by slug and adoptions by app and adopting region;
a second run writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store import demo_catalog as catalog
from store.accounts.services import UserService
from store.artifacts.services import ArtifactService, VersionService
from store.catalog.services import AppService
from store.db import models as m
from store.demo_adoptions import seed_adoptions
from store.lib.security import generate_password
from store.lib.storage import Storage, StorageError, build_storage
from store.review.services import ReviewService
from store.settings import Settings, load_settings

DEMO_USERS = (
    ("admin", "province_admin", None, "省政务服务和数据管理局（管理员）"),
    ("reviewer", "province_reviewer", None, "省政务服务和数据管理局（审核）"),
    ("shenzhen", "city_staff", "440300", "深圳市政务服务和数据管理局"),
    ("meizhou", "city_staff", "441400", "梅州市政务服务和数据管理局"),
)
CHINA = timezone(timedelta(hours=8))
APPROVAL_COMMENT = "材料齐全，信创适配与安全评估材料已核验，同意上架。"
RELEASE_APPROVAL_COMMENT = "版本说明与安装包已核验，同意发布。"


async def seed(
    session: AsyncSession, *, settings: Settings | None = None, storage: Storage | None = None
) -> list[tuple[str, str, str, str]]:
    """Create the demo users and demo catalog that do not exist yet; return the new demo users
    as (username, role, region, password). The catalog's publishers (one per city) get random
    passwords that are not returned: ``store users set-password`` gives them one."""
    created = await _seed_users(session)
    await seed_catalog(session, settings=settings, storage=storage)
    # Then who reuses what, by the same cities' staff (demo_adoptions.py has the stories).
    await seed_adoptions(session, lambda cities: _publishers(session, cities, CatalogReport()))
    return created


async def _seed_users(session: AsyncSession) -> list[tuple[str, str, str, str]]:
    service = UserService(session)
    created = []
    for username, role, region, display_name in DEMO_USERS:
        if await service.find_by_username(username) is not None:
            continue
        password = generate_password()
        user = await service.create(
            username=username, role=role, password=password, region_code=region, display_name=display_name
        )
        created.append((username, role, user.region_code, password))
    return created


@dataclass
class CatalogReport:
    """What one run of the catalog seed wrote."""

    apps: dict[str, int] = field(default_factory=dict)  # by final status
    versions: int = 0
    artifacts: int = 0
    publishers: list[str] = field(default_factory=list)  # demo users created


async def seed_catalog(
    session: AsyncSession, *, settings: Settings | None = None, storage: Storage | None = None
) -> CatalogReport:
    """Publish the demo apps whose slugs are not taken yet (all of them on a fresh database)."""
    slugs = [app.slug for app in catalog.CATALOG]
    taken = set(await session.scalars(select(m.App.slug).where(m.App.slug.in_(slugs))))
    missing = [app for app in catalog.CATALOG if app.slug not in taken]
    report = CatalogReport()
    if not missing:
        return report
    settings = settings or load_settings()
    if storage is None:
        storage = build_storage(settings.storage)
    await storage.prepare()
    reviewer = await _reviewer(session)
    publishers = await _publishers(session, {app.region for app in missing}, report)
    seeder = _Seeder(session, storage, settings.storage.max_upload_bytes, reviewer, report)
    seeder.left_pending = _release_left_pending(missing)
    # Successors first: a deprecated app points at a published one.
    ordered = sorted(missing, key=lambda app: app.state == "deprecated")
    try:
        for app in ordered:
            await seeder.add(app, publishers[app.region])
    except BaseException:
        await seeder.forget_stored()
        raise
    return report


def _release_left_pending(apps: list[catalog.DemoApp]) -> tuple[str, str] | None:
    """(slug, version) of the newest release added after publication to a published app: the
    demo leaves it waiting in the review queue."""
    later = [
        (version.release_date, app.slug, version.version)
        for app in apps
        if app.state == "published"
        for version in app.versions[1:]
        if not version.yank
    ]
    return max(later)[1:] if later else None


async def _reviewer(session: AsyncSession) -> m.User:
    rows = await session.scalars(
        select(m.User)
        .where(m.User.role == m.Role.PROVINCE_REVIEWER, m.User.is_active.is_(True))
        .order_by((m.User.username != "reviewer"), m.User.id)
        .limit(1)
    )
    reviewer = rows.first()
    if reviewer is None:
        raise RuntimeError("no active provincial reviewer to approve the demo apps")
    return reviewer


async def _publishers(session: AsyncSession, regions: set[str], report: CatalogReport) -> dict[str, m.User]:
    """An active city-staff user for each region: a demo user if there is one, else any of the
    region's staff, else a new ``demo_<city>`` user with a random password."""
    preferred = {region: username for username, _role, region, _name in DEMO_USERS if region}
    rows = await session.scalars(
        select(m.User)
        .where(m.User.role == m.Role.CITY_STAFF, m.User.is_active.is_(True), m.User.region_code.in_(regions))
        .order_by(m.User.id)
    )
    staff: dict[str, list[m.User]] = {}
    for user in rows:
        staff.setdefault(user.region_code, []).append(user)
    service = UserService(session)
    chosen: dict[str, m.User] = {}
    for region in sorted(regions):
        demo_name = _demo_username(region)
        candidates = staff.get(region, [])
        ranked = sorted(
            candidates, key=lambda u: (u.username not in {preferred.get(region), demo_name}, u.id)
        )
        if ranked:
            chosen[region] = ranked[0]
            continue
        chosen[region] = await service.create(
            username=demo_name,
            role=m.Role.CITY_STAFF,
            password=generate_password(),
            region_code=region,
            display_name=f"{catalog.CITY_NAME[region]}市政务服务和数据管理局",
        )
        report.publishers.append(demo_name)
    return chosen


def _demo_username(region: str) -> str:
    return f"demo_{catalog.CITY_LATIN[region].lower()}"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a working day in China, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA).astimezone(UTC)


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


class _Seeder:
    def __init__(
        self, session: AsyncSession, storage: Storage, max_bytes: int, reviewer: m.User, report: CatalogReport
    ) -> None:
        self.session = session
        self.storage = storage
        self.max_bytes = max_bytes
        self.reviewer = reviewer
        self.report = report
        self.apps = AppService(session)
        self.versions = VersionService(session)
        self.artifacts = ArtifactService(session, storage)
        self.reviews = ReviewService(session)
        self.left_pending: tuple[str, str] | None = None
        self.started = m.utcnow()
        # Every moment is kept before the run started, so "written by this run" stays distinct
        # from "already moved to its date" (and dates in the table never lie in the future).
        self.latest = self.started - timedelta(hours=1)
        self.stored_keys: list[str] = []

    def _clamp(self, moment: datetime) -> datetime:
        return min(moment, self.latest)

    async def _stamp(self, app: m.App, moment: datetime) -> datetime:
        """Date the audit entries this run just wrote for ``app``."""
        moment = self._clamp(moment)
        await self.session.execute(
            update(m.AuditEntry)
            .where(m.AuditEntry.app_id == app.id, m.AuditEntry.at >= self.started)
            .values(at=moment)
            .execution_options(synchronize_session=False)
        )
        return moment

    async def add(self, demo: catalog.DemoApp, publisher: m.User) -> None:
        first = demo.versions[0].release_date
        app = await self.apps.create(publisher, catalog.payload(demo, withhold=bool(demo.withheld)))
        created_at = await self._stamp(app, _at(first - timedelta(days=12), 9, 30))
        app.created_at = created_at

        goes_public = demo.state in {"published", "deprecated"}
        before_review = demo.versions[:1] if goes_public else demo.versions
        for index, version in enumerate(before_review):
            updated = await self._add_version(app, publisher, demo, version, first=index == 0)
        last = before_review[-1].release_date
        if demo.state == "draft" and not demo.returned:
            await self._finish(app, created_at, None, None, updated=updated)
            return

        submitted = await self._submit(app, publisher, _at(last + timedelta(days=1), 10))
        if demo.returned:
            await self.apps.review(self.reviewer, app, "return", demo.returned)
            returned_at = await self._stamp(app, _at(last + timedelta(days=3), 15))
            if demo.state == "draft":
                await self._finish(app, created_at, submitted, None, updated=returned_at)
                return
            await self.apps.update(publisher, app, catalog.withheld_payload(demo))
            await self._stamp(app, _at(last + timedelta(days=5), 11))
            submitted = await self._submit(app, publisher, _at(last + timedelta(days=6), 9, 45))
        if demo.state == "submitted":
            await self._finish(app, created_at, submitted, None, updated=submitted)
            return

        await self.apps.review(self.reviewer, app, "approve", APPROVAL_COMMENT)
        published = await self._stamp(app, submitted + timedelta(days=2, hours=5))
        updated = published
        for version in demo.versions[1:]:
            review = (demo.slug, version.version) != self.left_pending
            updated = await self._add_version(app, publisher, demo, version, first=False, review=review)
        if demo.deprecation is not None:
            when, reason, successor = demo.deprecation
            await self.apps.deprecate(publisher, app, reason, successor)
            updated = await self._stamp(app, _at(date.fromisoformat(when), 16))
        await self._finish(app, created_at, submitted, published, updated=updated)

    async def _submit(self, app: m.App, publisher: m.User, moment: datetime) -> datetime:
        await self.apps.submit(publisher, app)
        return await self._stamp(app, moment)

    async def _finish(
        self,
        app: m.App,
        created_at: datetime,
        submitted: datetime | None,
        published: datetime | None,
        *,
        updated: datetime | None = None,
    ) -> None:
        app.created_at = created_at
        app.submitted_at = submitted
        app.published_at = published
        app.updated_at = updated or published or submitted or created_at
        await self.session.flush()
        self.report.apps[app.status] = self.report.apps.get(app.status, 0) + 1

    async def _add_version(
        self,
        app: m.App,
        publisher: m.User,
        demo: catalog.DemoApp,
        version: catalog.DemoVersion,
        *,
        first: bool,
        review: bool = False,
    ) -> datetime:
        """Add a version with its files; ``review``: a reviewer approves it the next working day
        (a version added after publication is public only then)."""
        released = self._clamp(_at(version.release_date, 10))
        row = await self.versions.create(
            publisher,
            app,
            version=version.version,
            release_notes=catalog.release_notes(version),
            release_date=released.astimezone(CHINA).date(),
            min_requirements=version.min_requirements,
        )
        row.created_at = released
        await self._stamp(app, released)
        self.report.versions += 1
        moment = released
        for index, demo_file in enumerate(catalog.files_for(demo, version, first=first), start=1):
            artifact = await self._upload(app, publisher, version.version, demo_file)
            moment = await self._stamp(app, released + timedelta(minutes=4 * index))
            artifact.created_at = moment
        if review:
            await self.reviews.review_version(self.reviewer, app, row, "approve", RELEASE_APPROVAL_COMMENT)
            moment = await self._stamp(app, _at(version.release_date + timedelta(days=1), 15))
        if version.yank:
            await self.versions.yank(publisher, app, row, version.yank)
            moment = await self._stamp(app, _at(version.release_date + timedelta(days=4), 17))
            row.yanked_at = moment
        await self.session.flush()
        return self._clamp(moment)

    async def _upload(
        self, app: m.App, publisher: m.User, version: str, demo_file: catalog.DemoFile
    ) -> m.Artifact:
        """plan → store → record, as the upload endpoint does (here in the CLI's one transaction)."""
        plan = await self.artifacts.plan_upload(
            publisher,
            app,
            version,
            filename=demo_file.filename,
            kind=demo_file.kind,
            content_type=demo_file.content_type,
            content_length=len(demo_file.data),
            expected_sha256=hashlib.sha256(demo_file.data).hexdigest(),
            max_bytes=self.max_bytes,
        )
        stored = await self.artifacts.store(plan, _chunks(demo_file.data))
        if stored is None:  # the same bytes were there already (not on a fresh version)
            assert plan.existing is not None
            return plan.existing
        self.stored_keys.append(stored.key)
        artifact = await self.artifacts.record_upload(publisher, app, plan, stored)
        self.report.artifacts += 1
        return artifact

    async def forget_stored(self) -> None:
        """The transaction will roll back: delete the objects it would have pointed at."""
        for key in self.stored_keys:
            with contextlib.suppress(StorageError):
                await self.storage.delete(key)
