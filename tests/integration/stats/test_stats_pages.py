"""The statistics pages on SQLite and PostgreSQL: who sees which page (anonymous visitors sent to
sign in, city staff the summary and their own city's row, provincial staff everything), every
table holding the numbers ``StatsService`` computes for the known scenario, the filters going
round through the URL into the form, the links and the downloaded files, bad filters reported all
at once under their labels, both languages, the printable report, and the home page's public
summary.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlencode

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from store.lib.i18n import translations
from store.lib.money import format_wan
from store.stats.cache import STATS_CACHE, FiguresCache
from store.stats.filters import StatsFilters, from_query, local_today
from store.stats.rendered import RENDERED, RenderedFragments
from store.stats.services import StatsService
from tests.conftest import serve
from tests.factories import make_user, page_login

from .scenario import build

SPAN = {"from": "2025-01-01", "to": "2026-05-15"}  # every request and go-live of the scenario
USERS = {
    # who: (role, region, username)
    "city": ("city_staff", "440300", "sz_pages"),  # 深圳
    "district": ("city_staff", "440305", "ns_pages"),  # 南山区, in 深圳
    "reviewer": ("province_reviewer", None, "prov_pages_rev"),
    "admin": ("province_admin", None, "prov_pages_admin"),
}
FULL_TABLES = {
    "summary", "states", "regions", "contribution", "reuse", "tiles", "zones", "matrix", "trend",
    "time-to-live", "top-apps", "unadopted",
}  # fmt: skip
CHARTS = {
    "states", "cities", "contribution", "reuse", "tiles", "matrix", "trend", "zones", "time-to-live",
    "top-apps",
}  # fmt: skip
REPORT_TABLES = FULL_TABLES - {"tiles"}  # the tile map's numbers are in the cities' table


class Tables(HTMLParser):
    """The page's statistics tables by key (``id="table-<key>"``): caption, column headers and the
    rows' cell texts; also checks that every header cell has its scope."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.found: dict[str, dict[str, Any]] = {}
        self.table: dict[str, Any] | None = None
        self.cell: list[str] | None = None
        self.part = ""
        self.row: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and (found.get("id") or "").startswith("table-"):
            self.table = {"caption": "", "columns": [], "rows": [], "row_headers": []}
            self.found[(found["id"] or "")[len("table-") :]] = self.table
        elif self.table is None:
            return
        elif tag in ("thead", "tbody", "caption"):
            self.part = tag
            if tag == "caption":
                self.cell = []
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell = []
            if tag == "th":
                assert found.get("scope") == ("col" if self.part == "thead" else "row"), found
                if self.part == "tbody":
                    self.table["row_headers"].append(len(self.row))

    def handle_endtag(self, tag: str) -> None:
        if self.table is None:
            return
        if tag == "caption" and self.cell is not None:
            self.table["caption"] = "".join(self.cell).strip()
            self.cell = None
        elif tag in ("th", "td") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            (self.table["columns"] if self.part == "thead" else self.table["rows"]).append(self.row)
        elif tag == "table":
            self.table["columns"] = self.table["columns"][0]
            self.table = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables_of(response: httpx.Response) -> dict[str, dict[str, Any]]:
    return Tables(response.text).found


def charts_of(response: httpx.Response) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="stats-charts">(.*?)</script>', response.text, re.S
    )
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def card(response: httpx.Response, key: str) -> str:
    found = re.search(rf'data-card="{key}">\s*<p class="figure">([^<]*)</p>', response.text)
    assert found, key
    return found.group(1)


def numbers(*values: Any) -> list[str]:
    return [str(value) for value in values]


@pytest.fixture(autouse=True)
def fresh_figures(app: Litestar) -> None:
    """The session's application keeps figures for a minute; each test starts without them."""
    app.state[STATS_CACHE].clear()


