"""Every figure of the known scenario (``scenario.py``, today 2026-05-15) against numbers worked
out by hand, on SQLite and PostgreSQL: all time, this year, the last 12 months, custom ranges
(including the day boundary of China Standard Time), each filter, and an empty database.

Adoptions are referred to by their number in the scenario's table (#1 … #13)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.adoptions.services import AdoptionService, GoLive, RequestData
from store.db import models as m
from store.stats.figures import Durations, MonthRow, RegionRow
from store.stats.filters import StatsFilters
from store.stats.services import StatsService
from tests.factories import make_user

from .conftest import custom, period
from .scenario import APPS, TODAY, AdoptionSeed, add_districts, adoption_row, app_row, cst

STATES = ("requested", "approved", "declined", "withdrawn", "deploying", "live", "retired")
CITY_CODES = [
    "440100", "440200", "440300", "440400", "440500", "440600", "440700", "440800", "440900", "441200",
    "441300", "441400", "441500", "441600", "441700", "441800", "441900", "442000", "445100", "445200",
    "445300",
]  # fmt: skip
GZ, SZ, ST, FS, ZJ, MZ = "440100", "440300", "440500", "440600", "440800", "441400"


def by_state(**counts: int) -> dict[str, int]:
    return {state: counts.get(state, 0) for state in STATES}


def counts(rows: list[RegionRow]) -> dict[str, tuple[int, int, int, int, int]]:
    """(published, made, received, live made, live received) of the cities that have any."""
    found = {}
    for row in rows:
        values = (row.published, row.adoptions_made, row.adoptions_received, row.live_made, row.live_received)
        if any(values):
            found[row.code] = values
    return found


def trend_rows(rows: list[MonthRow]) -> list[tuple[str, int, int, int]]:
    return [(row.month, row.published, row.requests, row.go_lives) for row in rows]


def cell(matrix: Any, publisher: str, adopter: str) -> int:
    return int(matrix.live[CITY_CODES.index(publisher)][CITY_CODES.index(adopter)])


def nonzero_cells(matrix: Any) -> dict[tuple[str, str], int]:
    return {
        (CITY_CODES[i], CITY_CODES[j]): n for i, row in enumerate(matrix.live) for j, n in enumerate(row) if n
    }


# ---------------------------------------------------------------- all time


async def test_summary_all_time(scenario, stats) -> None:
    s = await stats.get_summary(period())
    assert s.published_apps == 6  # A1 A2 A3 A5 A7 published + A4 deprecated; A6 is a draft
    assert s.versions == 7  # approved, not yanked, of public apps: A1 1.0.0 1.1.0, A2, A3, A4, A5, A7
    assert s.adoptions_by_state == by_state(
        requested=1,  # #4
        approved=1,  # #7
        declined=1,  # #5
        withdrawn=2,  # #11 #13
        deploying=1,  # #9
        live=6,  # #1 #2 #3 #6 #10 #12
        retired=1,  # #8
    )
    assert s.live_adoptions == 6
    assert s.live_confirmed == 3  # #1 #6 #10 (#3 disputed, #2 #12 unanswered)
    assert s.apps_with_live_adoption == 4  # A1 A2 A3 A4
    assert s.reuse_rate == pytest.approx(4 / 6)  # A1 A2 A3 A4 live outside home, of 6 published
    assert s.saving_wan_total == Decimal("460.75")  # 100 + 50.50 + 80 + 200 + 30.25 (#3 none; #8 retired)
    assert s.regions_with_live_adoption == 4  # 梅州 (#1, 梅江区 #2), 广州 (#3 #6), 深圳 (#10), 湛江 (#12)
    assert s.yuedongxibei_cities_with_live == 2  # 梅州, 湛江
    assert s.yuedongxibei_share_of_live == pytest.approx(3 / 6)  # #1 #2 #12 of 6


async def test_summary_as_dict_is_plain_json(scenario, stats) -> None:
    answer = (await stats.get_summary(period())).as_dict()
    assert json.loads(json.dumps(answer)) == answer
    assert answer["saving_wan_total"] == "460.75"
    assert answer["adoptions_by_state"]["withdrawn"] == 2
    assert list(answer) == [
        "published_apps", "versions", "adoptions_by_state", "live_adoptions", "live_confirmed",
        "apps_with_live_adoption", "reuse_rate", "saving_wan_total", "regions_with_live_adoption",
        "yuedongxibei_cities_with_live", "yuedongxibei_share_of_live",
    ]  # fmt: skip


async def test_regions_all_time_every_city_with_districts_rolled_up(scenario, stats) -> None:
    rows = await stats.list_regions(period())
    assert [row.code for row in rows] == CITY_CODES
    shenzhen = rows[CITY_CODES.index(SZ)]
    assert (shenzhen.name, shenzhen.name_en, shenzhen.zone, shenzhen.is_east_west_north) == (
        "深圳",
        "Shenzhen",
        "core",
        False,
    )
    assert rows[CITY_CODES.index(MZ)].is_east_west_north is True
    # (published, adoptions made, adoptions received, live made, live received)
    assert counts(rows) == {
        GZ: (1, 2, 3, 2, 1),  # A3; made #3 #6; received #9 #10 #11; live made #3 #6; live received #10
        SZ: (2, 2, 8, 1, 4),  # A1 + A2 (南山区); made #10 + #11 (南山区); received #1–#8; #10; #1 #2 #3 #6
        ST: (1, 3, 0, 0, 0),  # A5; made #4 #8 #13
        FS: (1, 0, 1, 0, 0),  # A7; received #13
        ZJ: (0, 3, 0, 1, 0),  # A6 is a draft; made #5 #7 #12; live made #12
        MZ: (1, 3, 1, 2, 1),  # A4; made #1 + #2 (梅江区) + #9; received #12; live made #1 #2; #12
    }


async def test_zones_all_time(scenario, stats) -> None:
    rows = [
        (z.zone, z.cities, z.published, z.adoptions_made, z.adoptions_received, z.live_made, z.live_received)
        for z in await stats.list_zones(period())
    ]
    assert rows == [
        ("core", 9, 4, 4, 12, 3, 5),  # 广州 + 深圳 + 佛山: 1+2+1, 2+2, 3+8+1, 2+1, 1+4
        ("east_wing", 4, 1, 3, 0, 0, 0),  # 汕头
        ("west_wing", 3, 0, 3, 0, 1, 0),  # 湛江
        ("north", 5, 1, 3, 1, 2, 1),  # 梅州
    ]


async def test_matrix_all_time(scenario, stats) -> None:
    matrix = await stats.get_matrix(period())
    assert [city.code for city in matrix.cities] == CITY_CODES
    assert matrix.cities[0].name == "广州" and matrix.cities[0].name_en == "Guangzhou"
    assert len(matrix.live) == 21 and all(len(row) == 21 for row in matrix.live)
    assert nonzero_cells(matrix) == {
        (SZ, MZ): 2,  # #1 梅州, #2 梅江区 (rolled up)
        (SZ, GZ): 2,  # #3 (A1), #6 (A2 of 南山区, rolled up)
        (GZ, SZ): 1,  # #10
        (MZ, ZJ): 1,  # #12
    }
    assert matrix.as_dict()["live"][CITY_CODES.index(SZ)][CITY_CODES.index(MZ)] == 2


async def test_trend_all_time_from_the_first_month_with_zeros(scenario, stats) -> None:
    # (month, apps published, requests, go-lives); requests by request month (CST), go-lives of
    # adoptions live now by go-live month (#8 is retired, so its December go-live is not counted)
    assert trend_rows(await stats.list_trend(period())) == [
        ("2025-01", 1, 0, 0),  # A7
        ("2025-02", 0, 1, 0),  # #13
        ("2025-03", 1, 0, 0),  # A1
        ("2025-04", 0, 1, 0),  # #1
        ("2025-05", 0, 1, 0),  # #5
        ("2025-06", 1, 0, 1),  # A4; #1 live
        ("2025-07", 0, 1, 0),  # #12
        ("2025-08", 0, 0, 1),  # #12 live
        ("2025-09", 0, 1, 0),  # #2
        ("2025-10", 0, 0, 0),
        ("2025-11", 1, 1, 0),  # A2; #8
        ("2025-12", 0, 1, 0),  # #6
        ("2026-01", 0, 1, 1),  # #3 (02:00 on 1 January, CST); #2 live
        ("2026-02", 1, 2, 1),  # A3; #10 #11; #6 live
        ("2026-03", 0, 2, 1),  # #7 #9; #3 live
        ("2026-04", 1, 1, 1),  # A5; #4; #10 live
        ("2026-05", 0, 0, 0),  # today's month
    ]


async def test_apps_all_time(scenario, stats) -> None:
    figures = await stats.get_apps(period())
    assert [(a.slug, a.region_code, a.region_name, a.live, a.adopters) for a in figures.top] == [
        ("sz-grid", SZ, "深圳", 3, ["广州", "梅州", "梅江区"]),  # #3 #1 #2, adopters in code order
        ("gz-portal", GZ, "广州", 1, ["深圳"]),  # ties of 1 by slug
        ("mz-tea", MZ, "梅州", 1, ["湛江"]),  # deprecated, still public
        ("ns-permit", "440305", "南山区", 1, ["广州"]),  # the publishing district as itself
    ]
    # published now, no adoption but declined/withdrawn ones: A7 (only #13 withdrawn), A5; oldest first
    assert [(a.slug, a.region_name, a.published_at) for a in figures.unadopted] == [
        ("fs-old", "佛山", cst(2025, 1, 15)),
        ("st-port", "汕头", cst(2026, 4, 1)),
    ]
    plain = figures.as_dict()
    assert plain["unadopted"][0]["published_at"] == "2025-01-15T02:00:00+00:00"
    assert [a.slug for a in (await stats.get_apps(period(), limit=1)).top] == ["sz-grid"]


async def test_time_to_live_all_time_nearest_rank(scenario, stats) -> None:
    ttl = await stats.get_time_to_live(period())
    # days from request to go-live: #1 70, #2 137, #3 59 (from 1 January CST, not 31 December
    # UTC), #6 76, #10 79, #12 60. Overall sorted 59 60 70 76 79 137 (n=6, even): median at
    # rank ⌈6/2⌉=3 → 70, p90 at rank ⌈5.4⌉=6 → 137.
    assert ttl.overall == Durations(count=6, median_days=70, p90_days=137)
    assert ttl.by_category == [
        ("governance", Durations(3, 70, 137)),  # A1: 59 70 137 (odd): ranks 2 and ⌈2.7⌉=3
        ("services", Durations(2, 76, 79)),  # A2 76, A3 79 (even): ranks 1 and ⌈1.8⌉=2
        ("collaboration", Durations(1, 60, 60)),  # A4: 60
        ("support", Durations(0, None, None)),
    ]
    assert ttl.as_dict()["by_category"][0] == {
        "category": "governance",
        "count": 3,
        "median_days": 70,
        "p90_days": 137,
    }


# ---------------------------------------------------------------- periods


async def test_this_year(scenario, stats) -> None:
    f = period("this_year")
    assert (f.start, f.end) == (date(2026, 1, 1), TODAY)
    s = await stats.get_summary(f)
    assert s.published_apps == 2  # A3 (February), A5 (April)
    assert s.versions == 3  # added in 2026: A1 1.1.0, A3 2.0.0, A5 1.0.0
    # requested in 2026 (CST): #3 #4 #7 #9 #10 #11
    assert s.adoptions_by_state == by_state(requested=1, approved=1, withdrawn=1, deploying=1, live=2)
    assert s.live_adoptions == 4  # live now, went live in 2026: #2 #3 #6 #10
    assert s.live_confirmed == 2  # #6 #10
    assert s.apps_with_live_adoption == 3  # A1 A2 A3
    assert s.reuse_rate == pytest.approx(1 / 2)  # of A3 and A5, A3 went live in 深圳 (#10)
    assert s.saving_wan_total == Decimal("330.50")  # 50.50 + 80 + 200
    assert s.regions_with_live_adoption == 3  # 梅州 (#2), 广州 (#3 #6), 深圳 (#10)
    assert s.yuedongxibei_cities_with_live == 1  # 梅州
    assert s.yuedongxibei_share_of_live == pytest.approx(1 / 4)  # #2 of 4
    assert counts(await stats.list_regions(f)) == {
        GZ: (1, 1, 3, 2, 1),  # A3; #3; #9 #10 #11; #3 #6; #10
        SZ: (0, 2, 3, 1, 3),  # —; #10 #11; #3 #4 #7; #10; #2 #3 #6
        ST: (1, 1, 0, 0, 0),  # A5; #4
        ZJ: (0, 1, 0, 0, 0),  # #7
        MZ: (0, 1, 0, 1, 0),  # #9; #2 (梅江区)
    }
    assert nonzero_cells(await stats.get_matrix(f)) == {(SZ, MZ): 1, (SZ, GZ): 2, (GZ, SZ): 1}
    assert trend_rows(await stats.list_trend(f)) == [
        ("2026-01", 0, 1, 1),
        ("2026-02", 1, 2, 1),
        ("2026-03", 0, 2, 1),
        ("2026-04", 1, 1, 1),
        ("2026-05", 0, 0, 0),
    ]
    apps = await stats.get_apps(f)
    assert [(a.slug, a.live, a.adopters) for a in apps.top] == [
        ("sz-grid", 2, ["广州", "梅江区"]),  # #3 #2 (#1 went live in 2025)
        ("gz-portal", 1, ["深圳"]),
        ("ns-permit", 1, ["广州"]),
    ]
    assert [a.slug for a in apps.unadopted] == ["st-port"]  # A3 has adoptions
    ttl = await stats.get_time_to_live(f)
    # 59 (#3) 76 (#6) 79 (#10) 137 (#2): n=4, median rank 2 → 76, p90 rank ⌈3.6⌉=4 → 137
    assert ttl.overall == Durations(4, 76, 137)
    assert dict(ttl.by_category)["governance"] == Durations(2, 59, 137)  # #3 59, #2 137
    assert dict(ttl.by_category)["services"] == Durations(2, 76, 79)


async def test_last_12_months_are_the_current_month_and_the_11_before(scenario, stats) -> None:
    f = period("last_12_months")
    assert (f.start, f.end) == (date(2025, 6, 1), TODAY)
    # A4 (1 June 2025, 10:00 CST: the first day counts), A2, A3, A5
    assert (await stats.get_summary(f)).published_apps == 4
    months = [row.month for row in await stats.list_trend(f)]
    assert len(months) == 12 and (months[0], months[-1]) == ("2025-06", "2026-05")


async def test_custom_range(scenario, stats) -> None:
    f = custom(date(2025, 6, 1), date(2025, 12, 31))
    s = await stats.get_summary(f)
    assert s.published_apps == 2  # A4 (1 June), A2 (20 November)
    assert s.versions == 1  # A2 1.0.0 (15 November)
    # requested: #2 #6 #8 #12; #3 (2025-12-31 18:00 UTC = 1 January 02:00 CST) is not in 2025
    assert s.adoptions_by_state == by_state(live=3, retired=1)
    assert s.live_adoptions == 2  # went live in the range: #1 (10 June), #12 (30 August); #8 retired
    assert s.live_confirmed == 1  # #1
    assert s.apps_with_live_adoption == 2  # A1, A4
    assert s.reuse_rate == pytest.approx(1 / 2)  # A4 (#12 in August); A2's #6 went live in 2026
    assert s.saving_wan_total == Decimal("130.25")  # 100 + 30.25
    assert s.regions_with_live_adoption == 2  # 梅州, 湛江
    assert s.yuedongxibei_cities_with_live == 2
    assert s.yuedongxibei_share_of_live == 1.0
    assert trend_rows(await stats.list_trend(f)) == [
        ("2025-06", 1, 0, 1),  # A4; #1 live
        ("2025-07", 0, 1, 0),  # #12
        ("2025-08", 0, 0, 1),  # #12 live
        ("2025-09", 0, 1, 0),  # #2
        ("2025-10", 0, 0, 0),
        ("2025-11", 1, 1, 0),  # A2; #8
        ("2025-12", 0, 1, 0),  # #6
    ]
    assert (await stats.get_time_to_live(f)).overall == Durations(2, 60, 70)  # #12 60, #1 70


async def test_a_range_open_at_the_start_begins_at_the_first_month_with_data(scenario, stats) -> None:
    f = custom(None, date(2025, 3, 31))
    assert (await stats.get_summary(f)).published_apps == 2  # A7, A1
    assert trend_rows(await stats.list_trend(f)) == [
        ("2025-01", 1, 0, 0),  # A7
        ("2025-02", 0, 1, 0),  # #13
        ("2025-03", 1, 0, 0),  # A1
    ]


async def test_days_are_days_in_china_standard_time(scenario, stats) -> None:
    # #3 was requested at 2025-12-31 18:00 UTC, 02:00 on 1 January 2026 in Guangdong
    new_year = await stats.get_summary(custom(date(2026, 1, 1), date(2026, 1, 1)))
    assert new_year.adoptions_by_state == by_state(live=1)
    new_years_eve = await stats.get_summary(custom(date(2025, 12, 31), date(2025, 12, 31)))
    assert new_years_eve.adoptions_by_state == by_state()


# ---------------------------------------------------------------- filters


async def test_category_filter(scenario, stats) -> None:
    f = period(category="services")  # A2 A3 A7
    s = await stats.get_summary(f)
    assert (s.published_apps, s.versions) == (3, 3)
    # #6 #7 #8 (A2), #9 #10 #11 (A3), #13 (A7)
    assert s.adoptions_by_state == by_state(approved=1, withdrawn=2, deploying=1, live=2, retired=1)
    assert (s.live_adoptions, s.live_confirmed, s.apps_with_live_adoption) == (2, 2, 2)  # #6 #10
    assert s.reuse_rate == pytest.approx(2 / 3)  # A2, A3 of 3
    assert s.saving_wan_total == Decimal("280.00")
    assert (s.regions_with_live_adoption, s.yuedongxibei_cities_with_live) == (2, 0)  # 广州, 深圳
    assert s.yuedongxibei_share_of_live == 0.0
    ttl = await stats.get_time_to_live(f)
    assert ttl.overall == Durations(2, 76, 79)
    assert [d.count for _category, d in ttl.by_category] == [0, 2, 0, 0]


async def test_kind_filter(scenario, stats) -> None:
    f = period(kind="component")  # A3 only
    s = await stats.get_summary(f)
    assert (s.published_apps, s.versions, s.live_adoptions, s.saving_wan_total) == (
        1,
        1,
        1,
        Decimal("200.00"),
    )
    assert s.adoptions_by_state == by_state(deploying=1, live=1, withdrawn=1)  # #9 #10 #11
    assert nonzero_cells(await stats.get_matrix(f)) == {(GZ, SZ): 1}
    apps = await stats.get_apps(f)
    assert ([a.slug for a in apps.top], apps.unadopted) == (["gz-portal"], [])


async def test_zone_filter_uses_the_publishing_city_zone(scenario, stats) -> None:
    # 南山区's own row has no zone: its app A2 is in core through 深圳
    core = await stats.get_summary(period(zone="core"))
    assert core.published_apps == 4  # A1 A2 A3 A7
    assert sum(core.adoptions_by_state.values()) == 12  # all but #12 (of A4, 梅州)
    assert core.live_adoptions == 5  # #1 #2 #3 #6 #10
    north = await stats.get_summary(period(zone="north"))
    assert (north.published_apps, north.live_adoptions, north.saving_wan_total) == (1, 1, Decimal("30.25"))
    assert (north.yuedongxibei_cities_with_live, north.yuedongxibei_share_of_live) == (1, 1.0)  # 湛江
    assert counts(await stats.list_regions(period(zone="west_wing"))) == {}  # A6 is a draft


async def test_publisher_filter_includes_the_districts(scenario, stats) -> None:
    f = period(publisher=SZ)  # A1 (深圳) and A2 (南山区)
    s = await stats.get_summary(f)
    assert (s.published_apps, s.versions) == (2, 3)  # A1 1.0.0 1.1.0, A2 1.0.0
    assert s.adoptions_by_state == by_state(requested=1, approved=1, declined=1, live=4, retired=1)  # #1–#8
    assert (s.live_adoptions, s.live_confirmed, s.apps_with_live_adoption) == (4, 2, 2)  # #1 #2 #3 #6
    assert s.reuse_rate == 1.0
    assert s.saving_wan_total == Decimal("230.50")  # 100 + 50.50 + 80
    assert (s.regions_with_live_adoption, s.yuedongxibei_cities_with_live) == (2, 1)  # 梅州 广州; 梅州
    assert s.yuedongxibei_share_of_live == pytest.approx(2 / 4)  # #1 #2
    assert counts(await stats.list_regions(f)) == {
        SZ: (2, 0, 8, 0, 4),
        GZ: (0, 2, 0, 2, 0),  # #3 #6
        ST: (0, 2, 0, 0, 0),  # #4 #8
        ZJ: (0, 2, 0, 0, 0),  # #5 #7
        MZ: (0, 2, 0, 2, 0),  # #1 #2
    }
    assert [a.slug for a in (await stats.get_apps(f)).top] == ["sz-grid", "ns-permit"]
    meizhou = await stats.get_summary(period(publisher=MZ))
    assert (meizhou.published_apps, meizhou.live_adoptions) == (1, 1)  # A4; #12


@pytest.mark.parametrize(
    "f",
    [
        period(),
        period("this_year"),
        custom(date(2025, 6, 1), date(2026, 3, 31)),
        period(category="governance"),
        period(zone="north"),
        period(publisher=SZ, kind="application"),
    ],
    ids=["all-time", "this-year", "custom", "category", "zone", "publisher-and-kind"],
)
async def test_the_places_statement_holds_the_same_summary(scenario, stats, f: StatsFilters) -> None:
    """The dashboard reads the summary from ``places`` (one statement with the cities): the very
    numbers the summary's own statement gives."""
    assert (await stats.get_places(f)).summary == await stats.get_summary(f)


