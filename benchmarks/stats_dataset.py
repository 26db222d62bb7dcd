"""A reproducible reuse history for the statistics benchmark: apps, versions and adoptions over
three years, in every city and some districts, written straight into the tables.

The apps are the search benchmark's (``catalog_gen.generate``: names, categories, kinds, about a
tenth published by districts, about 5 % drafts, submitted or deprecated), moved into the three
years that end today. Every public app gets one to four approved versions (a few yanked, a few
later ones still in review); drafts and submitted apps get one version in review.

Adoptions are shared out over the public apps by a heavy-tailed weight (about a fifth adopted
nowhere, the favourites by dozens of regions). Each goes to a city (or, one time in four, one
of 24 districts) outside the publisher's own city, as the service requires. Where one region
adopts one app several times, all but the last are closed (declined, withdrawn, retired) before
the next is requested, so the partial unique index (one open adoption per app and region)
holds. The last ends in a realistic state — most live — with the dates the figures use
(requested, decided, went live, closed), a saving in 万元 for most live ones, the publisher's
confirmation, feedback, yearly re-confirmations and the stale flag 30 days after a missed one,
and the matching timeline in ``adoption_events`` (revisions counted as the service counts them)
and ``adoption_versions``.

Everything comes from one seeded ``random.Random`` and the day the dataset ends (it ends as that
day begins in China Standard Time, so the same day gives the same rows), and goes in with
bulk Core inserts: through the services, 100,000 adoptions would take hours and measure the
services rather than the figures. Ids are given explicitly; on PostgreSQL the sequences are moved
past them afterwards.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.catalog_gen import CONTACTS, DISTRICT_PLACES, generate
from store.db import models as m
from store.lib.semver import parse
from store.regions.data import CITIES

SEED = 20261125
YEARS = 3
S = m.AdoptionStatus
PUBLIC = {m.AppStatus.PUBLISHED.value, m.AppStatus.DEPRECATED.value}

# The state an (app, region)'s last adoption ends in: most live (weights in per cent).
FINAL_STATES: tuple[tuple[m.AdoptionStatus, int], ...] = (
    (S.LIVE, 62),
    (S.DEPLOYING, 9),
    (S.APPROVED, 5),
    (S.REQUESTED, 7),
    (S.DECLINED, 7),
    (S.WITHDRAWN, 4),
    (S.RETIRED, 6),
)
# Earlier adoptions of the same app by the same region are closed.
EARLIER_STATES: tuple[tuple[m.AdoptionStatus, int], ...] = (
    (S.DECLINED, 45),
    (S.WITHDRAWN, 35),
    (S.RETIRED, 20),
)
# How recent an open adoption's request is, in days before today (nobody waits three years).
OPEN_WITHIN_DAYS = {S.REQUESTED: 60, S.APPROVED: 150, S.DEPLOYING: 300}
UNADOPTED_SHARE = 0.2  # public apps nobody adopts
MAX_WEIGHT = 8.0  # the favourites: about 50 adoptions each at 10,000 apps and 100,000 adoptions
DISTRICT_SHARE = 0.25  # adoptions by a district rather than a city
GAP = timedelta(days=3)  # between two requests of one app by one region
PURPOSES = (
    "替代本地老旧系统，统一全市办理入口。",
    "落实省“数字政府”复用要求，减少重复建设。",
    "试点区县先行部署，成熟后全市推广。",
    "对接省统一身份认证，提升群众办事体验。",
)
ENVIRONMENTS = ("市政务云 信创区", "市政务云 通用区", "省政务云 粤东节点", "省政务云 粤西节点", "区县机房")
BASES = ("对比自建招标预算", "按同类项目建设费用估算", "减少的开发与运维费用")
FEEDBACK = ("部署顺利，运行稳定。", "文档完整，对接省统一身份认证较快。", "需要适配本地业务，改造量适中。")
DECLINES = ("当前版本不支持贵方的信创环境。", "本年度部署支持名额已满。", "请先完成数据共享审批。")
GIVE_UPS = ("预算未获批准。", "改用省级统建平台。", "业务调整，暂不部署。")


def _weighted[T](rng: random.Random, table: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([value for value, _ in table], weights=[weight for _, weight in table])[0]


def add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass
class StatsDataset:
    """What went in: row counts per table, states, and the window."""

    start: date
    end: date
    apps: int = 0
    public_apps: int = 0
    unadopted_public_apps: int = 0
    versions: int = 0
    adoptions: int = 0
    events: int = 0
    adoption_versions: int = 0
    districts: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    live_with_saving: int = 0
    confirmed: int = 0
    stale: int = 0
    district_adoptions: int = 0

    def describe(self) -> str:
        states = ", ".join(f"{state} {self.by_state[state]:,}" for state in S)
        return (
            f"{self.apps:,} apps ({self.public_apps:,} public, "
            f"{self.unadopted_public_apps:,} never adopted), "
            f"{self.versions:,} versions, {self.adoptions:,} adoptions ({states}; "
            f"{self.district_adoptions:,} by districts, {self.confirmed:,} confirmed, {self.stale:,} stale), "
            f"{self.events:,} events, {self.adoption_versions:,} version rows; "
            f"{self.start.isoformat()} to {self.end.isoformat()}"
        )


@dataclass(frozen=True)
class Adopter:
    code: str
    city: str
    weight: float


def adopters() -> list[Adopter]:
    """Every city (weight 3) and the 24 districts (together a quarter of the adoptions)."""
    cities = [Adopter(city.code, city.code, 3.0) for city in CITIES]
    city_total = sum(a.weight for a in cities)
    district_weight = city_total * DISTRICT_SHARE / (1 - DISTRICT_SHARE) / len(DISTRICT_PLACES)
    districts = [Adopter(place.code, place.city_code, district_weight) for place in DISTRICT_PLACES]
    return cities + districts


# -- apps and versions -----------------------------------------------------------------------------
def _app_rows(
    rng: random.Random, count: int, start: date, end: date, seed: int
) -> tuple[list[dict[str, Any]], dict[int, list[tuple[str, str]]]]:
    """The catalog generator's apps (and their labels), their moments moved into the window."""
    span = (end - start).days
    rows = []
    labels = {}
    for generated in generate(count, seed):
        row = generated.row
        published = _midnight(start) + timedelta(days=rng.uniform(0, span - 1), hours=rng.uniform(1, 10))
        created = published - timedelta(days=rng.uniform(5, 60))
        row["created_at"] = created
        row["submitted_at"] = created + timedelta(days=1) if row["status"] != "draft" else None
        row["published_at"] = published if row["status"] in PUBLIC else None
        row["updated_at"] = min(published + timedelta(days=rng.uniform(0, 200)), _midnight(end))
        rows.append(row)
        labels[row["id"]] = generated.labels
    return rows, labels


