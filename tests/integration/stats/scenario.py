"""A known reuse scenario for the statistics tests, written as rows so every date is exact.

Today is 2026-05-15. Times are given in China Standard Time (the users' clock) and stored in UTC
like every timestamp. Two districts: 南山区 (深圳; its own row has no zone, so zones must come
from the city) and 梅江区 (梅州, 粤东西北).

Apps (publisher, category, kind, status, first published):

    A1 sz-grid     深圳 440300   governance     application  published   2025-03-10
    A2 ns-permit   南山区 440305 services       application  published   2025-11-20
    A3 gz-portal   广州 440100   services       component    published   2026-02-05
    A4 mz-tea      梅州 441400   collaboration  capability   deprecated  2025-06-01
    A5 st-port     汕头 440500   support        application  published   2026-04-01
    A6 zj-draft    湛江 440800   governance     application  draft       —
    A7 fs-old      佛山 440600   services       application  published   2025-01-15

Versions: A1 0.9.0 (approved, yanked), 1.0.0 (approved, 2025-03-01), 1.1.0 (approved,
2026-02-01), 1.2.0 (pending); A2 1.0.0 (2025-11-15); A3 2.0.0 (2026-01-20); A4 1.0.0
(2025-05-20); A5 1.0.0 (2026-03-25); A6 0.1.0 (pending); A7 1.0.0 (2025-01-10).

Adoptions (app, adopter, status, requested, went live, saving 万元, publisher's answer):

    #1  A1 梅州 441400     live       2025-04-01 10:00  2025-06-10  100.00  confirmed
    #2  A1 梅江区 441402   live       2025-09-05 10:00  2026-01-20   50.50  unconfirmed
    #3  A1 广州 440100     live       2026-01-01 02:00  2026-03-01      —   disputed
        (2025-12-31 18:00 UTC: in 2026 on the users' clock)
    #4  A1 汕头 440500     requested  2026-04-20 10:00
    #5  A1 湛江 440800     declined   2025-05-05 10:00
    #6  A2 广州 440100     live       2025-12-01 10:00  2026-02-15   80.00  confirmed
    #7  A2 湛江 440800     approved   2026-03-03 10:00
    #8  A2 汕头 440500     retired    2025-11-25 10:00  2025-12-20   10.00  confirmed
    #9  A3 梅州 441400     deploying  2026-03-15 10:00
    #10 A3 深圳 440300     live       2026-02-10 10:00  2026-04-30  200.00  confirmed
    #11 A3 南山区 440305   withdrawn  2026-02-20 10:00
    #12 A4 湛江 440800     live       2025-07-01 10:00  2025-08-30   30.25  unconfirmed
    #13 A7 汕头 440500     withdrawn  2025-02-01 10:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m

TODAY = date(2026, 5, 15)
CHINA = ZoneInfo("Asia/Shanghai")


def cst(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A moment on the users' clock, as the UTC moment stored."""
    return datetime(year, month, day, hour, tzinfo=CHINA).astimezone(UTC)


class AppSeed(NamedTuple):
    slug: str
    region: str
    category: str
    kind: str
    status: str
    published: datetime | None


class VersionSeed(NamedTuple):
    app: str
    version: str
    review: str
    added: datetime
    yanked: bool = False


class AdoptionSeed(NamedTuple):
    app: str
    adopter: str
    status: str
    requested: datetime
    live_on: date | None = None
    saving: str | None = None
    answer: str = m.Confirmation.UNCONFIRMED


