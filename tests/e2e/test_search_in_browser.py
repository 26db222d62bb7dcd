"""Search in a real browser: the header box's type-ahead, the catalog page's facets and empty
state, and both at a phone's width and a laptop's without sideways scrolling.

Two apps are published through the API (tokens issued in the live server's database) under
names no other browser test uses: 河长制 apps, one of 一网统管 (governance) and one of 一网通办
(services), both from Shenzhen. Selectors are ids, hrefs and data attributes, not labels.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from store.db import models as m
from store.db.engine import create_engine, session_maker
from store.settings import DatabaseSettings
from tests.factories import app_payload, make_token

from .conftest import LiveServer, keep_shot

pytestmark = pytest.mark.browser

SUFFIX = uuid.uuid4().hex[:6]
PATROL = f"hzz-patrol-{SUFFIX}"
COMPLAINTS = f"hzz-complaints-{SUFFIX}"
APPS = {
    PATROL: {
        "name": "河长制巡河管理系统",
        "category": "governance",
        "summary": "河长巡河轨迹、问题上报与督办闭环。",
    },
    COMPLAINTS: {
        "name": "河长制公众投诉平台",
        "category": "services",
        "summary": "群众随手拍投诉河湖问题，限时办结。",
    },
}


def _issue_tokens(live_server: LiveServer) -> dict[str, str]:
    """API tokens of the live server's publisher and reviewer, written into its database (in a
    thread: the sync Playwright's loop counts as running in this one)."""

    async def issue() -> dict[str, str]:
        engine = create_engine(
            DatabaseSettings(url=f"sqlite+aiosqlite:///{live_server.var_dir / 'store.db'}")
        )
        try:
            async with session_maker(engine)() as session:
                tokens = {}
                for username in (live_server.publisher, live_server.reviewer):
                    user = await session.scalar(select(m.User).where(m.User.username == username))
                    assert user is not None
                    tokens[username] = await make_token(session, user, name=f"search-{SUFFIX}")
                return tokens
        finally:
            await engine.dispose()

    found: dict[str, str] = {}
    failure: list[BaseException] = []

    def work() -> None:
        try:
            found.update(asyncio.run(issue()))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=work, name="e2e-search-tokens")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return found


@pytest.fixture(scope="module")
def published(live_server: LiveServer) -> Iterator[dict[str, dict[str, str]]]:
    """The two 河长制 apps, created, given a file, submitted and approved through the API."""
    tokens = _issue_tokens(live_server)
    publisher = {"Authorization": f"Bearer {tokens[live_server.publisher]}"}
    reviewer = {"Authorization": f"Bearer {tokens[live_server.reviewer]}"}
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        for slug, fields in APPS.items():
            created = api.post(
                "/api/v1/apps",
                json=app_payload(slug=slug, name_en=f"River chief {slug}", **fields),
                headers=publisher,
            )
            assert created.status_code == 201, created.text
            stored = api.post(
                f"/api/v1/apps/{slug}/versions/1.0.0/artifacts",
                params={"filename": "deploy.zip", "kind": "package"},
                content=b"package " + slug.encode(),
                headers={**publisher, "content-type": "application/octet-stream"},
            )
            assert stored.status_code == 201, stored.text
            assert api.post(f"/api/v1/apps/{slug}/submit", headers=publisher).status_code == 200
            approved = api.post(f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=reviewer)
            assert approved.status_code == 200, approved.text
    yield APPS


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_header_type_ahead_goes_to_the_app(page: Page, published, shots_dir: Path) -> None:
    page.goto("/")
    box = page.locator("header #site-search")
    expect(box).to_have_attribute("aria-label", re.compile(".+"))
    box.press_sequentially("河长制巡", delay=60)
    suggestion = page.locator(f'#site-search-suggestions a[href="/apps/{PATROL}"]')
    expect(suggestion).to_be_visible()
    expect(suggestion.locator("mark").first).to_be_visible()  # what was typed is marked
    shot = shots_dir / "type-ahead.png"
    page.screenshot(path=str(shot))
    keep_shot(shot)
    # Keyboard: the arrow key reaches the suggestions, Escape closes them.
    box.press("ArrowDown")
    expect(page.locator("#site-search-suggestions a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#site-search-suggestions a")).to_have_count(0)
    expect(box).to_be_focused()
    box.press_sequentially("河", delay=60)
    expect(suggestion).to_be_visible()
    with page.expect_navigation():
        suggestion.click()
    assert page.url.endswith(f"/apps/{PATROL}"), page.url
    expect(page.locator("h1")).to_contain_text(APPS[PATROL]["name"])