@dataclass
class AppVersions:
    rows: list[dict[str, Any]]
    offered: list[tuple[date, str]]  # (release date, version): approved and not yanked, in order


def _versions(rng: random.Random, app: dict[str, Any], first_id: int, end: date) -> AppVersions:
    public = app["status"] in PUBLIC
    count = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0] if public else 1
    first_day = (app["published_at"] or app["created_at"]).date() - timedelta(days=rng.randint(1, 10))
    days = sorted(rng.uniform(0, max(1, (end - first_day).days - 1)) for _ in range(count - 1))
    releases = [first_day, *(first_day + timedelta(days=int(d)) for d in days)]
    numbers = ["1.0.0"]
    for _ in range(count - 1):
        major, minor, _patch = (int(part) for part in numbers[-1].split("."))
        numbers.append(f"{major + 1}.0.0" if rng.random() < 0.2 else f"{major}.{minor + 1}.0")
    rows: list[dict[str, Any]] = []
    offered: list[tuple[date, str]] = []
    for i, (number, released) in enumerate(zip(numbers, releases, strict=True)):
        approved = public and not (i == count - 1 and i > 0 and rng.random() < 0.1)  # a few in review
        yanked = approved and i > 0 and rng.random() < 0.03
        version = parse(number)
        assert version is not None
        moment = _midnight(released) + timedelta(hours=rng.uniform(8, 18))
        rows.append(
            {
                "id": first_id + i,
                "app_id": app["id"],
                "version": number,
                "sort_key": version.sort_key,
                "release_notes": f"{number} 版本发布。",
                "release_date": released,
                "min_requirements": "",
                "yanked": yanked,
                "yank_reason": "发现安全问题，请升级到新版本。" if yanked else "",
                "yanked_at": moment + timedelta(days=30) if yanked else None,
                "security_fix": False,
                "review_status": m.ReviewStatus.APPROVED.value if approved else m.ReviewStatus.PENDING.value,
                "review_comment": "",
                "created_by_id": None,
                "created_at": moment,
            }
        )
        if approved and not yanked:
            offered.append((released, number))
    return AppVersions(rows, offered)


