"""The Content-Security-Policy seen from a real browser: the pages that script (htmx, Swagger UI)
still work under it, and it does stop what it is there to stop.

The ``page`` fixture already fails a test on any CSP violation its pages report.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

from .conftest import CSP_REPORTER, LiveServer

pytestmark = pytest.mark.browser


def _outside(live_server: LiveServer, requested: list[str]) -> list[str]:
    ours = urlsplit(live_server.url).netloc
    return [url for url in requested if not url.startswith("data:") and urlsplit(url).netloc != ours]


def test_api_docs_work_under_the_policy_and_load_nothing_from_outside(
    page: Page, live_server: LiveServer
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/schema")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("粤复用 API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    # What inserts styles and highlighted code: an operation opened and run, a schema model opened.
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.locator(".swagger-ui .try-out__btn").first.click()
    page.locator(".swagger-ui .execute").first.click()
    expect(page.locator(".swagger-ui .live-responses-table .highlight-code").first).to_be_visible()
    models = page.locator(".swagger-ui section.models")
    models.locator(".json-schema-2020-12-expand-deep-button").first.click()
    expect(models.locator(".json-schema-2020-12-property").first).to_be_visible()
    assert any(url.endswith("/schema/openapi.json") for url in requested), requested
    assert any(url.endswith("/static/favicon.svg") for url in requested), requested
    assert _outside(live_server, requested) == []


def test_the_catalog_search_works_through_htmx_under_the_policy(page: Page, live_server: LiveServer) -> None:
    requested: list[Request] = []
    page.on("request", lambda request: requested.append(request))
    page.goto("/apps")
    with page.expect_response(lambda r: "/apps?" in r.url and r.request.header_value("hx-request") == "true"):
        page.locator('form.search-form input[name="q"]').fill("平台")
        page.locator('form.search-form input[name="q"]').press("Enter")
    page.wait_for_url("**/apps?*q=*")  # hx-push-url
    expect(page.locator("#results")).to_be_visible()
    # htmx was told (htmx-config meta) not to inject its <style>: nothing inline for the CSP to refuse
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert _outside(live_server, [r.url for r in requested]) == []


def test_the_policy_blocks_inline_script_and_outside_images(
    browser: Browser, live_server: LiveServer
) -> None:
    """What a successful injection would try: it is refused, and reported as a violation."""
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(CSP_REPORTER)
    tab = context.new_page()
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.text.startswith("CSP violation"):
            violations.append(message.text)

    tab.on("console", on_console)
    try:
        tab.goto("/")
        tab.evaluate(
            """() => {
                window.injected = false;
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.append(script);
                const pixel = document.createElement("img");
                pixel.src = "https://tracker.invalid/pixel.gif";
                document.body.append(pixel);
                const styled = document.createElement("div");
                styled.setAttribute("style", "color: red");
                document.body.append(styled);
            }"""
        )
        for _ in range(100):  # the reports arrive asynchronously
            if len(violations) >= 3:
                break
            tab.wait_for_timeout(50)
        assert tab.evaluate("window.injected") is False
    finally:
        context.close()
    assert any("script-src" in v for v in violations), violations
    assert any("img-src" in v and "tracker.invalid" in v for v in violations), violations
    assert any("style-src" in v for v in violations), violations
