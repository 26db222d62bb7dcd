"""Browsing the demo store (``demo_site``) as its users: a browser context signed in as one of
them through the API, and a tab whose JavaScript errors, Content-Security-Policy violations and
server errors are kept as problems for the test to fail on.

No pytest import here: the modules that use it own their fixtures.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response

from .demo_site import DemoServer


def demo_context(
    browser: Browser, demo: DemoServer, user: str | None, *, timeout_ms: float, **options: Any
) -> BrowserContext:
    """A context on the demo store in Chinese, signed in as the demo ``user`` (None: signed out)."""
    context = browser.new_context(base_url=demo.url, locale="zh-CN", **options)
    context.set_default_timeout(timeout_ms)
    if user is not None:
        answer = context.request.post(
            "/api/v1/auth/login", data={"username": user, "password": demo.passwords[user]}
        )
        assert answer.ok, f"{user} could not sign in: {answer.status} {answer.text()}"
    return context


def watch_for_problems(page: Page, problems: list[str]) -> None:
    """Append to ``problems`` each script error, CSP violation (the browser's console message, or
    ``conftest.CSP_REPORTER``'s where installed) and server error the page meets."""
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error on {page.url}: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            problems.append(f"{message.text} (on {page.url})")

    def on_response(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} from {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
