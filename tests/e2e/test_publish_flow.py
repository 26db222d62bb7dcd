"""The whole publishing flow in a real browser, as people do it.

A Shenzhen city user describes an app, adds a version and uploads its package (XHR with a
progress bar), submits it; the provincial reviewer approves it; an anonymous visitor finds it in
the catalog and downloads the package, whose SHA-256 matches the file and the one on the page.

Selectors are form actions, field names and ids rather than the (Chinese) labels.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import LiveServer, keep_shot

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    expect(page.locator("header .account-menu .user-name")).to_have_text(username)
    expect(page.locator("main .alert.flash")).to_contain_text(username)  # "signed in as …"


def sign_out(page: Page) -> None:
    page.click("header .account-menu > summary")  # signing out is in the menu under the name
    with page.expect_navigation():
        page.click('form[action="/logout"] button[type="submit"]')
    expect(page.locator('header a[href^="/login"]')).to_be_visible()
    expect(page.locator('form[action="/logout"]')).to_have_count(0)
    expect(page.locator("main .alert.flash")).to_be_visible()  # "signed out"


def test_publish_review_and_download(page: Page, live_server: LiveServer, shots_dir: Path) -> None:
    suffix = uuid.uuid4().hex[:8]
    name = f"深圳智慧工地监管平台{suffix}"
    name_en = f"Smart construction site supervision {suffix}"
    content = os.urandom(48 * 1024) + f"e2e {suffix}\n".encode()
    sha256 = hashlib.sha256(content).hexdigest()
    package = shots_dir.parent / f"gongdi-{suffix}.zip"
    package.write_bytes(content)
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions

    # -- the city user describes the app -------------------------------------------------------
    sign_in(page, live_server.publisher, live_server.password)
    page.goto("/apps/new")
    form = page.locator('form[action="/apps/new"]')
    form.locator('select[name="kind"]').select_option("application")
    form.locator('select[name="category"]').select_option("governance")
    form.locator('select[name="maturity"]').select_option("mature")
    form.locator('input[name="name"]').fill(name)
    form.locator('input[name="name_en"]').fill(name_en)
    form.locator('input[name="summary"]').fill("工地扬尘、塔吊、人员实名制一屏监管，已在深圳全市推广")
    # 查重 as the city types: the panel under the summary follows the name and summary (htmx).
    with page.expect_response(lambda r: "/duplicate-check?" in r.url and "summary=" in r.url):
        form.locator('input[name="summary"]').press("End")
        form.locator('input[name="summary"]').press_sequentially("。")
    expect(page.locator("#duplicate-check .duplicate-check h2")).to_be_visible()
    form.locator('input[name="department"]').fill("深圳市住房和建设局")
    form.locator('input[name="contact_name"]').fill("王工")
    form.locator('input[name="contact_phone"]').fill("0755-88886666")
    form.locator('select[name="license_type"]').select_option("open_source")
    form.locator('input[name="license_spdx"]').fill("MulanPSL-2.0")
    form.locator('select[name="offering"]').select_option("standard_free")
    gov_cloud = form.locator('input[name="deployment_modes"][value="gov_cloud"]')
    expect(gov_cloud).to_be_checked()  # the default
    form.locator('input[name="deployment_modes"][value="hosted"]').check()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    match = re.fullmatch(rf"{re.escape(live_server.url)}/apps/([a-z0-9-]+)", page.url)
    assert match, f"not on an app page after creating it: {page.url}\n{page.locator('main').inner_text()}"
    slug = match.group(1)
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("h1 .status-draft")).to_be_visible()
    expect(page.locator("main .alert.flash")).to_be_visible()  # "draft saved", once

    # -- a version, and its package uploaded with the progress bar --------------------------
    page.click(f'a[href="/apps/{slug}/versions/new"]')
    page.wait_for_url(f"**/apps/{slug}/versions/new")
    page.fill('input[name="version"]', "1.0.0")
    page.fill('textarea[name="release_notes"]', "首个版本。")
    with page.expect_navigation():
        page.click(f'form[action="/apps/{slug}/versions/new"] button[type="submit"]')
    assert page.url.endswith(f"/apps/{slug}/versions/1.0.0"), page.url
    expect(page.locator("main .alert.flash")).to_be_visible()  # "version created"
    expect(page.locator("#upload-progress")).to_be_hidden()
    page.set_input_files("#upload-file", str(package))
    page.select_option("#upload-kind", "package")
    with page.expect_response(lambda r: "/artifacts?" in r.url and r.request.method == "POST") as answer:
        page.click("#upload-button")
    assert answer.value.status == 201, answer.value.text()
    # upload.js reloads the page once the file is stored: the list of files then shows it
    expect(page.locator("ul.artifacts code.sha256")).to_have_text(sha256)
    expect(page.locator("ul.artifacts a[href$='/download']")).to_have_text(package.name)
    expect(page.locator("main .alert.flash")).to_be_visible()  # "file uploaded", once

    # -- submitted for review ------------------------------------------------------------------
    page.click(f'main a[href="/apps/{slug}"]')  # "← name", back to the app page
    page.wait_for_url(f"**/apps/{slug}")
    page.click(f'main a[href="/apps/{slug}/submit"]')  # to the confirmation page
    page.wait_for_url(f"**/apps/{slug}/submit")
    # The duplicate check (查重) arrives by htmx before the city confirms.
    expect(page.locator("#duplicate-check .duplicate-check h2")).to_be_visible()
    with page.expect_navigation():
        page.click(f'form[action="/apps/{slug}/submit"] button[type="submit"]')
    expect(page.locator("h1 .status-submitted")).to_be_visible()
    expect(page.locator("main .alert.flash")).to_be_visible()  # "submitted for review"
    expect(page.locator(f'form[action="/apps/{slug}/submit"]')).to_have_count(0)
    sign_out(page)

    # -- the provincial reviewer approves it ------------------------------------------------
    sign_in(page, live_server.reviewer, live_server.password)
    # The header counts what waits in the queue.
    expect(page.locator('header a[href="/review"] .nav-count')).to_be_visible()
    page.goto("/review")
    page.click(f'main table a[href="/apps/{slug}"]')
    page.wait_for_url(f"**/apps/{slug}")
    # The decision comes after the content; approving needs the "I have checked" box ticked:
    # the browser keeps the form without it (required), and the server refuses it too.
    approve = page.locator("form.review-approve")
    approve.locator('button[name="decision"][value="approve"]').click()
    assert page.url.endswith(f"/apps/{slug}"), page.url
    expect(page.locator("h1 .status-submitted")).to_be_visible()
    approve.locator('input[name="confirm"]').check()
    with page.expect_navigation():
        approve.locator('button[name="decision"][value="approve"]').click()
    assert page.url.endswith("/review"), page.url
    # The queue names the app that was approved, with a link to it; the app has left the list.
    flash = page.locator("main .alert.flash")
    expect(flash).to_contain_text(name)
    expect(flash.locator(f'a[href="/apps/{slug}"]')).to_have_count(1)
    expect(page.locator(f'main table a[href="/apps/{slug}"]')).to_have_count(0)
    sign_out(page)

    # -- an anonymous visitor finds it and downloads the package ---------------------------
    page.goto("/apps")
    card = page.locator("article.app-card").filter(has=page.locator(f'a[href="/apps/{slug}"]'))
    expect(card).to_have_count(1)
    expect(card).to_contain_text("深圳市住房和建设局")
    catalog_shot = shots_dir / "catalog.png"
    page.screenshot(path=str(catalog_shot), full_page=True)
    # The app page asks for its similar apps once shown (htmx), without holding the page up.
    with page.expect_response(lambda r: r.url.endswith(f"/apps/{slug}/similar")) as similar:
        card.locator(f'a[href="/apps/{slug}"]').click()
        page.wait_for_url(f"**/apps/{slug}")
    assert similar.value.status == 200
    expect(page.locator("h1 .status-published")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("MulanPSL-2.0")
    shown = page.locator("ul.artifacts code.sha256").inner_text().strip()
    app_shot = shots_dir / "app.png"
    page.screenshot(path=str(app_shot), full_page=True)
    with page.expect_download() as download_info:
        page.click(f'ul.artifacts a:text-is("{package.name}")')
    download = download_info.value
    assert download.suggested_filename == package.name
    downloaded = shots_dir.parent / "downloaded.bin"
    download.save_as(downloaded)
    digest = hashlib.sha256(downloaded.read_bytes()).hexdigest()
    assert digest == sha256
    assert digest == shown

    for shot in (catalog_shot, app_shot):
        keep_shot(shot)