# -- adoptions -------------------------------------------------------------------------------------
@dataclass
class Timeline:
    """One adoption being built: its row, its events, the revision they reach."""

    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def event(
        self,
        kind: str,
        at: datetime,
        before: str | None,
        after: str | None,
        comment: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            {
                "adoption_id": self.row["id"],
                "kind": kind,
                "from_status": before,
                "to_status": after,
                "actor_id": None,
                "at": at,
                "comment": comment,
                "data": data or {},
                "revision": len(self.events) + 1,
            }
        )

    def move(self, at: datetime, to: str, comment: str = "", data: dict[str, Any] | None = None) -> None:
        self.event(m.AdoptionEventKind.TRANSITION.value, at, self.row["status"], to, comment, data)
        self.row["status"] = to


class AdoptionMaker:
    """Builds the adoptions of one app, one (app, region) after another."""

    def __init__(self, rng: random.Random, now: datetime, today: date) -> None:
        self.rng, self.now, self.today = rng, now, today

    def _after(self, moment: datetime, low_days: float, high_days: float, limit: datetime) -> datetime:
        """A moment ``low``–``high`` days after ``moment``, but before ``limit``."""
        later = moment + timedelta(days=self.rng.uniform(low_days, high_days))
        return min(later, moment + (limit - moment) * self.rng.uniform(0.5, 0.95))

    def build(
        self,
        adoption_id: int,
        app: dict[str, Any],
        region: str,
        state: str,
        requested: datetime,
        limit: datetime,
        offered: list[tuple[date, str]],
    ) -> Timeline:
        """An adoption requested at ``requested`` that reaches ``state`` before ``limit`` (the next
        request of the same region, or now)."""
        rng = self.rng
        version = next((v for day, v in reversed(offered) if day <= requested.date()), offered[0][1])
        row: dict[str, Any] = {
            "id": adoption_id,
            "app_id": app["id"],
            "adopter_region_code": region,
            "status": S.REQUESTED.value,
            "revision": 1,
            "requested_version": version,
            "current_version": version,
            "purpose": rng.choice(PURPOSES),
            "contact_name": rng.choice(CONTACTS),
            "contact_phone": f"0{rng.randint(660, 769)}-{rng.randint(10_000_000, 99_999_999)}",
            "environment": rng.choice(ENVIRONMENTS),
            "requested_by_id": None,
            "decided_at": None,
            "went_live_on": None,
            "closed_at": None,
            "saving_wan": None,
            "saving_basis": "",
            "rating": None,
            "feedback": "",
            "feedback_at": None,
            "publisher_confirmation": m.Confirmation.UNCONFIRMED.value,
            "confirmation_comment": "",
            "confirmed_at": None,
            "reconfirm_due_on": None,
            "stale": False,
            "created_at": requested,
            "updated_at": requested,
        }
        line = Timeline(row)
        line.event(m.AdoptionEventKind.TRANSITION.value, requested, None, S.REQUESTED.value, row["purpose"])
        if state == S.REQUESTED:
            return self._done(line)
        if state == S.WITHDRAWN:
            row["closed_at"] = self._after(requested, 1, 20, limit)
            line.move(row["closed_at"], S.WITHDRAWN.value)
            return self._done(line)
        decided = self._after(requested, 1, 25, limit)
        row["decided_at"] = decided
        if state == S.DECLINED:
            row["closed_at"] = decided
            line.move(decided, S.DECLINED.value, rng.choice(DECLINES))
            return self._done(line)
        line.move(decided, S.APPROVED.value)
        give_up = state == S.RETIRED and rng.random() < 0.3  # given up before going live
        if state == S.APPROVED or (give_up and rng.random() < 0.4):
            if give_up:
                row["closed_at"] = self._after(decided, 10, 120, limit)
                line.move(row["closed_at"], S.RETIRED.value, rng.choice(GIVE_UPS))
            return self._done(line)
        deploying = self._after(decided, 2, 30, limit)
        line.move(deploying, S.DEPLOYING.value)
        if state == S.DEPLOYING or give_up:
            if give_up:
                row["closed_at"] = self._after(deploying, 10, 120, limit)
                line.move(row["closed_at"], S.RETIRED.value, rng.choice(GIVE_UPS))
            return self._done(line)
        live_moment = self._after(deploying, 10, 150, limit)
        went_live = min(live_moment.date(), self.today)
        saving = (
            Decimal(str(round(min(2000.0, rng.lognormvariate(4.0, 1.0)), 2))) if rng.random() < 0.85 else None
        )
        basis = rng.choice(BASES) if saving is not None else ""
        row |= {
            "went_live_on": went_live,
            "saving_wan": saving,
            "saving_basis": basis,
            "reconfirm_due_on": add_year(went_live),
        }
        line.move(
            live_moment,
            S.LIVE.value,
            data={
                "went_live_on": went_live.isoformat(),
                "saving_wan": None if saving is None else str(saving),
                "saving_basis": basis,
            },
        )
        retire_at = self._after(live_moment, 60, 500, limit) if state == S.RETIRED else limit
        self._running(line, live_moment, retire_at)
        if state == S.RETIRED:
            row["closed_at"] = retire_at
            line.move(retire_at, S.RETIRED.value)
        return self._done(line)

    def _running(self, line: Timeline, live: datetime, until: datetime) -> None:
        """What happens while it runs, up to ``until``: the publisher's answer, feedback, yearly
        re-confirmations, and the stale mark 30 days after a missed one."""
        rng, row = self.rng, line.row
        answer = rng.random()
        if answer < 0.72:
            at = self._after(live, 1, 60, until)
            confirmed = answer < 0.68
            value = (m.Confirmation.CONFIRMED if confirmed else m.Confirmation.DISPUTED).value
            comment = "" if confirmed else "未见该地区的部署记录，请补充。"
            row |= {"publisher_confirmation": value, "confirmation_comment": comment, "confirmed_at": at}
            line.event(m.AdoptionEventKind.CONFIRM.value, at, S.LIVE, S.LIVE, comment, {"answer": value})
        if rng.random() < 0.4:
            at = self._after(live, 5, 120, until)
            row |= {
                "rating": rng.choice((3, 4, 4, 5, 5)),
                "feedback": rng.choice(FEEDBACK),
                "feedback_at": at,
            }
            line.event(m.AdoptionEventKind.FEEDBACK.value, at, S.LIVE, S.LIVE, row["feedback"])
        due: date = row["reconfirm_due_on"]
        while _midnight(due) < until and due <= self.today:
            if rng.random() < 0.8:
                at = _midnight(due) - timedelta(days=rng.uniform(0, 20))
                due = add_year(due)
                row["reconfirm_due_on"] = due
                line.event(
                    m.AdoptionEventKind.RECONFIRM.value,
                    at,
                    S.LIVE,
                    S.LIVE,
                    "",
                    {"reconfirm_due_on": due.isoformat()},
                )
                continue
            stale_at = _midnight(due + timedelta(days=31))
            if stale_at < until and stale_at <= self.now:
                row["stale"] = True
                line.event(
                    m.AdoptionEventKind.STALE.value,
                    stale_at,
                    S.LIVE,
                    S.LIVE,
                    "",
                    {"reconfirm_due_on": due.isoformat()},
                )
            break

    @staticmethod
    def _done(line: Timeline) -> Timeline:
        line.events.sort(key=lambda event: event["at"])
        for revision, event in enumerate(line.events, start=1):
            event["revision"] = revision
        line.row["revision"] = len(line.events)
        line.row["updated_at"] = line.events[-1]["at"]
        return line


