"""Forms that are right the first time (issue 12): every error of the app form in one answer,
listed at the top with the form's labels and links to the fields; amounts and links read as
people write them; what the store knows filled in; choices that change what is required start
unchosen. The other forms list their errors the same way."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from sqlalchemy import select

from store.db import models as m
from store.lib.i18n import gettext
from tests.factories import (
    auth_headers,
    count_rows,
    create_app,
    csrf_token,
    make_user,
    page_login,
    refused_form,
)

GOOD = {
    "kind": "application",
    "category": "services",
    "maturity": "pilot",
    "name": "城市停车诱导系统",
    "name_en": "Urban parking guidance",
    "summary": "停车位实时查询、诱导和预约。",
    "department": "梅州市交通运输局",
    "contact_name": "陈工",
    "contact_phone": "0753-2223333",
    "license_type": "gov_free",
    "offering": "negotiated",
    "deployment_modes": "gov_cloud",
}


def summary_of(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (href, text), as a screen reader meets them."""
    box = re.search(r'<div class="alert error error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert box, "no error summary on the page"
    assert re.search(r'<div class="alert error error-summary"[^>]*tabindex="-1"[^>]*autofocus', page)
    return [
        (href, html.unescape(text))
        for href, text in re.findall(r'<a href="([^"]+)">([^<]*)</a>', box.group(1))
    ]


async def test_every_error_of_the_new_app_form_comes_in_one_answer_with_labels_and_links(client, db) -> None:
    await make_user(db, "city_staff", "441400", username="mz_rounds")
    await page_login(client, "mz_rounds")
    bad = await refused_form(
        client,
        db,
        "/apps/new",
        {
            **GOOD,
            "department": "",  # required
            "price_yuan": "很多",  # not an amount
            "deployment_fee_yuan": "-5",  # out of range
            "docs_url": "javascript:alert(1)",  # never a link
            "license_type": "open_source",  # ... without its SPDX identifier
            "reference_prices": "河源市部署 | 15万 | 2024\n\n揭阳 | 一些 | 2025\n只有描述",
        },
        m.App,  # nothing written
    )
    items = summary_of(bad.text)
    hrefs = [href for href, _text in items]
    # all of them, at once, in the form's order
    assert hrefs == [
        "#field-department",
        "#field-license_spdx",
        "#field-price_yuan",
        "#field-deployment_fee_yuan",
        "#field-reference_prices",
        "#field-reference_prices",
        "#field-docs_url",
    ], items
    for href, _text in items:  # each link leads to a field of the page
        assert f'id="{href[1:]}"' in bad.text
    texts = [text for _href, text in items]
    assert texts[0].startswith("部门")  # the form's label, translated
    line = gettext("%(label)s, line %(number)s", label=gettext("Reference prices"), number=3)
    assert texts[4].startswith(line)  # the third line of the text area: the empty one is counted
    assert texts[5].startswith(
        gettext("%(label)s, line %(number)s", label=gettext("Reference prices"), number=4)
    )
    page_text = html.unescape(bad.text)
    assert "reference_prices[" not in page_text.replace('name="reference_prices"', "")
    assert "xinchuang." not in page_text
    assert "请更正下方标出的字段" not in page_text
    # the parts of the form with errors are marked in the list at the top
    assert re.search(r'href="#section-publisher">[^<]*</a> <span class="badge warning">', bad.text)
    assert not re.search(r'href="#section-what">[^<]*</a> <span class="badge', bad.text)
    # what was typed is kept
    assert "揭阳 | 一些 | 2025" in page_text
    assert 'value="很多"' in bad.text


async def test_amounts_and_links_are_read_as_people_write_them(client, db) -> None:
    await make_user(db, "city_staff", "441400", username="mz_amounts")
    await page_login(client, "mz_amounts")
    token = await csrf_token(client, "/apps/new")
    created = await client.post(
        "/apps/new",
        data={
            **GOOD,
            "_csrf_token": token,
            "slug": "parking-guidance",
            "price_yuan": "8万",
            "deployment_fee_yuan": "100,000",
            "reference_prices": "河源市部署｜8.5万｜2024年\n汕尾 | ¥120,000 | ２０２５",
            "docs_url": "www.gz.gov.cn/app",
            "source_url": " https://git.example.gov.cn/parking ",
        },
    )
    assert created.status_code in (302, 303), created.text
    app = await db.scalar(select(m.App).where(m.App.slug == "parking-guidance"))
    assert app is not None
    assert app.price_yuan == Decimal(80000)
    assert app.deployment_fee_yuan == Decimal(100000)
    assert app.reference_prices == [
        {"description": "河源市部署", "amount_yuan": "85000", "year": 2024},
        {"description": "汕尾", "amount_yuan": "120000", "year": 2025},
    ]
    assert app.docs_url == "https://www.gz.gov.cn/app"
    assert app.source_url == "https://git.example.gov.cn/parking"
    assert app.license_spdx == ""
    # the edit form shows amounts as numbers people read; saving them again changes nothing
    form = await client.get("/apps/parking-guidance/edit")
    assert 'value="80000"' in form.text and 'value="100000"' in form.text
    token = await csrf_token(client, "/apps/parking-guidance/edit")
    same = await client.post(
        "/apps/parking-guidance/edit",
        data={
            **GOOD,
            "_csrf_token": token,
            "price_yuan": "80000",
            "deployment_fee_yuan": "10万",
            "reference_prices": "河源市部署 | 85000 | 2024\n汕尾 | 120000 | 2025",
            "docs_url": "https://www.gz.gov.cn/app",
            "source_url": "https://git.example.gov.cn/parking",
        },
    )
    assert same.status_code in (302, 303), same.text
    assert await count_rows(db, m.AuditEntry, m.AuditEntry.action == "edited") == 0
    # and clearing an amount clears it
    cleared = await client.post(
        "/apps/parking-guidance/edit",
        data={
            **GOOD,
            "offering": "standard_free",
            "deployment_fee_yuan": "",
            "price_yuan": "",
            "_csrf_token": token,
        },
    )
    assert cleared.status_code in (302, 303), cleared.text
    await db.refresh(app)
    assert app.price_yuan is None and app.deployment_fee_yuan is None


async def test_a_refused_edit_reports_everything_and_changes_nothing(client, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="sz_edit_all")
    app = await create_app(client, await auth_headers(db, user), slug="edit-all-at-once")
    await page_login(client, "sz_edit_all")
    before = (await client.get(f"/api/v1/apps/{app['slug']}")).json()
    token = await csrf_token(client, "/apps/edit-all-at-once/edit")
    refused = await client.post(
        "/apps/edit-all-at-once/edit",
        data={
            **GOOD,
            "_csrf_token": token,
            "name": "",
            "contact_phone": "",
            "contact_email": "",
            "price_yuan": "1,5",
            "source_url": "ftp://code.example",
        },
    )
    assert refused.status_code == 422
    hrefs = [href for href, _text in summary_of(refused.text)]
    assert hrefs == ["#field-name", "#field-contact_phone", "#field-price_yuan", "#field-source_url"]
    headers = await auth_headers(db, user)
    assert (await client.get(f"/api/v1/apps/{app['slug']}", headers=headers)).json() == before


async def test_the_new_app_form_starts_with_what_the_store_knows(client, db) -> None:
    await make_user(
        db, "city_staff", "441400", username="mz_known", display_name="黄小明", email="hxm@mz.gov.cn"
    )
    await page_login(client, "mz_known")
    page = (await client.get("/apps/new")).text
    # the contact from the account; no department yet (the region has no app), and no grey
    # placeholder that reads as filled in: the example is a hint under the field
    assert re.search(r'name="contact_name"[^>]*value="黄小明"', page)
    assert re.search(r'name="contact_email"[^>]*value="hxm@mz.gov.cn"', page)
    department = re.search(r'<input id="field-department" name="department"[^>]*>', page)
    assert department and 'value=""' in department.group(0)
    assert "placeholder" not in department.group(0)
    assert 'aria-describedby="department-hint"' in department.group(0)
    hint = re.search(r'<small id="department-hint" class="hint">([^<]*)</small>', page)
    assert hint and hint.group(1).startswith(gettext("e.g. %(example)s", example=""))
    assert "梅州" in hint.group(1)  # the example names the user's city
    prices = re.search(r'<textarea id="field-reference_prices".*?>', page, re.S)
    assert prices and "placeholder" not in prices.group(0)
    example = gettext("Deployment for the Meizhou medical insurance bureau | 180,000 | 2024")
    assert example in html.unescape(page.split('id="reference_prices-hint"')[1].split("</small>")[0])
    # choices that change what is required start with nothing chosen; the SPDX part is marked
    # to show only for 开源
    for name in ("license_type", "offering"):
        select_box = re.search(rf'<select id="field-{name}" name="{name}".*?</select>', page, re.S)
        assert select_box
        assert re.search(r'<option value="" selected>', select_box.group(0)), name
        assert select_box.group(0).count(" selected") == 1
    assert 'data-show-when="license_type" data-show-value="open_source"' in page
    # an empty first save names what is missing, the SPDX identifier not among it; writes nothing
    first = await refused_form(client, db, "/apps/new", {"name": "停车"}, m.App)
    hrefs = [href for href, _text in summary_of(first.text)]
    assert "#field-license_type" in hrefs and "#field-summary" in hrefs
    assert "#field-license_spdx" not in hrefs


async def test_the_department_and_contact_come_from_the_last_app(client, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="sz_again", display_name="李工")
    await create_app(
        client, await auth_headers(db, user), department="深圳市医疗保障局", contact_phone="0755-1"
    )
    colleague = await make_user(db, "city_staff", "440300", username="sz_colleague", display_name="王工")
    await page_login(client, "sz_again")
    mine = (await client.get("/apps/new")).text
    assert re.search(r'name="department"[^>]*value="深圳市医疗保障局"', mine)
    assert 'aria-describedby="department-hint"' in mine  # a note asks to check it
    note = gettext(
        "Filled in from your region's latest app: change it if this app comes from another office."
    )
    assert note in html.unescape(mine)
    assert re.search(r'name="contact_phone"[^>]*value="0755-1"', mine)
    await page_login(client, colleague.username)
    theirs = (await client.get("/apps/new")).text
    # the region's office, but not someone else's phone
    assert re.search(r'name="department"[^>]*value="深圳市医疗保障局"', theirs)
    assert re.search(r'name="contact_name"[^>]*value="王工"', theirs)
    assert re.search(r'name="contact_phone"[^>]*value=""', theirs)


async def test_other_forms_list_their_errors_as_links_too(client, db) -> None:
    user = await make_user(db, "city_staff", "440500", username="st_forms")
    await create_app(client, await auth_headers(db, user), slug="forms-app")
    await page_login(client, "st_forms")
    bad_version = await refused_form(
        client, db, "/apps/forms-app/versions/new", {"version": "1.0", "release_date": "明天"}, m.Version
    )
    items = summary_of(bad_version.text)
    assert [href for href, _text in items] == ["#field-version", "#field-release_date"]
    assert items[0][1].startswith(gettext("Version (semantic, e.g. 1.2.0)"))
    assert 'id="field-version"' in bad_version.text and 'id="field-release_date"' in bad_version.text

    await make_user(db, "province_admin", username="boss_forms")
    await page_login(client, "boss_forms")
    bad_user = await refused_form(
        client,
        db,
        "/admin/users",
        {"username": "x", "role": "city_staff", "region": "999999", "password": "short"},
        m.User,
        m.User.username == "x",
    )
    hrefs = [href for href, _text in summary_of(bad_user.text)]
    assert set(hrefs) >= {"#field-username", "#field-password"}
    for href in hrefs:
        assert f'id="{href[1:]}"' in bad_user.text
