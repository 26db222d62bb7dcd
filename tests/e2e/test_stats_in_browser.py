"""The statistics dashboard in a real browser: every chart drawn by ECharts (a canvas in each box)
without a script error or a CSP violation (the ``page`` fixture fails the test on either), the
table beside each chart opening and closing, the filters going into the URL and changing the
numbers, the printable report, city staff's reduced page, English labels, and no sideways scroll
at a phone's width (390 px) or a laptop's (1366 px).

The figures are the statistics tests' known scenario (tests/integration/stats/scenario.py),
written into the live server's database once for this module; its slugs are used by no other
browser test. Selectors are ids and data attributes, not labels.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from store.db.engine import create_engine, session_maker
from store.settings import DatabaseSettings
from tests.integration.stats.scenario import build

from .conftest import LiveServer, keep_shot

pytestmark = pytest.mark.browser

CHARTS = (
    "states",
    "cities",
    "contribution",
    "reuse",
    "tiles",
    "matrix",
    "trend",
    "zones",
    "time-to-live",
    "top-apps",
)


@pytest.fixture(scope="module")
def scenario(live_server: LiveServer) -> Iterator[None]:
    """The scenario's apps, versions and adoptions in the live server's database (in a thread: the
    sync Playwright's event loop counts as running in this one)."""

    async def write() -> None:
        engine = create_engine(
            DatabaseSettings(url=f"sqlite+aiosqlite:///{live_server.var_dir / 'store.db'}")
        )
        try:
            async with session_maker(engine)() as session:
                await build(session)
        finally:
            await engine.dispose()

    failure: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(write())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=work, name="e2e-stats-scenario")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    yield


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Every console error the page logs (the ``page`` fixture only fails on script errors and
    CSP violations)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    expect(page.locator("header .account-menu .user-name")).to_have_text(username)


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _expect_charts_drawn(page: Page) -> None:
    for chart in CHARTS:
        box = page.locator(f'[data-chart="{chart}"]')
        expect(box).to_have_attribute("data-drawn", "true")
        expect(box.locator("canvas").first).to_be_visible()
        assert box.bounding_box()["height"] > 100, chart  # type: ignore[index]
    expect(page.locator(".chart-fallback")).to_have_count(0)


def _cell(page: Page, table: str, row_header: str, column: int) -> str:
    """The text of a cell: in ``table``, the row headed ``row_header``, the ``column``-th cell."""
    row = page.locator(f"#table-{table} tbody tr").filter(has=page.locator(f'th:text-is("{row_header}")'))
    return row.locator("th, td").nth(column).inner_text()


def _shot(page: Page, shots_dir: Path, name: str) -> None:
    shot = shots_dir / name
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot)


def test_every_chart_is_drawn_with_its_table_beside_it(
    page: Page, live_server: LiveServer, scenario: None, console_errors: list[str], shots_dir: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server.reviewer, live_server.password)
    expect(page.locator('header a[href="/stats"]')).to_be_visible()  # the 统计 link
    with page.expect_navigation():
        page.click('header a[href="/stats"]')
    _expect_charts_drawn(page)
    # The table beside a chart: closed, opened from its toggle, closed again.
    matrix = page.locator("#table-matrix")
    expect(matrix).to_be_hidden()
    page.click('details[data-table-toggle="matrix"] > summary')
    expect(matrix).to_be_visible()
    expect(matrix.locator("tbody tr")).to_have_count(21)
    expect(matrix.locator("caption")).not_to_be_empty()
    # 深圳's apps run live in 梅州 (and its district 梅江区), rolled up into one cell.
    assert _cell(page, "matrix", "深圳", 12) == "2"
    page.click('details[data-table-toggle="matrix"] > summary')
    expect(matrix).to_be_hidden()
    page.click('details[data-table-toggle="cities"] > summary')
    expect(page.locator("#table-regions tbody tr")).to_have_count(21)
    # Downloads carry the page's filters (none here).
    expect(page.locator('#figure-matrix a[data-format="csv"]')).to_have_attribute(
        "href", "/api/v1/stats/matrix?format=csv"
    )
    _shot(page, shots_dir, "stats-dashboard-1366.png")
    tiles = shots_dir / "stats-tiles-1366.png"
    page.locator('[data-chart="tiles"]').screenshot(path=str(tiles))
    keep_shot(tiles)
    _no_sideways_scroll(page)
    assert console_errors == []