def _share(rng: random.Random, public: list[dict[str, Any]], total: int, now: datetime) -> dict[int, int]:
    """How many adoptions each public app gets: a fifth none, the rest by a capped Pareto weight,
    older apps more than new ones."""
    span = YEARS * 365 * 86_400
    weights = [
        0.0
        if rng.random() < UNADOPTED_SHARE
        else min(MAX_WEIGHT, rng.paretovariate(1.5))
        * (0.3 + 0.7 * min(1.0, (now - app["published_at"]).total_seconds() / span))
        for app in public
    ]
    if not public or not any(weights):
        return {}
    counts: Counter[int] = Counter(rng.choices([app["id"] for app in public], weights=weights, k=total))
    return dict(counts)


# -- into the database -----------------------------------------------------------------------------
class Writer:
    """Rows per table, flushed in batches (parents before children)."""

    def __init__(self, engine: AsyncEngine, batch: int = 5000) -> None:
        self.engine, self.batch = engine, batch
        self.rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        models = (m.App, m.AppLabel, m.Version, m.Adoption, m.AdoptionEvent, m.AdoptionVersion)
        self.order = [cast(Table, model.__table__) for model in models]

    def add(self, table: Any, rows: list[dict[str, Any]]) -> None:
        self.rows[table].extend(rows)

    @property
    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    async def flush(self) -> None:
        async with self.engine.begin() as conn:
            for table in self.order:
                rows = self.rows.pop(table, [])
                for start in range(0, len(rows), self.batch):
                    await conn.execute(insert(table), rows[start : start + self.batch])