@pytest.fixture
async def world(db: AsyncSession) -> dict[str, int]:
    apps = await build(db)  # first: it adds the district 南山区
    for role, region, username in USERS.values():
        await make_user(db, role, region, username=username)
    return apps


@pytest.fixture
async def browsers(app: Litestar) -> AsyncIterator[Any]:
    """``await browsers(who)``: a client of its own signed in through the login form as ``who``
    ("anonymous": not signed in); ``lang="en"`` gives it the English cookie."""
    opened: list[Any] = []

    async def open_browser(who: str, lang: str | None = None) -> httpx.AsyncClient:
        context = serve(app)
        client = await context.__aenter__()
        opened.append(context)
        if lang:
            client.cookies.set("lang", lang)
        if who != "anonymous":
            await page_login(client, USERS[who][2])
        return client

    yield open_browser
    for context in reversed(opened):
        await context.__aexit__(None, None, None)


def zh(message: str) -> str:
    """A message as the pages show it in Chinese (the English msgid until it is translated)."""
    return translations("zh_CN").gettext(message)


def span(**filters: str) -> StatsFilters:
    return from_query({**SPAN, **filters}, today=local_today())


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("path", ["/stats", "/stats/report"])
async def test_anonymous_visitors_are_sent_to_sign_in(
    browsers: Any, world: dict[str, int], path: str
) -> None:
    response = await (await browsers("anonymous")).get(path, params=SPAN)
    assert response.status_code in (302, 303)
    # Back to the same page with the same filters once signed in.
    location = response.headers["location"]
    assert location.startswith("/login?next=")
    assert unquote(location.removeprefix("/login?next=")) == f"{path}?{urlencode(SPAN)}"


@pytest.mark.parametrize("who", ["reviewer", "admin"])
async def test_provincial_staff_see_every_figure(browsers: Any, world: dict[str, int], who: str) -> None:
    client = await browsers(who)
    response = await client.get("/stats", params=SPAN)
    assert response.status_code == 200
    found = tables_of(response)
    assert set(found) == FULL_TABLES
    assert len(found["regions"]["rows"]) == 21 and len(found["matrix"]["rows"]) == 21
    assert all(table["caption"] for table in found.values())
    charts = charts_of(response)
    assert set(charts) == CHARTS
    for chart in charts:  # each chart has its box and its table's toggle
        assert f'data-chart="{chart}"' in response.text and f'data-table-toggle="{chart}"' in response.text
    assert '<a href="/stats">' in response.text  # the header's link
    assert "/static/vendor/echarts.min.js" in response.text and "/static/js/stats.js" in response.text