async def test_an_empty_store_has_the_same_summary_in_places(stats: StatsService) -> None:
    assert (await stats.get_places(period())).summary == await stats.get_summary(period())


# ---------------------------------------------------------------- special cases


async def test_an_empty_database_gives_zeros_everywhere(stats: StatsService) -> None:
    for f in (period(), period("this_year")):
        s = await stats.get_summary(f)
        assert s.adoptions_by_state == by_state()
        assert (s.published_apps, s.versions, s.live_adoptions, s.live_confirmed) == (0, 0, 0, 0)
        assert (s.reuse_rate, s.yuedongxibei_share_of_live, s.saving_wan_total) == (0.0, 0.0, Decimal("0.00"))
        assert s.as_dict()["saving_wan_total"] == "0.00"
        rows = await stats.list_regions(f)
        assert [row.code for row in rows] == CITY_CODES and counts(rows) == {}
        zones = await stats.list_zones(f)
        assert [(z.zone, z.cities, z.published, z.live_received) for z in zones] == [
            ("core", 9, 0, 0),
            ("east_wing", 4, 0, 0),
            ("west_wing", 3, 0, 0),
            ("north", 5, 0, 0),
        ]
        matrix = await stats.get_matrix(f)
        assert len(matrix.cities) == 21 and matrix.live == [[0] * 21 for _ in range(21)]
        apps = await stats.get_apps(f)
        assert (apps.top, apps.unadopted) == ([], [])
        ttl = await stats.get_time_to_live(f)
        assert ttl.overall == Durations(0, None, None)
        assert [d for _category, d in ttl.by_category] == [Durations(0, None, None)] * 4
    assert trend_rows(await stats.list_trend(period())) == [("2026-05", 0, 0, 0)]  # no data: this month
    assert [row.month for row in await stats.list_trend(period("this_year"))] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
    ]


