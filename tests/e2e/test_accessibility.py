"""Every kind of page checked with axe-core: zero violations of any impact.

The pages of the demo store (``conftest.demo_server``: the catalog, adoptions and users ``make run``
shows), each as the people who use it see it: signed out, as 梅州 and 深圳 city staff, as the
provincial reviewer and the admin. Each in Chinese at an office laptop's size (1366×768) and a
phone's (390×844); a subset in English at both sizes. One context per user, reused for every
page, its language chosen by the ``lang`` cookie and its size by the viewport.

A page counts only if it is the page meant (no redirect to the sign-in page, the expected status)
and once what it loads after the first paint is in (htmx requests, Swagger UI, the charts). A
page that is refused a stylesheet or script, or logs a JavaScript error or a Content-Security-Policy
violation, or a request answered with a server error, fails the test too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from . import axe
from .browsing import demo_context, watch_for_problems
from .conftest import CSP_REPORTER
from .demo_site import DemoServer

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
#: what htmx marks while a request or swap is under way
HTMX_BUSY = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def _edit_with_errors(page: Page) -> Response | None:
    """Save the edit form with its required name and summary emptied: the page shows the errors."""
    form = page.locator("form.app-form")
    form.locator('input[name="name"]').fill("")
    form.locator('input[name="summary"]').fill("")
    with page.expect_navigation() as saved:
        form.locator('button[type="submit"]').last.click()
    expect(page.locator('[aria-invalid="true"]').first).to_be_visible()
    return saved.value


@dataclass(frozen=True)
class Visit:
    """One page, as one user sees it."""

    path: str
    user: str | None = None  # a demo user (demo_site.USERS), None when signed out
    english: bool = False  # in the English subset
    status: int = 200
    ready: str | None = None  # a selector that shows the page has finished drawing
    then: Callable[[Page], Response | None] | None = None  # an action after loading; its page is checked

    @property
    def name(self) -> str:
        action = f" then {self.then.__name__}" if self.then else ""
        return f"{self.path}{action} as {self.user or 'visitor'}"


#: slugs, versions and adoptions of the demo data (store/demo_catalog.yaml, store/demo_adoptions.py)
SZ_APP = "/apps/sz-unified-message-push"  # published by 深圳, not reused by 梅州
MZ_DRAFT = "/apps/mz-hakka-talent-services"  # a 梅州 draft with a version
VISITS = (
    # signed out
    Visit("/", english=True),
    Visit("/apps"),
    Visit("/apps?category=governance&zone=east_wing", english=True),
    Visit("/apps?q=医保"),
    Visit(SZ_APP, english=True),
    Visit(f"{SZ_APP}/versions/2.0.0", english=True),
    Visit("/regions"),
    Visit("/regions/441400", english=True),
    Visit("/regions/441402"),  # a district (梅江区)
    Visit("/adoptions/1"),
    Visit("/login", english=True),
    Visit("/guide", english=True),
    Visit("/schema", ready=".swagger-ui .opblock"),
    Visit("/apps/no-such-app", status=404, english=True),
    # 梅州 city staff: publishes its own apps, reuses others'
    Visit("/account", "meizhou"),
    Visit("/inbox", "meizhou"),
    Visit("/my-apps", "meizhou"),
    Visit("/apps/new", "meizhou", english=True),
    Visit(f"{MZ_DRAFT}/edit", "meizhou", english=True, status=422, then=_edit_with_errors),
    Visit(MZ_DRAFT, "meizhou"),
    Visit(f"{MZ_DRAFT}/versions/new", "meizhou"),
    Visit(f"{MZ_DRAFT}/versions/0.1.0", "meizhou"),
    Visit(f"{MZ_DRAFT}/submit", "meizhou"),
    Visit(f"{SZ_APP}/adopt", "meizhou", english=True),
    Visit("/adoptions", "meizhou"),
    Visit("/adoptions/18", "meizhou", english=True),  # 梅州's own, being deployed
    Visit("/adoptions/outdated", "meizhou"),
    Visit("/admin/users", "meizhou", status=403),
    # 深圳 city staff: the publisher of apps others reuse
    Visit("/apps/sz-e-license-verification", "shenzhen"),
    Visit("/adoptions/9", "shenzhen"),  # 河源 reuses a 深圳 app
    Visit("/my-apps", "shenzhen"),
    Visit(f"{SZ_APP}/history", "shenzhen"),
    # the provincial reviewer
    Visit("/review", "reviewer", english=True),
    Visit("/apps/sz-meeting-minutes-assistant", "reviewer"),  # a submission to decide on
    Visit("/apps/zj-fishing-vessel-monitoring/versions/1.1.0", "reviewer"),  # a release to decide on
    Visit("/stats", "reviewer", english=True, ready="[data-chart] canvas"),
    Visit("/stats/report", "reviewer"),
    # the provincial admin
    Visit("/admin/users", "admin"),
    Visit("/admin/users/4", "admin"),  # 梅州's account
    Visit("/admin/regions", "admin"),
)


#: a page with nothing for axe to find, for checking the checker
PROBE_PAGE = """<!doctype html><html lang="en"><head><title>Probe</title></head>
<body><main><h1>Probe</h1><p>Nothing to find here.</p></main></body></html>"""


@dataclass(frozen=True)
class Setting:
    locale: str
    viewport: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.locale} {self.viewport['width']}×{self.viewport['height']}"


SETTINGS = (
    Setting("zh_CN", LAPTOP),
    Setting("zh_CN", PHONE),
    Setting("en", LAPTOP),
    Setting("en", PHONE),
)


class Users:
    """One browser context per demo user (and one signed out), each with axe loaded; a page's
    JavaScript errors, Content-Security-Policy violations and server errors are collected as
    problems."""

    def __init__(self, browser: Browser, demo: DemoServer) -> None:
        self.browser = browser
        self.demo = demo
        self.contexts: dict[str | None, BrowserContext] = {}
        self.pages: dict[str | None, Page] = {}
        self.problems: list[str] = []

    def page(self, user: str | None, setting: Setting) -> Page:
        if user not in self.pages:
            self.pages[user] = self._open(user)
        page = self.pages[user]
        page.context.add_cookies([{"name": "lang", "value": setting.locale, "url": self.demo.url}])
        page.set_viewport_size(setting.viewport)
        return page

    def _open(self, user: str | None) -> Page:
        # the machines running the suite can be busy
        context = demo_context(self.browser, self.demo, user, timeout_ms=30_000)
        self.contexts[user] = context
        context.add_init_script(CSP_REPORTER)
        axe.install(context)
        page = context.new_page()
        watch_for_problems(page, self.problems)
        return page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def users(browser: Browser, demo_server: DemoServer) -> Iterator[Users]:
    opened = Users(browser, demo_server)
    try:
        yield opened
    finally:
        opened.close()


def check(users: Users, visit: Visit, setting: Setting) -> list[axe.Violation]:
    page = users.page(visit.user, setting)
    response = page.goto(visit.path)
    assert response is not None, visit.name
    if visit.then is not None:
        assert response.status == 200, f"{visit.name}: {response.status}"
        response = visit.then(page)
        assert response is not None, visit.name
    assert urlsplit(page.url).path == urlsplit(visit.path).path, f"{visit.name}: ended on {page.url}"
    assert response.status == visit.status, f"{visit.name}: {response.status}"
    if visit.ready:
        page.locator(visit.ready).first.wait_for()
    page.wait_for_function(HTMX_BUSY)
    # A page shown without its styles or scripts (refused by its Content-Security-Policy, or put
    # in a sandbox) is not the page people see, and axe would wait for ever in a sandbox.
    assert not users.problems, f"{visit.name} ({setting.label}):\n" + "\n".join(users.problems)
    assert page.evaluate("() => window.origin") == users.demo.url, f"{visit.name}: sandboxed"
    return axe.check(page, f"{visit.name} ({setting.label})")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.label.replace("×", "x").replace(" ", "-"))
def test_every_page_has_no_accessibility_violation(users: Users, setting: Setting) -> None:
    users.problems.clear()  # each setting is judged on its own
    visits = [v for v in VISITS if setting.locale == "zh_CN" or v.english]
    found: list[axe.Violation] = []
    for visit in visits:
        found += check(users, visit, setting)
    assert not users.problems, "\n".join(users.problems)
    assert not found, axe.report(found)


def test_axe_reports_what_it_finds(users: Users) -> None:
    """The check above can fail: on a page of our own with no violation, an image without a text
    alternative is reported with its rule, impact and selector, and is gone once removed."""
    page = users.page(None, SETTINGS[0])
    page.goto("/login")  # axe comes with every page the store serves
    page.set_content(PROBE_PAGE)
    assert axe.check(page, "probe") == []
    page.evaluate(
        """() => { const img = document.createElement("img"); img.id = "axe-probe";
                   img.src = "/static/favicon.svg"; document.querySelector("main").append(img); }"""
    )
    found = axe.check(page, "probe with an image")
    assert [(v.rule, v.impact, v.targets) for v in found] == [("image-alt", "critical", ("#axe-probe",))]
    assert "image-alt" in axe.report(found) and "#axe-probe" in axe.report(found)
    page.evaluate("() => document.getElementById('axe-probe').remove()")
    assert axe.check(page, "probe without it") == []