def test_filters_go_into_the_url_and_change_the_numbers(
    page: Page, live_server: LiveServer, scenario: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server.reviewer, live_server.password)
    page.goto("/stats")
    page.click('details[data-table-toggle="cities"] > summary')
    # All apps: 广州 received three requests (for gz-portal), 深圳 eight.
    assert _cell(page, "regions", "广州", 6) == "3"
    page.select_option("#filter-publisher", "440300")
    page.select_option("#filter-category", "governance")
    with page.expect_navigation():
        page.click('#stats-filters button[type="submit"]')
    assert _query(page) == {"category": ["governance"], "publisher": ["440300"]}  # empty fields left out
    expect(page.locator("#filter-publisher")).to_have_value("440300")
    _expect_charts_drawn(page)
    page.click('details[data-table-toggle="cities"] > summary')
    assert _cell(page, "regions", "广州", 6) == "0"  # only 深圳's governance app counts now
    assert _cell(page, "regions", "深圳", 6) == "5"
    expect(page.locator("#report-link")).to_have_attribute(
        "href", "/stats/report?category=governance&publisher=440300"
    )
    expect(page.locator('#figure-cities a[data-format="xlsx"]')).to_have_attribute(
        "href", "/api/v1/stats/regions?category=governance&publisher=440300&format=xlsx"
    )
    # A named period turns the dates off; a custom range sends them.
    page.select_option("#filter-period", "this_year")
    expect(page.locator("#filter-from")).to_be_disabled()
    page.select_option("#filter-period", "custom")
    expect(page.locator("#filter-from")).to_be_enabled()
    page.fill("#filter-from", "2026-01-01")
    page.fill("#filter-to", "2026-03-31")
    with page.expect_navigation():
        page.click('#stats-filters button[type="submit"]')
    assert _query(page) == {
        "period": ["custom"], "from": ["2026-01-01"], "to": ["2026-03-31"],
        "category": ["governance"], "publisher": ["440300"],
    }  # fmt: skip
    expect(page.locator("[data-period-text]")).to_contain_text("2026-01-01")
    _expect_charts_drawn(page)
    assert console_errors == []


def test_a_phone_shows_everything_without_sideways_scrolling(
    page: Page, live_server: LiveServer, scenario: None, shots_dir: Path
) -> None:
    sign_in(page, live_server.reviewer, live_server.password)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/stats")
    _expect_charts_drawn(page)
    for chart in CHARTS:  # every table open: the widest (the matrix) scrolls in its own box
        page.click(f'details[data-table-toggle="{chart}"] > summary')
    expect(page.locator("#table-matrix")).to_be_visible()
    chart_width = page.locator('[data-chart="matrix"] canvas').first.bounding_box()["width"]  # type: ignore[index]
    assert chart_width <= 390
    _no_sideways_scroll(page)
    _shot(page, shots_dir, "stats-dashboard-390.png")
    tiles = shots_dir / "stats-tiles-390.png"
    page.locator('[data-chart="tiles"]').screenshot(path=str(tiles))
    keep_shot(tiles)
    # Back to a laptop's width: the charts follow their boxes.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_function(
        "document.querySelector('[data-chart=\"trend\"] canvas').getBoundingClientRect().width > 600"
    )
    _no_sideways_scroll(page)


def test_the_report_prints_every_table_without_the_navigation(
    page: Page, live_server: LiveServer, scenario: None, shots_dir: Path
) -> None:
    sign_in(page, live_server.reviewer, live_server.password)
    page.goto("/stats/report?period=last_12_months")
    expect(page.locator("[data-print]")).to_be_visible()
    expect(page.locator(".report-section")).to_have_count(8)
    expect(page.locator(".stats-report table")).to_have_count(11)
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    _no_sideways_scroll(page)
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    expect(page.locator("#table-matrix")).to_be_visible()
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('.report-section')).map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks[1:] == ["page"] * 7, breaks
    _shot(page, shots_dir, "stats-report-print.png")
    pdf = shots_dir / "stats-report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 10_000
    keep_shot(pdf)


def test_city_staff_see_their_own_city_only(
    page: Page, live_server: LiveServer, scenario: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server.publisher, live_server.password)
    expect(page.locator('header a[href="/stats"]')).to_have_count(0)  # the 统计 link is the province's
    page.goto("/stats")
    expect(page.locator("#table-regions tbody tr")).to_have_count(1)
    expect(page.locator("#table-regions tbody th")).to_have_text("深圳")
    expect(page.locator("[data-chart]")).to_have_count(0)
    _no_sideways_scroll(page)
    assert console_errors == []


def test_english_labels_come_from_the_language_switch(
    page: Page, live_server: LiveServer, scenario: None
) -> None:
    sign_in(page, live_server.reviewer, live_server.password)
    page.goto("/lang/en?next=/stats")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _expect_charts_drawn(page)
    names = page.evaluate("JSON.parse(document.getElementById('stats-charts').textContent).cities.categories")
    assert names[:3] == ["Guangzhou", "Shaoguan", "Shenzhen"]
    page.click('details[data-table-toggle="tiles"] > summary')
    expect(page.locator("#table-tiles tbody th").first).to_have_text("Guangzhou")
