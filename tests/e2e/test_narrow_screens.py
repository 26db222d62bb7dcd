"""Phones and laptops (issue 12): every kind of page at a phone's size (390×844) and an office
laptop's (1366×768), in Chinese and English, signed out and as city staff, the reviewer and the
admin, without sideways scrolling; and what makes the small screen usable: the header menu folded
behind 菜单, the catalog's filters behind 筛选 with the first result on the first screen, the app's
facts before its long description, the SHA-256 of every download with a copy button and the
commands that check it (Windows first), one format for money, and all of it without JavaScript.

The demo store (``conftest.demo_server``, what ``make run`` serves) gives lived-in pages: long
contact e-mail addresses, reference prices, files, adoptions. One context per user, reused for
every page, its language set by the ``lang`` cookie and its size by the viewport. Nothing here
changes data. Labels are compared through the catalogs, so a translation can change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from store.lib import i18n

from .browsing import demo_context, watch_for_problems
from .conftest import keep_shot
from .demo_site import DemoServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
#: what htmx marks while a request or swap is under way
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
#: demo data (store/demo_catalog.py, store/demo_adoptions.py): an app whose contact e-mail is
#: 52 characters long (it made a laptop's page 1,392 px wide), with reference prices and files
LONG_EMAIL_APP = "/apps/gz-medical-insurance-mobile-pay"
VERSION = f"{LONG_EMAIL_APP}/versions/2.2.0"


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    user: str | None = None  # a demo user (demo_site.USERS); None: signed out


VISITS = (
    Visit("home", "/"),
    Visit("catalog", "/apps"),
    Visit("catalog-filtered", "/apps?category=governance&kind=application"),
    Visit("app", LONG_EMAIL_APP),
    Visit("version", VERSION),
    Visit("regions", "/regions"),
    Visit("region", "/regions/440300"),
    Visit("my-apps", "/my-apps", "shenzhen"),
    Visit("new-app", "/apps/new", "shenzhen"),  # the longest form: its placeholders fit
    Visit("app-as-publisher", "/apps/sz-unified-message-push", "shenzhen"),
    Visit("adoptions", "/adoptions", "meizhou"),
    Visit("adoption", "/adoptions/18", "meizhou"),
    Visit("inbox", "/inbox", "shenzhen"),
    Visit("account", "/account", "meizhou"),
    Visit("review-queue", "/review", "reviewer"),
    Visit("submission", "/apps/sz-meeting-minutes-assistant", "reviewer"),
    Visit("stats", "/stats", "admin"),
    Visit("users", "/admin/users", "admin"),
    Visit("manage-regions", "/admin/regions", "admin"),
)

#: the header's links, buttons and summaries that show on more than one line (JavaScript)
WRAPPED_IN_HEADER = """() => {
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => r.top);
    return tops.length ? (Math.max(...tops) - Math.min(...tops) > 12 ? 2 : 1) : 0;
  };
  return Array.from(document.querySelectorAll(
    ".site-header nav a, .site-header nav summary, .site-header nav button"))
    .filter((el) => el.getClientRects().length && lines(el) > 1)
    .map((el) => el.textContent.trim());
}"""
#: the placeholders wider than their box, so cut off (JavaScript: measured in the box's font)
CUT_PLACEHOLDERS = """() => {
  const ctx = document.createElement("canvas").getContext("2d");
  return Array.from(document.querySelectorAll("input[placeholder], textarea[placeholder]"))
    .filter((el) => el.getClientRects().length)
    .filter((el) => {
      const style = getComputedStyle(el);
      ctx.font = style.font;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return ctx.measureText(el.placeholder).width > room + 1;
    })
    .map((el) => `${el.name}: ${el.placeholder}`);
}"""
#: a money amount the old templates wrote: digits without separators, or needless ".00"
UNFORMATTED_MONEY = re.compile(r"¥\d{4,}|¥[\d,]+\.00(?!\d)")


def _zh(message: str) -> str:
    return i18n.translations("zh_CN").gettext(message)


def _says(locale: str, message: str) -> str:
    return _zh(message) if locale == "zh_CN" else message


class Tabs:
    """One context and tab per demo user (and one signed out). A tab's JavaScript errors and
    Content-Security-Policy violations, and the server errors it meets, are problems."""

    def __init__(self, browser: Browser, demo: DemoServer) -> None:
        self.browser = browser
        self.demo = demo
        self.pages: dict[str | None, Page] = {}
        self.problems: list[str] = []

    def open(self, user: str | None, viewport: dict[str, int], locale: str) -> Page:
        if user not in self.pages:
            self.pages[user] = self._new(user)
        page = self.pages[user]
        page.context.add_cookies([{"name": "lang", "value": locale, "url": self.demo.url}])
        page.set_viewport_size(viewport)
        return page

    def _new(self, user: str | None, **options: Any) -> Page:
        page = demo_context(self.browser, self.demo, user, timeout_ms=15_000, **options).new_page()
        watch_for_problems(page, self.problems)
        return page

    def fresh(self, viewport: dict[str, int], locale: str, **options: Any) -> Page:
        """A tab of its own (closed by the caller's ``close``), e.g. without JavaScript."""
        page = self._new(None, viewport=viewport, **options)
        page.context.add_cookies([{"name": "lang", "value": locale, "url": self.demo.url}])
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def tabs(browser: Browser, demo_server: DemoServer) -> Iterator[Tabs]:
    opened = Tabs(browser, demo_server)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(autouse=True)
def no_problems(tabs: Tabs) -> Iterator[None]:
    """Each test fails on the script errors, CSP violations and server errors its pages met."""
    yield
    problems, tabs.problems[:] = list(tabs.problems), []
    assert not problems, "\n".join(problems)


def _goto(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    assert page.url.split("?")[0].endswith(path.split("?")[0]), f"{path} ended on {page.url}"
    page.wait_for_function(HTMX_IDLE)


def _overflow(page: Page) -> int:
    """How far the page scrolls sideways (0 when it does not)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _expanded(page: Page, summary_name: str) -> bool | None:
    """Whether assistive technology hears the disclosure named ``summary_name`` as expanded:
    Chromium's accessibility tree, where a <summary> is a disclosure triangle."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    for node in nodes:
        if node.get("role", {}).get("value") != "DisclosureTriangle":
            continue
        if node.get("name", {}).get("value", "").startswith(summary_name):
            states = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
            return bool(states.get("expanded"))
    return None


# -- every page, both sizes, both languages -----------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("visit", VISITS, ids=lambda v: v.name)
def test_no_page_scrolls_sideways(tabs: Tabs, visit: Visit, size: str, locale: str) -> None:
    page = tabs.open(visit.user, VIEWPORTS[size], locale)
    _goto(page, visit.path)
    assert _overflow(page) <= 0, f"{visit.path} scrolls sideways by {_overflow(page)} px"
    assert page.evaluate(WRAPPED_IN_HEADER) == [], "header items broken over lines"
    assert page.evaluate(CUT_PLACEHOLDERS) == [], "placeholders cut off"
    # The menu: folded behind its button on a phone, every link shown on a laptop.
    menu, links = page.locator(".site-menu"), page.locator(".site-links a").first
    if size == "phone":
        expect(menu.locator("> summary")).to_be_visible()
        expect(links).to_be_hidden()
    else:
        expect(menu.locator("> summary")).to_be_hidden()
        expect(links).to_be_visible()
    main = page.locator("main").inner_text()
    assert not UNFORMATTED_MONEY.search(main), UNFORMATTED_MONEY.search(main)


# -- the header menu ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_menu_opens_and_closes_on_a_phone(tabs: Tabs, locale: str, shots_dir: Any) -> None:
    page = tabs.open("shenzhen", PHONE, locale)
    _goto(page, "/")
    menu_name = _says(locale, "Menu")
    summary = page.locator(".site-menu > summary")
    assert _expanded(page, menu_name) is False
    # the folded menu shows the sum of its links' badges, so the phone user sees something waits
    counts = [int(t) for t in page.locator(".site-menu-body .badge.count").all_text_contents()]
    assert counts, "the demo's 深圳 user has notifications"
    expect(summary.locator(".badge.count")).to_have_text(str(sum(counts)))

    summary.click()
    assert _expanded(page, menu_name) is True
    catalog = page.locator(f'.site-links a[href="/apps"]:text-is("{_says(locale, "Catalog")}")')
    expect(catalog).to_be_visible()
    expect(page.locator(".site-account .inbox-link")).to_be_visible()
    assert page.evaluate(WRAPPED_IN_HEADER) == []
    assert _overflow(page) <= 0
    shot = shots_dir / f"menu-open-{locale}-390.png"
    page.screenshot(path=str(shot))
    keep_shot(shot)

    page.keyboard.press("Escape")  # from inside the open menu: closed, focus back on its button
    assert _expanded(page, menu_name) is False
    expect(catalog).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('.site-menu > summary')")

    # A window that grows to a laptop's width shows every link again, without the button.
    page.set_viewport_size(LAPTOP)
    expect(catalog).to_be_visible()
    expect(summary).to_be_hidden()
    page.set_viewport_size(PHONE)
    expect(catalog).to_be_hidden()


#: the header's rows: how many distinct tops its items have, and the nav's height against the
#: tallest item's (one row: the nav is as tall as its tallest item)
HEADER_ROWS = """() => {
  const nav = document.querySelector(".site-header nav");
  const items = Array.from(nav.querySelectorAll(":scope > ul > li, .site-links > li, .site-account > li"))
    .filter((el) => el.getClientRects().length);
  const boxes = items.map((el) => el.getBoundingClientRect());
  return {
    tops: new Set(boxes.map((b) => Math.round(b.top))).size,
    nav: nav.getBoundingClientRect().height,
    tallest: Math.max(...boxes.map((b) => b.height)),
  };
}"""


@pytest.mark.parametrize("user", ["admin", "reviewer"])
def test_the_header_is_one_row_on_a_laptop_in_english(tabs: Tabs, user: str, shots_dir: Any) -> None:
    """English labels are the widest: the admin (the most pages: review, statistics, users,
    regions) and the reviewer still get the brand, the pages, the inbox, their name and the
    language on one row at 1366 px; the admin pages and signing out are in the name's menu."""
    page = tabs.open(user, LAPTOP, "en")
    _goto(page, "/")
    rows = page.evaluate(HEADER_ROWS)
    assert rows["tops"] == 1 and rows["nav"] <= rows["tallest"] + 1, f"the header wraps: {rows}"
    assert _overflow(page) <= 0
    assert page.evaluate(WRAPPED_IN_HEADER) == []
    for path in ("/apps", "/regions", "/guide", "/adoptions", "/review", "/stats"):
        expect(page.locator(f'.site-links a[href="{path}"]')).to_be_visible()
    menu = page.locator(".site-account .account-menu")
    expect(menu.locator("> summary .user-name")).to_be_visible()
    sign_out = menu.locator('form[action="/logout"] button')
    expect(sign_out).to_be_hidden()
    menu.locator("> summary").click()
    expect(sign_out).to_be_visible()
    admin_pages = menu.locator('a[href="/admin/users"], a[href="/admin/regions"]')
    expect(admin_pages).to_have_count(2 if user == "admin" else 0)
    if user == "admin":
        shot = shots_dir / "header-admin-en-1366.png"
        page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": LAPTOP["width"], "height": 400})
        keep_shot(shot)
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('.account-menu > summary')")


def test_the_admins_menu_folds_on_a_phone_in_english(tabs: Tabs) -> None:
    """At 390 px the same header folds behind Menu; open, it shows the pages and the account
    menu, whose Escape closes only itself."""
    page = tabs.open("admin", PHONE, "en")
    _goto(page, "/")
    summary = page.locator(".site-menu > summary")
    expect(summary).to_have_text(re.compile(r"^Menu"))
    expect(page.locator('.site-links a[href="/stats"]')).to_be_hidden()
    summary.click()
    expect(page.locator('.site-links a[href="/stats"]')).to_be_visible()
    page.locator(".account-menu > summary").click()
    users = page.locator('.account-menu a[href="/admin/users"]')
    expect(users).to_be_visible()
    assert page.evaluate(WRAPPED_IN_HEADER) == []
    assert _overflow(page) <= 0
    page.keyboard.press("Escape")
    expect(users).to_be_hidden()
    expect(page.locator('.site-links a[href="/stats"]')).to_be_visible()  # the menu stays open
    page.keyboard.press("Escape")
    expect(page.locator('.site-links a[href="/stats"]')).to_be_hidden()


# -- the catalog ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalog_filters_fold_and_the_first_result_is_on_the_first_screen(
    tabs: Tabs, locale: str, shots_dir: Any
) -> None:
    page = tabs.open(None, PHONE, locale)
    _goto(page, "/apps")
    first = page.locator(".search-results article.app-card").first
    box = first.bounding_box()
    assert box is not None and box["y"] + 80 <= PHONE["height"], f"first result at {box}"
    shot = shots_dir / f"catalog-{locale}-390.png"
    page.screenshot(path=str(shot))
    keep_shot(shot)

    filters = page.locator(".facet-fold")
    summary = filters.locator("> summary")
    expect(summary).to_have_text(_says(locale, "Filters"))
    kind = page.locator('a.facet-option[data-facet="kind"]').first
    expect(kind).to_be_hidden()
    summary.click()
    assert _expanded(page, _says(locale, "Filters")) is True
    expect(kind).to_be_visible()
    with page.expect_navigation():
        kind.click()
    assert "kind=" in page.url
    # the next page comes folded again, the button counting the filter, the results first
    expect(page.locator('a.facet-option[data-facet="category"]').first).to_be_hidden()
    expect(summary.locator(".badge")).to_have_text("1")
    box = page.locator(".search-results article.app-card").first.bounding_box()
    assert box is not None and box["y"] + 80 <= PHONE["height"]

    # A search swaps the results in with htmx: the new filters come folded too.
    with page.expect_response(lambda r: "/apps?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("#catalog-q", "医保")
        page.press("#catalog-q", "Enter")
    page.wait_for_function(HTMX_IDLE)
    expect(page.locator(".facet-fold > summary")).to_be_visible()
    assert page.evaluate("document.querySelector('.facet-fold').open") is False

    # On a laptop the filters stand beside the results, without the button.
    page.set_viewport_size(LAPTOP)
    _goto(page, "/apps")
    expect(page.locator(".facet-fold > summary")).to_be_hidden()
    expect(page.locator('a.facet-option[data-facet="kind"]').first).to_be_visible()
    facets, results = _box(page, ".facets"), _box(page, ".search-results")
    assert facets["x"] + facets["width"] <= results["x"]


# -- the app page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_apps_facts_come_before_its_description_on_a_phone(
    tabs: Tabs, locale: str, shots_dir: Any
) -> None:
    page = tabs.open(None, PHONE, locale)
    _goto(page, LONG_EMAIL_APP)
    facts, body = _box(page, ".app-facts"), _box(page, ".app-body")
    assert facts["y"] < body["y"]
    assert facts["y"] < 2 * PHONE["height"], f"the facts start {facts['y']} px down"
    email = page.locator('.app-facts a[href^="mailto:"]')
    expect(email).to_be_visible()
    mail_box = email.bounding_box()
    assert mail_box is not None and mail_box["x"] + mail_box["width"] <= PHONE["width"]
    shot = shots_dir / f"app-{locale}-390.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot)

    # On a laptop the facts are the right-hand column, level with the description, and the
    # 52-character e-mail address wraps inside it.
    page.set_viewport_size(LAPTOP)
    _goto(page, LONG_EMAIL_APP)
    facts, body = _box(page, ".app-facts"), _box(page, ".app-body")
    assert facts["x"] >= body["x"] + body["width"] and abs(facts["y"] - body["y"]) < 2
    mail_box = email.bounding_box()
    assert mail_box is not None and mail_box["x"] + mail_box["width"] <= facts["x"] + facts["width"] + 1
    assert _overflow(page) <= 0


@pytest.mark.parametrize(
    ("locale", "shown", "not_shown"),
    [
        ("zh_CN", re.compile(r"\d+(\.\d{1,2})? 万元"), ".00"),  # 12 万元, 13.5 万元
        ("en", re.compile(r"¥\d{1,3}(,\d{3})+"), "万元"),  # ¥120,000
    ],
)
def test_money_has_one_format(tabs: Tabs, locale: str, shown: re.Pattern[str], not_shown: str) -> None:
    page = tabs.open(None, LAPTOP, locale)
    _goto(page, LONG_EMAIL_APP)
    facts = page.locator(".app-facts dl.facts").inner_text()
    assert len(shown.findall(facts)) >= 3, facts  # the fee and both reference prices
    assert not_shown not in facts and not UNFORMATTED_MONEY.search(facts)


# -- downloads ------------------------------------------------------------------------------------


def _commands(name: str) -> list[str]:
    return [
        f"certutil -hashfile {name} SHA256",
        f"Get-FileHash {name} -Algorithm SHA256",
        f"sha256sum {name}",
        f"shasum -a 256 {name}",
    ]


@pytest.mark.parametrize("path", [VERSION, LONG_EMAIL_APP], ids=["version", "app"])
def test_each_download_has_its_sha256_to_copy_and_the_commands_to_check_it(
    browser: Browser, demo_server: DemoServer, path: str
) -> None:
    context: BrowserContext = browser.new_context(base_url=demo_server.url, locale="zh-CN", viewport=PHONE)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server.url)
        page = context.new_page()
        _goto(page, path)
        item = page.locator("ul.artifacts > li").first
        name = item.locator('a[href$="/download"]').inner_text().strip()
        sha = item.locator("code.sha256").inner_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", sha)
        copy = item.locator(".checksum button[data-copy]")
        copy.click()
        expect(item.locator(".checksum .copy-status")).to_have_text(_zh("Copied"))
        assert page.evaluate("navigator.clipboard.readText()") == sha

        # 如何校验: Windows first, with the file's real name; each command copies too
        verify = page.locator("details.verify").first
        verify.locator("summary").click()
        commands = [c.strip() for c in verify.locator("dl.commands code").all_inner_texts()]
        assert commands == _commands(name)
        assert verify.locator("dl.commands dt").all_inner_texts()[:2] == [
            _zh("Windows Command Prompt"),
            _zh("Windows PowerShell"),
        ]
        verify.locator("dl.commands button[data-copy]").nth(1).click()
        assert page.evaluate("navigator.clipboard.readText()") == commands[1]
        assert _overflow(page) <= 0
    finally:
        context.close()