APPS = (
    AppSeed("sz-grid", "440300", "governance", "application", "published", cst(2025, 3, 10)),
    AppSeed("ns-permit", "440305", "services", "application", "published", cst(2025, 11, 20)),
    AppSeed("gz-portal", "440100", "services", "component", "published", cst(2026, 2, 5)),
    AppSeed("mz-tea", "441400", "collaboration", "capability", "deprecated", cst(2025, 6, 1)),
    AppSeed("st-port", "440500", "support", "application", "published", cst(2026, 4, 1)),
    AppSeed("zj-draft", "440800", "governance", "application", "draft", None),
    AppSeed("fs-old", "440600", "services", "application", "published", cst(2025, 1, 15)),
)
APPROVED, PENDING = m.ReviewStatus.APPROVED, m.ReviewStatus.PENDING
VERSIONS = (
    VersionSeed("sz-grid", "0.9.0", APPROVED, cst(2025, 2, 1), yanked=True),
    VersionSeed("sz-grid", "1.0.0", APPROVED, cst(2025, 3, 1)),
    VersionSeed("sz-grid", "1.1.0", APPROVED, cst(2026, 2, 1)),
    VersionSeed("sz-grid", "1.2.0", PENDING, cst(2026, 4, 1)),
    VersionSeed("ns-permit", "1.0.0", APPROVED, cst(2025, 11, 15)),
    VersionSeed("gz-portal", "2.0.0", APPROVED, cst(2026, 1, 20)),
    VersionSeed("mz-tea", "1.0.0", APPROVED, cst(2025, 5, 20)),
    VersionSeed("st-port", "1.0.0", APPROVED, cst(2026, 3, 25)),
    VersionSeed("zj-draft", "0.1.0", PENDING, cst(2026, 1, 5)),
    VersionSeed("fs-old", "1.0.0", APPROVED, cst(2025, 1, 10)),
)
CONFIRMED, DISPUTED = m.Confirmation.CONFIRMED, m.Confirmation.DISPUTED
ADOPTIONS = (
    AdoptionSeed("sz-grid", "441400", "live", cst(2025, 4, 1), date(2025, 6, 10), "100.00", CONFIRMED),
    AdoptionSeed("sz-grid", "441402", "live", cst(2025, 9, 5), date(2026, 1, 20), "50.50"),
    AdoptionSeed("sz-grid", "440100", "live", cst(2026, 1, 1, 2), date(2026, 3, 1), None, DISPUTED),
    AdoptionSeed("sz-grid", "440500", "requested", cst(2026, 4, 20)),
    AdoptionSeed("sz-grid", "440800", "declined", cst(2025, 5, 5)),
    AdoptionSeed("ns-permit", "440100", "live", cst(2025, 12, 1), date(2026, 2, 15), "80.00", CONFIRMED),
    AdoptionSeed("ns-permit", "440800", "approved", cst(2026, 3, 3)),
    AdoptionSeed("ns-permit", "440500", "retired", cst(2025, 11, 25), date(2025, 12, 20), "10.00", CONFIRMED),
    AdoptionSeed("gz-portal", "441400", "deploying", cst(2026, 3, 15)),
    AdoptionSeed("gz-portal", "440300", "live", cst(2026, 2, 10), date(2026, 4, 30), "200.00", CONFIRMED),
    AdoptionSeed("gz-portal", "440305", "withdrawn", cst(2026, 2, 20)),
    AdoptionSeed("mz-tea", "440800", "live", cst(2025, 7, 1), date(2025, 8, 30), "30.25"),
    AdoptionSeed("fs-old", "440500", "withdrawn", cst(2025, 2, 1)),
)


async def add_districts(db: AsyncSession) -> None:
    db.add(m.Region(code="440305", name="南山区", name_en="Nanshan", level="district", parent_code="440300"))
    db.add(
        m.Region(
            code="441402", name="梅江区", name_en="Meijiang", level="district", parent_code="441400",
            is_east_west_north=True,
        )
    )  # fmt: skip
    await db.flush()


def app_row(seed: AppSeed) -> m.App:
    return m.App(
        slug=seed.slug,
        kind=seed.kind,
        name=f"应用 {seed.slug}",
        summary="统计测试用应用",
        category=seed.category,
        region_code=seed.region,
        department="政务服务数据管理局",
        contact_name="李工",
        maturity=m.Maturity.MATURE,
        license_type=m.LicenseType.GOV_FREE,
        offering=m.Offering.STANDARD_FREE,
        status=seed.status,
        published_at=seed.published,
        submitted_at=seed.published,
    )


def adoption_row(seed: AdoptionSeed, app_id: int) -> m.Adoption:
    return m.Adoption(
        app_id=app_id,
        adopter_region_code=seed.adopter,
        status=seed.status,
        requested_version="1.0.0",
        current_version="1.0.0",
        contact_name="王工",
        created_at=seed.requested,
        updated_at=seed.requested,
        went_live_on=seed.live_on,
        saving_wan=Decimal(seed.saving) if seed.saving else None,
        publisher_confirmation=seed.answer,
    )


async def build(db: AsyncSession) -> dict[str, int]:
    """Write the scenario and commit; the ids of the apps by slug."""
    await add_districts(db)
    apps = {seed.slug: app_row(seed) for seed in APPS}
    db.add_all(apps.values())
    await db.flush()
    for v in VERSIONS:
        db.add(
            m.Version(
                app_id=apps[v.app].id,
                version=v.version,
                sort_key=v.version,
                release_date=v.added.date(),
                review_status=v.review,
                yanked=v.yanked,
                created_at=v.added,
            )
        )
    for a in ADOPTIONS:
        db.add(adoption_row(a, apps[a.app].id))
    await db.commit()
    return {slug: app.id for slug, app in apps.items()}