async def insert_dataset(
    engine: AsyncEngine,
    apps: int = 10_000,
    adoptions: int = 100_000,
    *,
    today: date,
    seed: int = SEED,
    progress: Callable[[int], None] | None = None,
) -> StatsDataset:
    """Write the districts, ``apps`` apps with their versions and labels, and ``adoptions``
    adoptions with their timelines, over the three years that end ``today``; ``progress`` hears
    the number of adoptions written so far."""
    rng = random.Random(seed)
    start = today - timedelta(days=YEARS * 365)
    # The history ends as ``today`` begins in China Standard Time: never in the future, and the
    # same dataset for the same day on every machine.
    now = _midnight(today) - timedelta(hours=8)
    dataset = StatsDataset(start=start, end=today)
    await _insert_districts(engine, dataset)

    app_rows, labels = _app_rows(rng, apps, start, today, seed)
    public = [row for row in app_rows if row["status"] in PUBLIC]
    shares = _share(rng, public, adoptions, now)
    dataset.apps, dataset.public_apps = len(app_rows), len(public)
    dataset.unadopted_public_apps = sum(1 for row in public if row["id"] not in shares)
    city_of = {city.code: city.code for city in CITIES} | {p.code: p.city_code for p in DISTRICT_PLACES}
    regions = adopters()
    maker = AdoptionMaker(rng, now, today)
    writer = Writer(engine)
    version_id = adoption_id = 1
    for app in app_rows:
        writer.add(m.App.__table__, [app])
        writer.add(
            m.AppLabel.__table__,
            [{"app_id": app["id"], "kind": kind, "value": value} for kind, value in labels[app["id"]]],
        )
        versions = _versions(rng, app, version_id, today)
        version_id += len(versions.rows)
        dataset.versions += len(versions.rows)
        writer.add(m.Version.__table__, versions.rows)
        wanted = shares.get(app["id"], 0)
        if wanted and versions.offered:
            home = city_of[app["region_code"]]
            eligible = [r for r in regions if r.city != home]
            chosen = Counter(rng.choices(eligible, weights=[r.weight for r in eligible], k=wanted))
            groups = sorted(chosen.items(), key=lambda item: item[0].code)
            # Requests that did not fit in one region's history go to regions not yet asked.
            spare = [r for r in eligible if r not in chosen]
            rng.shuffle(spare)
            left = 0
            while groups:
                region, times = groups.pop(0)
                before = adoption_id
                adoption_id = _adoptions_of(
                    maker, writer, dataset, app, region, times, versions.offered, adoption_id, now
                )
                left += times - (adoption_id - before)
                if not groups and left and spare:
                    groups.append((spare.pop(), 1))
                    left -= 1
        if writer.pending >= 20_000:
            await writer.flush()
            if progress:
                progress(dataset.adoptions)
    await writer.flush()
    if progress:
        progress(dataset.adoptions)
    if engine.dialect.name == "postgresql":
        await _move_sequences(engine)
    return dataset


