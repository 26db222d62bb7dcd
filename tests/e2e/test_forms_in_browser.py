"""The new-app form in a real browser (issue 12): the SPDX field appears only for 开源, a refused
save puts the focus on the summary of what to fix, its links lead into the fields, and the long
form neither scrolls sideways on a phone nor lists its check boxes one under another."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import LiveServer, keep_shot
from .test_publish_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}])
def test_the_new_app_form_guides_and_reports_everything_at_once(
    page: Page, live_server: LiveServer, shots_dir, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, live_server.publisher, live_server.password)
    page.goto("/apps/new")
    form = page.locator('form[action="/apps/new"]')
    spdx = form.locator('input[name="license_spdx"]')
    # nothing chosen for the licence, so no SPDX field to trip over
    expect(form.locator('select[name="license_type"]')).to_have_value("")
    expect(spdx).to_be_hidden()
    form.locator('select[name="license_type"]').select_option("open_source")
    expect(spdx).to_be_visible()
    expect(spdx).to_be_enabled()
    form.locator('select[name="license_type"]').select_option("gov_free")
    expect(spdx).to_be_hidden()
    expect(spdx).to_be_disabled()  # hidden and not sent

    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    # 粤系列 in columns: the second platform sits beside the first, not under it
    first, second = (form.locator('input[name="integrations"]').nth(i).bounding_box() for i in (0, 1))
    assert first and second and abs(first["y"] - second["y"]) < 2

    form.locator('input[name="name"]').fill("停车诱导")
    # what an earlier test's app may have filled in for this user is emptied
    form.locator('input[name="department"]').fill("")
    form.locator('input[name="contact_phone"]').fill("")
    form.locator('input[name="contact_email"]').fill("")
    form.locator('input[name="price_yuan"]').fill("很多")
    form.locator('input[name="docs_url"]').fill("javascript:alert(1)")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for field in ("summary", "department", "contact_phone", "offering", "price_yuan", "docs_url"):
        assert f"#field-{field}" in hrefs, hrefs
    assert all("[" not in text and "_" not in text for text in links.all_inner_texts())
    assert page.evaluate(overflow) <= 0
    shot = shots_dir / f"app-form-errors-{viewport['width']}.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_shot(shot)
    summary.locator('a[href="#field-docs_url"]').click()
    expect(page.locator("#field-docs_url")).to_be_focused()
    expect(page.locator("#field-docs_url")).to_have_value("javascript:alert(1)")  # kept as typed