async def test_the_dashboard_renders_its_figures_once_for_each_computation(
    app: Litestar, browsers: Any, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures part of the page is rendered once per computed figures, language and scope,
    then kept: a second view shows the same figures from it; figures computed again, the other
    language and a city's staff each get their own, never another's."""
    rendered = RenderedFragments()
    monkeypatch.setitem(app.state, RENDERED, rendered)
    monkeypatch.setitem(app.state, STATS_CACHE, FiguresCache(ttl_seconds=60))  # tests run without
    province = await browsers("admin")
    first = await province.get("/stats", params=SPAN)
    second = await province.get("/stats", params=SPAN)
    assert first.status_code == second.status_code == 200
    assert len(rendered) == 1
    assert tables_of(second) == tables_of(first) and charts_of(second) == charts_of(first)
    assert set(tables_of(first)) == FULL_TABLES

    app.state[STATS_CACHE].clear()  # the figures are computed again: rendered again
    again = await province.get("/stats", params=SPAN)
    assert len(rendered) == 2 and tables_of(again) == tables_of(first)

    english = await (await browsers("reviewer", lang="en")).get("/stats", params=SPAN)
    assert len(rendered) == 3
    assert "The 21 cities" in english.text and "The 21 cities" not in first.text

    city = await (await browsers("city")).get("/stats", params=SPAN)
    assert len(rendered) == 4
    assert set(tables_of(city)) == {"summary", "regions"} and "stats-charts" not in city.text
    district = await (await browsers("district")).get("/stats", params=SPAN)
    assert len(rendered) == 4  # the same city's view: the same fragment
    assert tables_of(district) == tables_of(city)


async def test_without_the_figures_cache_nothing_rendered_is_kept(
    app: Litestar, browsers: Any, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = RenderedFragments()
    monkeypatch.setitem(app.state, RENDERED, rendered)
    monkeypatch.setitem(app.state, STATS_CACHE, FiguresCache(ttl_seconds=0))
    province = await browsers("admin")
    views = [await province.get("/stats", params=SPAN) for _ in range(2)]
    assert [view.status_code for view in views] == [200, 200] and len(rendered) == 0
    assert set(tables_of(views[0])) == FULL_TABLES and tables_of(views[1]) == tables_of(views[0])


@pytest.mark.parametrize("who", ["city", "district"])
async def test_city_staff_see_the_summary_and_their_own_city(
    browsers: Any, world: dict[str, int], db: AsyncSession, who: str
) -> None:
    client = await browsers(who)
    response = await client.get("/stats", params=SPAN)
    assert response.status_code == 200
    found = tables_of(response)
    assert set(found) == {"summary", "regions"}
    # A district's staff see the row of the city their district lies in, districts rolled up.
    assert len(found["regions"]["rows"]) == 1
    shenzhen = next(row for row in await StatsService(db).list_regions(span()) if row.code == "440300")
    assert found["regions"]["rows"][0] == [
        "440300", "深圳", "珠三角核心区", found["regions"]["rows"][0][3],
        *numbers(shenzhen.published, shenzhen.adoptions_made, shenzhen.adoptions_received,
                 shenzhen.live_made, shenzhen.live_received),
    ]  # fmt: skip
    assert shenzhen.adoptions_received == 8
    assert "stats-charts" not in response.text and "echarts" not in response.text
    assert "广州" not in response.text.split('id="own-city"')[1]  # no other city's row
    assert '<a href="/stats">' not in response.text  # the header's link is the province's
    # The city's download links answer its own row only, as the API decides.
    link = re.search(r'href="(/api/v1/stats/regions\?[^"]*format=csv)"', response.text)
    assert link
    rows = list(csv.reader(io.StringIO((await client.get(link.group(1).replace("&amp;", "&"))).text)))
    assert [row[0] for row in rows[rows.index([]) + 2 :]] == ["440300"]
    report = await client.get("/stats/report", params=SPAN)
    assert report.status_code == 200 and set(tables_of(report)) == {"summary", "regions"}


# ---------------------------------------------------------------- the numbers


async def test_every_table_holds_the_services_figures(
    browsers: Any, world: dict[str, int], db: AsyncSession
) -> None:
    response = await (await browsers("reviewer")).get("/stats", params=SPAN)
    found = tables_of(response)
    service, f = StatsService(db), span()
    summary = await service.get_summary(f)
    assert card(response, "published_apps") == str(summary.published_apps)
    assert card(response, "live_adoptions") == str(summary.live_adoptions) == "6"
    assert card(response, "reuse_rate") == f"{summary.reuse_rate * 100:.1f}%"
    assert card(response, "saving_wan_total") == format_wan(summary.saving_wan_total, "zh_CN")  # 万元
    assert card(response, "regions_with_live_adoption") == f"{summary.regions_with_live_adoption} / 21"
    assert card(response, "yuedongxibei_cities_with_live") == f"{summary.yuedongxibei_cities_with_live} / 12"
    assert [row[1] for row in found["states"]["rows"]] == numbers(*summary.adoptions_by_state.values())

    regions = await service.list_regions(f)
    assert found["regions"]["row_headers"] == [1] * 21  # the city's name heads each row
    assert [row[:2] for row in found["regions"]["rows"]] == [[r.code, r.name] for r in regions]
    assert [row[4:] for row in found["regions"]["rows"]] == [
        numbers(r.published, r.adoptions_made, r.adoptions_received, r.live_made, r.live_received)
        for r in regions
    ]
    # The rankings: 深圳's apps run live four times; 梅州 and 广州 each run two, 梅州 first by code…
    contribution = found["contribution"]["rows"]
    assert contribution[0] == ["1", "深圳", "4", "8"]
    reuse = found["reuse"]["rows"]
    assert reuse[:2] == [["1", "梅州", "2", "3"], ["2", "广州", "2", "2"]]
    assert len(contribution) == len(reuse) == 21 and reuse[-1][0] == "6"  # … the 16 at zero share a rank
    tiles = {row[0]: row[2] for row in found["tiles"]["rows"]}
    assert tiles == {r.name: str(r.live_made) for r in regions}

    zones = await service.list_zones(f)
    assert [row[1:] for row in found["zones"]["rows"]] == [
        numbers(z.cities, z.published, z.adoptions_made, z.adoptions_received, z.live_made, z.live_received)
        for z in zones
    ]
    matrix = await service.get_matrix(f)
    assert [row[1:] for row in found["matrix"]["rows"]] == [numbers(*row) for row in matrix.live]
    assert found["matrix"]["rows"][2][12] == "2"  # 深圳 → 梅州 and its district 梅江区
    trend = await service.list_trend(f)
    assert found["trend"]["rows"] == [numbers(m.month, m.published, m.requests, m.go_lives) for m in trend]
    assert len(trend) == 17
    ttl = await service.get_time_to_live(f)
    assert found["time-to-live"]["rows"][0][1:] == numbers(
        ttl.overall.count, ttl.overall.median_days, ttl.overall.p90_days
    )
    apps = await service.get_apps(f)
    assert [(row[2], row[4]) for row in found["top-apps"]["rows"]] == [
        (a.slug, str(a.live)) for a in apps.top
    ]
    assert [row[1] for row in found["unadopted"]["rows"]] == [a.slug for a in apps.unadopted]

    # The charts draw the same numbers.
    charts = charts_of(response)
    assert charts["cities"]["series"][1]["values"] == [r.adoptions_received for r in regions]
    assert charts["matrix"]["cells"] == [
        [x, y, n] for y, row in enumerate(matrix.live) for x, n in enumerate(row)
    ]
    assert charts["trend"]["categories"] == [m.month for m in trend]
    assert sum(tile["value"] for tile in charts["tiles"]["tiles"]) == summary.live_adoptions
    assert (
        len({(tile["row"], tile["col"]) for tile in charts["tiles"]["tiles"]}) == 21
    )  # no two on one square


async def test_the_downloads_hold_the_tables_of_the_page(browsers: Any, world: dict[str, int]) -> None:
    client = await browsers("admin")
    response = await client.get("/stats", params={**SPAN, "category": "services"})
    links = dict.fromkeys(re.findall(r'href="(/api/v1/stats/[^"]+)"', response.text))
    assert len(links) == 14  # seven figures, CSV and XLSX each
    assert all("from=2025-01-01&amp;to=2026-05-15&amp;category=services" in link for link in links)
    regions = next(link for link in links if "/regions?" in link and "format=csv" in link)
    download = await client.get(regions.replace("&amp;", "&"))
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[rows.index([]) + 2 :] == tables_of(response)["regions"]["rows"]
    xlsx = next(link for link in links if "/apps?" in link and "format=xlsx" in link)
    assert (await client.get(xlsx.replace("&amp;", "&"))).content[:2] == b"PK"


# ---------------------------------------------------------------- filters


async def test_the_filters_go_round_through_the_url(
    browsers: Any, world: dict[str, int], db: AsyncSession
) -> None:
    client = await browsers("reviewer")
    params = {"period": "this_year", "category": "services", "zone": "core", "publisher": "440300"}
    response = await client.get("/stats", params=params)
    assert response.status_code == 200
    for name, value in params.items():
        assert re.search(
            rf'<select id="filter-{name}" name="{name}".*?<option value="{value}" selected>',
            response.text,
            re.S,
        ), name
    query = "period=this_year&amp;category=services&amp;zone=core&amp;publisher=440300"
    assert f'href="/stats/report?{query}"' in response.text
    assert f"/api/v1/stats/trend?{query}&amp;format=csv" in response.text
    f = from_query(params, today=local_today())
    expected = await StatsService(db).list_regions(f)
    assert [row[6] for row in tables_of(response)["regions"]["rows"]] == numbers(
        *(r.adoptions_received for r in expected)
    )
    # A custom range: the dates in the form, the period shown as custom; blank fields are ignored.
    custom = await client.get("/stats", params={"period": "", **SPAN, "kind": "", "publisher": "440300"})
    assert custom.status_code == 200
    assert '<option value="custom" selected>' in custom.text
    assert 'name="from" value="2025-01-01"' in custom.text and 'name="to" value="2026-05-15"' in custom.text
    assert 'href="/stats/report?from=2025-01-01&amp;to=2026-05-15&amp;publisher=440300"' in custom.text
    shenzhen = tables_of(custom)["regions"]["rows"][2]
    assert shenzhen[1] == "深圳" and shenzhen[6] == "8"
    guangzhou = tables_of(custom)["regions"]["rows"][0]
    assert guangzhou[6] == "0"  # gz-portal is 广州's, not 深圳's


@pytest.mark.parametrize("path", ["/stats", "/stats/report"])
async def test_bad_filters_are_all_reported_by_their_labels(
    browsers: Any, world: dict[str, int], path: str
) -> None:
    client = await browsers("reviewer")
    bad = {
        "from": "2025-02-30",
        "to": "1999-01-01",
        "period": "forever",
        "category": "nope",
        "kind": "x" * 5000,
        "zone": "<script>alert(1)</script>",
        "publisher": "440305",  # a district, not one of the 21 cities
    }
    response = await client.get(path, params=bad)
    assert response.status_code == 422
    errors = re.search(
        r'<div class="alert error" role="alert" id="filter-errors">(.*?)</div>', response.text, re.S
    )
    assert errors
    items = re.findall(r'<li><a href="#filter-([a-z]+)">([^<]+)</a>: ([^<]+)</li>', errors.group(1))
    assert sorted(name for name, _label, _message in items) == sorted(bad)
    labels = {name: label for name, label, _message in items}
    assert labels["category"] == zh("Category") == "分类"
    assert labels["kind"] == zh("Kind") and labels["publisher"] == zh("Publishing city")
    assert labels["from"] == zh("Start date") and labels["zone"] == zh("Zone of the publishing city")
    for name in bad:
        assert re.search(rf'id="filter-{name}"[^>]*aria-invalid="true"', response.text), name
    assert "<script>alert(1)" not in response.text and "x" * 200 not in response.text
    assert 'id="table-' not in response.text  # no figures for filters that were refused
    # One more of each kind: the start after the end, dates with a named period.
    response = await client.get(path, params={"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 422 and 'href="#filter-from"' in response.text
    response = await client.get(path, params={"period": "this_year", "from": "2026-01-01"})
    assert response.status_code == 422 and 'href="#filter-period"' in response.text


# ---------------------------------------------------------------- languages, report, markup


async def test_chinese_by_default_english_by_the_language_switch(
    browsers: Any, world: dict[str, int]
) -> None:
    chinese = await (await browsers("reviewer")).get("/stats", params=SPAN)
    assert 'lang="zh-CN"' in chinese.text
    assert tables_of(chinese)["regions"]["rows"][0][1:3] == ["广州", "珠三角核心区"]
    assert charts_of(chinese)["cities"]["categories"][0] == "广州"
    english = await (await browsers("reviewer", lang="en")).get("/stats", params=SPAN)
    assert english.status_code == 200 and 'lang="en"' in english.text
    found = tables_of(english)
    assert found["regions"]["rows"][0][1:3] == ["Guangzhou", "Pearl River Delta core"]
    assert found["regions"]["columns"][5] == "Adoptions made"
    charts = charts_of(english)
    assert charts["cities"]["categories"][:3] == ["Guangzhou", "Shaoguan", "Shenzhen"]
    assert [s["name"] for s in charts["cities"]["series"]] == ["Adoptions made", "Adoptions received"]
    assert charts["zones"]["categories"][0] == "Pearl River Delta core"
    assert "Reuse statistics" in english.text


async def test_the_report_has_every_table_the_period_and_the_date(
    browsers: Any, world: dict[str, int]
) -> None:
    client = await browsers("admin")
    response = await client.get("/stats/report", params={**SPAN, "zone": "core"})
    assert response.status_code == 200
    assert set(tables_of(response)) == REPORT_TABLES
    assert response.text.count('class="report-section') == 8
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", response.text))
    assert "2025-01-01" in facts[zh("Period")] and "2026-05-15" in facts[zh("Period")]
    assert facts[zh("Zone of the publishing city")] == "珠三角核心区"
    assert facts[zh("Report date")] == local_today().isoformat()
    assert 'href="/stats?from=2025-01-01&amp;to=2026-05-15&amp;zone=core"' in response.text
    assert "/static/css/stats.css" in response.text and "echarts" not in response.text
    stylesheet = await client.get("/static/css/stats.css")
    assert "@media print" in stylesheet.text and ".site-header" in stylesheet.text


async def test_pages_carry_no_inline_script_or_style(browsers: Any, world: dict[str, int]) -> None:
    client = await browsers("reviewer")
    for path in ("/stats", "/stats/report", "/"):
        response = await client.get(path, params=SPAN if path != "/" else None)
        for tag in re.findall(r"<script[^>]*>", response.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"\sstyle\s*=|\son[a-z]+\s*=|javascript:|<style", response.text, re.I), path


# ---------------------------------------------------------------- the home page


async def test_the_home_page_shows_the_public_summary(
    browsers: Any, world: dict[str, int], db: AsyncSession
) -> None:
    response = await (await browsers("anonymous")).get("/")
    assert response.status_code == 200
    summary = await StatsService(db).get_summary(StatsFilters())
    shown = dict(re.findall(r'data-summary="([a-z_]+)">(\d+)</p>', response.text))
    assert shown == {
        "live_adoptions": str(summary.live_adoptions),
        "regions_with_live_adoption": str(summary.regions_with_live_adoption),
        "yuedongxibei_cities_with_live": str(summary.yuedongxibei_cities_with_live),
        "apps_with_live_adoption": str(summary.apps_with_live_adoption),
    }
    assert summary.live_adoptions == 6 and summary.regions_with_live_adoption == 4
    # What the home page showed before stays: the catalog's figures.
    assert re.search(r'<p class="figure">5</p><p>已上架应用</p>', response.text)
    assert 'href="/stats"' not in response.text  # no statistics link for anonymous visitors
    staff = await (await browsers("city")).get("/")
    assert 'href="/stats"' in staff.text  # city staff have a page of their own figures


async def test_an_empty_store_shows_zeros_not_errors(browsers: Any, db: AsyncSession) -> None:
    await make_user(db, "province_reviewer", None, username=USERS["reviewer"][2])
    client = await browsers("reviewer")
    for path in ("/stats", "/stats/report"):
        response = await client.get(path, params={"period": "last_12_months"})
        assert response.status_code == 200, path
        found = tables_of(response)
        assert [row[4:] for row in found["regions"]["rows"]] == [["0"] * 5] * 21
        assert len(found["trend"]["rows"]) == 12  # every month of the period, zeros included
        assert found["top-apps"]["rows"] == [[zh("Nothing to show for these filters.")]]
    assert card(await client.get("/stats"), "ttl_median") == "—"