def _adoptions_of(
    maker: AdoptionMaker,
    writer: Writer,
    dataset: StatsDataset,
    app: dict[str, Any],
    region: Adopter,
    times: int,
    offered: list[tuple[date, str]],
    next_id: int,
    now: datetime,
) -> int:
    """``times`` adoptions of ``app`` by ``region``, one after another, each requested at least
    ``GAP`` after the one before; all but the last are closed before the next is requested."""
    rng = maker.rng
    final = _weighted(rng, FINAL_STATES)
    first = max(app["published_at"], _midnight(offered[0][0])) + timedelta(hours=1)
    latest = now - timedelta(hours=2)
    if final in OPEN_WITHIN_DAYS:
        low = max(first, now - timedelta(days=OPEN_WITHIN_DAYS[final]))
    else:
        low = first
        if final in (S.LIVE, S.RETIRED):  # it needs time to get there
            latest = now - timedelta(days=rng.uniform(25, 60))
    latest = max(latest, low)
    last = low + (latest - low) * rng.random()
    # The earlier ones fit between the app's publication and the last request, GAP apart.
    earlier = min(times - 1, max(0, int((last - first) / GAP) - 1))
    room = (last - first) - GAP * (earlier + 1)
    offsets = sorted(rng.random() for _ in range(earlier))
    moments = [first + room * offset + GAP * i for i, offset in enumerate(offsets)]
    moments.append(last)
    for i, requested in enumerate(moments):
        is_last = i == len(moments) - 1
        state = final if is_last else _weighted(rng, EARLIER_STATES)
        limit = now if is_last else moments[i + 1] - timedelta(hours=1)
        line = maker.build(next_id, app, region.code, state, requested, limit, offered)
        row = line.row
        writer.add(m.Adoption.__table__, [row])
        writer.add(m.AdoptionEvent.__table__, line.events)
        writer.add(
            m.AdoptionVersion.__table__,
            [
                {
                    "adoption_id": next_id,
                    "version": row["requested_version"],
                    "since": requested,
                    "until": None,
                    "recorded_by_id": None,
                }
            ],
        )
        dataset.adoptions += 1
        dataset.events += len(line.events)
        dataset.adoption_versions += 1
        dataset.by_state[row["status"]] += 1
        dataset.live_with_saving += row["status"] == S.LIVE and row["saving_wan"] is not None
        dataset.confirmed += row["publisher_confirmation"] == m.Confirmation.CONFIRMED
        dataset.stale += bool(row["stale"])
        dataset.district_adoptions += region.code != region.city
        next_id += 1
    return next_id


async def _insert_districts(engine: AsyncEngine, dataset: StatsDataset) -> None:
    now = datetime.now(UTC)
    zone_of = {city.code: city.zone for city in CITIES}
    async with engine.begin() as conn:
        known = set((await conn.execute(select(m.Region.code))).scalars())
        rows = [
            {
                "code": place.code,
                "name": place.name,
                "name_en": place.name_en,
                "level": m.RegionLevel.DISTRICT.value,
                "parent_code": place.city_code,
                "zone": zone_of[place.city_code],
                "is_east_west_north": zone_of[place.city_code] != m.Zone.CORE.value,
                "created_at": now,
                "updated_at": now,
            }
            for place in DISTRICT_PLACES
            if place.code not in known
        ]
        if rows:
            await conn.execute(insert(m.Region), rows)
    dataset.districts = len(DISTRICT_PLACES)


async def _move_sequences(engine: AsyncEngine) -> None:
    """Ids were given explicitly: rows created later through the store must get new ones."""
    async with engine.begin() as conn:
        for table in ("apps", "app_labels", "versions", "adoptions", "adoption_events", "adoption_versions"):
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            )