def test_enter_in_the_header_box_searches_the_catalog(page: Page, published) -> None:
    page.goto("/regions")
    page.locator("header #site-search").fill("河长制")
    with page.expect_navigation():
        page.locator("header #site-search").press("Enter")
    assert urlparse(page.url).path == "/apps"
    assert _query(page)["q"] == ["河长制"]
    expect(page.locator("#catalog-q")).to_have_value("河长制")


def test_a_facet_click_narrows_and_the_url_keeps_the_state(page: Page, published, shots_dir: Path) -> None:
    page.goto("/apps?q=河长制")
    results = page.locator(".search-results article.app-card")
    expect(results).to_have_count(2)
    expect(page.locator(".search-results mark").first).to_be_visible()
    services = page.locator('a.facet-option[data-facet="category"][href*="category=services"]')
    expect(services).to_contain_text("(1)")
    with page.expect_navigation():
        services.click()
    assert _query(page) == {"q": ["河长制"], "category": ["services"]}
    expect(results).to_have_count(1)
    expect(results.first.locator(f'a[href="/apps/{COMPLAINTS}"]')).to_be_visible()
    # The chosen option is marked and offers its removal; the sort keeps the filter.
    expect(page.locator('a.facet-option.active[aria-current="true"]')).to_have_count(1)
    with page.expect_navigation():
        page.locator('.sort a[data-sort="newest"]').click()
    assert _query(page) == {"q": ["河长制"], "category": ["services"], "sort": ["newest"]}
    expect(results).to_have_count(1)
    # A new search from the page's box keeps the filter and the sort (hidden fields).
    page.locator("#catalog-q").fill("投诉")
    page.locator("#catalog-q").press("Enter")
    page.wait_for_url(re.compile(r".*q=%E6%8A%95%E8%AF%89.*"))
    assert _query(page) == {"q": ["投诉"], "category": ["services"], "sort": ["newest"]}
    expect(results).to_have_count(1)
    shot = shots_dir / "search-1366.png"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot)
    _no_sideways_scroll(page)


def test_the_empty_state_offers_a_way_out(page: Page, published, shots_dir: Path) -> None:
    page.goto("/apps?q=河长制&zone=east_wing")
    empty = page.locator(".empty-state")
    expect(empty).to_be_visible()
    shot = shots_dir / "search-empty.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot)
    expect(page.locator(".search-results > .card-grid")).to_have_count(0)  # no results, only help
    expect(empty.locator(".popular article.app-card").first).to_be_visible()  # popular apps
    with page.expect_navigation():
        empty.locator('a[data-remove="zone"]').click()
    assert _query(page) == {"q": ["河长制"]}
    expect(page.locator(".search-results article.app-card")).to_have_count(2)


@pytest.mark.parametrize("width", [390, 1366])
def test_nothing_scrolls_sideways(page: Page, published, shots_dir: Path, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    urls = ("/", "/apps", "/apps?q=河长制&category=governance", "/apps?q=河长制&zone=east_wing")
    # Chinese first, then English, whose longer labels are the harder case for a narrow header.
    for language in ("zh_CN", "en"):
        page.goto(f"/lang/{language}")
        for url in urls:
            page.goto(url)
            _no_sideways_scroll(page)
    page.goto("/lang/zh_CN")
    # The catalog page has its own search box; the header's (with type-ahead) is on every other page.
    page.goto("/")
    page.locator("header #site-search").press_sequentially("河长", delay=60)
    expect(page.locator("#site-search-suggestions a").first).to_be_visible()
    _no_sideways_scroll(page)
    shot = shots_dir / f"search-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot)