async def test_an_adoption_inside_the_home_city_is_not_reuse(scenario, db: AsyncSession, stats) -> None:
    """The request rules forbid it, but the figure says what it counts: a live adoption of 汕头's
    A5 by a 汕头 district is live, yet not reuse outside the home city."""
    db.add(m.Region(code="440507", name="龙湖区", level="district", parent_code=ST, is_east_west_north=True))
    await db.flush()
    db.add(
        adoption_row(
            AdoptionSeed("st-port", "440507", "live", cst(2026, 4, 10), date(2026, 5, 1), "5.00"),
            scenario["st-port"],
        )
    )
    await db.commit()
    s = await stats.get_summary(period())
    assert (s.live_adoptions, s.apps_with_live_adoption) == (7, 5)
    assert s.reuse_rate == pytest.approx(4 / 6)  # unchanged: A5 is reused only at home
    assert cell(await stats.get_matrix(period()), ST, ST) == 1


async def test_the_figures_read_what_the_adoption_service_writes(
    db: AsyncSession, engine: AsyncEngine
) -> None:
    """One adoption taken from request to live through AdoptionService, as requests would."""
    await add_districts(db)
    app_seed = next(seed for seed in APPS if seed.slug == "sz-grid")
    app = app_row(app_seed)
    db.add(app)
    await db.flush()
    db.add(
        m.Version(
            app_id=app.id,
            version="1.0.0",
            sort_key="1.0.0",
            release_date=date(2025, 3, 1),
            review_status=m.ReviewStatus.APPROVED,
        )
    )
    await db.commit()
    publisher = await make_user(db, "city_staff", app_seed.region, username="sz_staff")
    adopter = await make_user(db, "city_staff", "441402", username="mj_staff")
    service = AdoptionService(db)
    adoption = await service.request(
        adopter, RequestData(app="sz-grid", version="1.0.0", contact_name="王工", region="441402")
    )
    await db.commit()
    for user, to, go_live in (
        (publisher, "approved", None),
        (adopter, "deploying", None),
        (adopter, "live", GoLive(saving_wan=Decimal("12.5"))),
    ):
        await service.transition(user, await service.get(adoption.id, user), to, go_live=go_live)
        await db.commit()
    await service.confirm(publisher, await service.get(adoption.id, publisher), True)
    await db.commit()
    s = await StatsService(db).get_summary(StatsFilters())
    assert s.adoptions_by_state == by_state(live=1)
    assert (s.live_adoptions, s.live_confirmed, s.saving_wan_total) == (1, 1, Decimal("12.50"))
    assert (s.regions_with_live_adoption, s.yuedongxibei_cities_with_live, s.reuse_rate) == (1, 1, 1.0)
    regions = counts(await StatsService(db).list_regions(StatsFilters()))
    assert regions == {SZ: (1, 0, 1, 0, 1), MZ: (0, 1, 0, 1, 0)}  # 梅江区 rolls up to 梅州


# ---------------------------------------------------------------- cost


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("get_summary", 1),
        ("list_regions", 1),
        ("list_zones", 1),
        ("get_matrix", 1),
        ("list_trend", 1),
        ("get_apps", 2),  # the top apps and the apps not yet adopted
        ("get_time_to_live", 1),
    ],
)
async def test_each_figure_is_one_aggregate_statement(
    scenario, stats, engine: AsyncEngine, figure: str, expected: int
) -> None:
    with statements(engine) as seen:
        await getattr(stats, figure)(period(publisher=SZ, category="governance"))
    assert len(seen) == expected, seen