# -- without JavaScript ---------------------------------------------------------------------------


def test_without_javascript_everything_is_there(tabs: Tabs) -> None:
    """The menu and the filters come open, so a browser without scripts shows them; the copy
    buttons, which need a script, stay hidden and the hash is there to select."""
    page = tabs.fresh(PHONE, "zh_CN", java_script_enabled=False)
    try:
        _goto(page, "/apps")
        expect(page.locator('.site-links a[href="/apps"]')).to_be_visible()
        expect(page.locator('a.facet-option[data-facet="kind"]').first).to_be_visible()
        assert _overflow(page) <= 0
        _goto(page, VERSION)
        expect(page.locator("ul.artifacts code.sha256").first).to_be_visible()
        expect(page.locator("button[data-copy]").first).to_be_hidden()
        assert _overflow(page) <= 0
    finally:
        page.context.close()


def test_a_page_seen_again_keeps_its_style(tabs: Tabs) -> None:
    """Coming back to a page, the browser revalidates its copy and gets a 304; the page must keep
    the policy it came with. (A 304 sent with the policy of non-pages, ``default-src 'none'``,
    blocked the stylesheets and scripts of every page seen again.)"""
    page = tabs.fresh(LAPTOP, "zh_CN")
    try:
        for path in ("/apps", "/", "/apps"):
            _goto(page, path)
        expect(page.locator(".facet-fold > summary")).to_be_hidden()  # store.css applies
        assert page.evaluate("document.querySelector('.site-menu').open") is True
    finally:
        page.context.close()
