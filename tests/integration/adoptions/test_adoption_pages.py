"""The adoption pages on SQLite and PostgreSQL, in English (the message ids), through real browsers'
cookies and CSRF tokens: the 申请复用 form, the whole path to live and confirmed with what each step
says and stores, refused steps that change nothing, what outsiders see, the app page's "who reuses
this" and its button, the lists with their filters and pages, and escaping.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.adoptions.services import AdoptionService, RequestData
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEvent
from tests.conftest import serve
from tests.factories import auth_headers, make_user, page_login, published_app, upload

USERS = {
    # who: (role, region, username)
    "publisher": ("city_staff", "440300", "sz_pub"),  # Shenzhen publishes the app
    "requester": ("city_staff", "441400", "mz_staff"),  # Meizhou asks to reuse it
    "colleague": ("city_staff", "441400", "mz_colleague"),
    "other": ("city_staff", "440100", "gz_staff"),  # Guangzhou: on no side
    "reviewer": ("province_reviewer", None, "prov_rev"),
}
REQUEST = {
    "version": "1.0.0",
    "region": "441400",
    "purpose": "网格事件上报",
    "contact_name": "陈联络",
    "contact_phone": "0753-1234567",
    "environment": "梅州市政务云节点",
}
Browser = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def world(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, Any]:
    """Shenzhen publishes an app with versions 1.0.0 and 1.1.0 (both approved)."""
    users = {
        who: await make_user(db, role, region, username=name) for who, (role, region, name) in USERS.items()
    }
    publisher = await auth_headers(db, users["publisher"])
    reviewer = await auth_headers(db, users["reviewer"])
    app = await published_app(client, publisher, reviewer, name_en="Grid Events")
    assert (await upload(client, publisher, app["slug"], version="1.1.0")).status_code == 201
    await db.execute(
        update(m.Version).where(m.Version.version == "1.1.0").values(review_status=m.ReviewStatus.APPROVED)
    )
    await db.commit()
    return {"slug": app["slug"], "users": users}


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[Browser]:
    """``await browser(who)``: a browser of its own, in English, signed in as ``who`` through the
    login form ("anonymous": not signed in)."""
    async with _Browsers(app) as browsers:
        yield browsers.open


class _Browsers:
    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.open_clients: list[Any] = []
        self.clients: dict[str, httpx.AsyncClient] = {}

    async def __aenter__(self) -> _Browsers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for context in reversed(self.open_clients):
            await context.__aexit__(None, None, None)

    async def open(self, who: str) -> httpx.AsyncClient:
        if who not in self.clients:
            context = serve(self.app)
            client = await context.__aenter__()
            self.open_clients.append(context)
            client.cookies.set("lang", "en")
            if who != "anonymous":
                await page_login(client, USERS[who][2])
            self.clients[who] = client
        return self.clients[who]


CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def post_form(client: httpx.AsyncClient, path: str, data: dict[str, Any]) -> httpx.Response:
    """Post ``data`` as a page's form does, with the CSRF token a page of this browser carries."""
    page = await client.get("/adoptions")
    token = CSRF_RE.search(page.text)
    assert token, "no CSRF field"
    return await client.post(path, data={**data, "_csrf_token": token.group(1)})


def adoption_id_of(response: httpx.Response) -> int:
    assert response.status_code in (302, 303), response.text[:2000]
    found = re.fullmatch(r"/adoptions/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


async def done(client: httpx.AsyncClient, response: httpx.Response) -> str:
    """Follow an action's redirect; the confirmation the adoption page shows (once)."""
    assert response.status_code in (302, 303), response.text[:2000]
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    found = re.search(r'<div class="alert success" role="status"><p>(.*?)</p></div>', page.text)
    assert found, "no confirmation on the page"
    again = await client.get(response.headers["location"])
    assert 'class="alert success"' not in again.text  # shown once
    return found.group(1)


async def row(db: AsyncSession, adoption_id: int) -> tuple[Any, ...]:
    """The adoption as stored (read afresh) and the number of its timeline entries."""
    found = (
        await db.execute(
            select(
                Adoption.status,
                Adoption.revision,
                Adoption.publisher_confirmation,
                Adoption.rating,
                Adoption.saving_wan,
                Adoption.went_live_on,
            ).where(Adoption.id == adoption_id)
        )
    ).one()
    events = await db.scalar(
        select(func.count()).select_from(AdoptionEvent).where(AdoptionEvent.adoption_id == adoption_id)
    )
    await db.rollback()
    return (*found, events)


async def request_through_the_form(browser: Browser, world: dict[str, Any], **changes: str) -> int:
    requester = await browser("requester")
    return adoption_id_of(await post_form(requester, f"/apps/{world['slug']}/adopt", {**REQUEST, **changes}))


async def move(browser: Browser, who: str, adoption_id: int, to: str, revision: int, **fields: str) -> Any:
    return await post_form(
        await browser(who),
        f"/adoptions/{adoption_id}/transitions",
        {"to": to, "expected_revision": str(revision), **fields},
    )


# ---------------------------------------------------------------------------- the whole path


async def test_request_approve_deploy_go_live_feedback_and_confirm_through_the_pages(
    db, world, browser
) -> None:
    slug = world["slug"]
    requester, publisher = await browser("requester"), await browser("publisher")

    app_page = await requester.get(f"/apps/{slug}")
    assert f'href="/apps/{slug}/adopt"' in app_page.text and "Request to reuse" in app_page.text
    assert "0 regions run this app live" in app_page.text

    form = await requester.get(f"/apps/{slug}/adopt")
    assert form.status_code == 200
    # Newest offered version first and chosen; the user's region chosen.
    assert re.search(r'<option value="1.1.0" selected>1.1.0 \(', form.text)
    assert form.text.index('value="1.1.0"') < form.text.index('value="1.0.0"')
    assert '<option value="441400" selected>' in form.text

    sent = await post_form(requester, f"/apps/{slug}/adopt", REQUEST)
    adoption_id = adoption_id_of(sent)
    assert await done(requester, sent) == "Request sent. The publishing region answers on this page."
    assert await row(db, adoption_id) == ("requested", 1, "unconfirmed", None, None, None, 1)
    stored = await db.get(Adoption, adoption_id)
    assert stored is not None
    assert (stored.adopter_region_code, stored.requested_version, stored.contact_name) == (
        "441400",
        "1.0.0",
        "陈联络",
    )
    assert (stored.purpose, stored.environment) == ("网格事件上报", "梅州市政务云节点")
    await db.rollback()

    page = await publisher.get(f"/adoptions/{adoption_id}")
    assert "Requested" in page.text and 'name="expected_revision" value="1"' in page.text
    assert 'value="approved"' in page.text and 'value="declined"' in page.text
    assert 'value="deploying"' not in page.text  # only the steps this user may take now

    approved = await move(browser, "publisher", adoption_id, "approved", 1, comment="欢迎复用")
    assert await done(publisher, approved) == "Approved. The adopting region may now start deploying."
    assert await row(db, adoption_id) == ("approved", 2, "unconfirmed", None, None, None, 2)

    deploying = await move(browser, "requester", adoption_id, "deploying", 2)
    assert await done(requester, deploying) == "Marked as deploying."
    went_live_on = date.today() - timedelta(days=10)
    live = await move(
        browser,
        "requester",
        adoption_id,
        "live",
        3,
        went_live_on=went_live_on.isoformat(),
        saving_wan="1,200.5",
        saving_basis="免去自建",
    )
    assert await done(requester, live) == "Marked as live. The publishing region is asked to confirm it."
    assert await row(db, adoption_id) == (
        "live",
        4,
        "unconfirmed",
        None,
        Decimal("1200.50"),
        went_live_on,
        4,
    )

    feedback = await post_form(
        requester,
        f"/adoptions/{adoption_id}/feedback",
        {"rating": "5", "comment": "好用", "expected_revision": "4"},
    )
    assert await done(requester, feedback) == "Feedback saved."
    confirmed = await post_form(
        publisher, f"/adoptions/{adoption_id}/confirm", {"confirmed": "yes", "expected_revision": "5"}
    )
    assert await done(publisher, confirmed) == "Confirmed: this region runs your app."
    assert await row(db, adoption_id) == (
        "live",
        6,
        "confirmed",
        5,
        Decimal("1200.50"),
        went_live_on,
        6,
    )

    page = (await requester.get(f"/adoptions/{adoption_id}")).text
    assert "Confirmed by the publisher" in page and "¥12,005,000" in page and "★★★★★" in page
    assert f"Live since</dt><dd>{went_live_on.isoformat()}" in page
    assert page.count('<li id="event-') == 6 and "欢迎复用" in page  # the requester sees comments

    # The app page counts it and names the region; Meizhou now sees its adoption, not the button.
    app_page = await requester.get(f"/apps/{slug}")
    assert "1 region runs this app live" in app_page.text
    assert '<a href="/regions/441400">Meizhou</a>' in app_page.text
    assert f"Your region's adoption no. {adoption_id}</a>" in app_page.text
    assert f'href="/apps/{slug}/adopt"' not in app_page.text


async def test_upgrade_reconfirm_note_retire_each_say_what_happened(db, world, browser) -> None:
    adoption_id = await request_through_the_form(browser, world)
    for who, to, revision in (
        ("publisher", "approved", 1),
        ("requester", "deploying", 2),
        ("requester", "live", 3),
    ):
        assert (await move(browser, who, adoption_id, to, revision)).status_code == 302
    requester = await browser("requester")
    upgraded = await post_form(
        requester, f"/adoptions/{adoption_id}/upgrade", {"version": "1.1.0", "expected_revision": "4"}
    )
    assert await done(requester, upgraded) == "New version recorded."
    reconfirmed = await post_form(
        requester, f"/adoptions/{adoption_id}/reconfirm", {"expected_revision": "5"}
    )
    assert await done(requester, reconfirmed) == "Re-confirmed as live for another year."
    reviewer = await browser("reviewer")
    page = (await reviewer.get(f"/adoptions/{adoption_id}")).text
    assert "/transitions" not in page and "/confirm" not in page  # the province takes no step
    noted = await post_form(reviewer, f"/adoptions/{adoption_id}/notes", {"comment": "省里已知悉"})
    assert await done(reviewer, noted) == "Note added."
    retired = await move(browser, "requester", adoption_id, "retired", 6, confirm="yes")
    assert await done(requester, retired) == "Adoption retired."
    stored = await db.get(Adoption, adoption_id)
    assert stored is not None and (stored.status, stored.current_version, stored.revision) == (
        "retired",
        "1.1.0",
        7,
    )
    kinds = list(
        await db.scalars(
            select(AdoptionEvent.kind)
            .where(AdoptionEvent.adoption_id == adoption_id)
            .order_by(AdoptionEvent.id)
        )
    )
    assert kinds[-4:] == ["upgrade", "reconfirm", "note", "transition"]


# ---------------------------------------------------------------------------- refused steps


async def test_refused_steps_show_the_reason_and_change_nothing(db, world, browser) -> None:
    adoption_id = await request_through_the_form(browser, world)
    before = await row(db, adoption_id)

    # Not on the publishing side: 403, the page again with what the table says.
    wrong_side = await move(browser, "other", adoption_id, "approved", 1)
    assert wrong_side.status_code == 403
    assert "Only the publishing region can do this" in wrong_side.text
    assert "<h1>Adoption no." in wrong_side.text  # the page, not a bare error
    wrong_requester = await move(browser, "requester", adoption_id, "approved", 1)
    assert wrong_requester.status_code == 403
    assert await row(db, adoption_id) == before

    # A decline needs a reason and the box ticked; both are said at once.
    bare = await move(browser, "publisher", adoption_id, "declined", 1)
    assert bare.status_code == 422
    assert "Say why, in a comment." in bare.text and "Tick the box to confirm." in bare.text
    assert bare.text.count('aria-invalid="true"') == 2
    assert re.search(r'<details class="step" id="to-declined" open>', bare.text)
    ticked = await move(browser, "publisher", adoption_id, "declined", 1, confirm="yes")
    assert ticked.status_code == 422 and "Say why, in a comment." in ticked.text
    unticked = await move(browser, "publisher", adoption_id, "declined", 1, comment="暂不开放")
    assert unticked.status_code == 422 and "Tick the box to confirm." in unticked.text
    assert "暂不开放" in unticked.text  # what was typed is kept
    assert await row(db, adoption_id) == before

    # Approved meanwhile: a page loaded at revision 1 is out of date.
    assert (await move(browser, "publisher", adoption_id, "approved", 1)).status_code == 302
    moved_on = await row(db, adoption_id)
    stale = await move(browser, "requester", adoption_id, "deploying", 1)
    assert stale.status_code == 409
    assert "This adoption has changed since you loaded it" in stale.text
    assert 'name="expected_revision" value="2"' in stale.text  # the page as it is now
    stale_feedback = await post_form(
        await browser("requester"),
        f"/adoptions/{adoption_id}/feedback",
        {"rating": "4", "expected_revision": "1"},
    )
    assert stale_feedback.status_code == 409  # not live yet
    assert await row(db, adoption_id) == moved_on

    # Going live with figures that do not parse: every error at once, nothing stored.
    assert (await move(browser, "requester", adoption_id, "deploying", 2)).status_code == 302
    deploying = await row(db, adoption_id)
    bad_live = await move(
        browser, "requester", adoption_id, "live", 3, went_live_on="15/01/2026", saving_wan="很多"
    )
    assert bad_live.status_code == 422
    assert "Enter a date as YYYY-MM-DD." in bad_live.text and "Give the saving in 万元" in bad_live.text
    future = await move(
        browser,
        "requester",
        adoption_id,
        "live",
        3,
        went_live_on=(date.today() + timedelta(days=3)).isoformat(),
    )
    assert future.status_code == 422 and "cannot be in the future" in future.text
    assert await row(db, adoption_id) == deploying

    # The decided request cannot be declined any more; a garbled revision is refused.
    late = await move(browser, "publisher", adoption_id, "declined", 4, comment="晚了", confirm="yes")
    assert late.status_code == 409
    garbled = await post_form(
        await browser("publisher"),
        f"/adoptions/{adoption_id}/transitions",
        {"to": "declined", "expected_revision": "x1", "comment": "晚了", "confirm": "yes"},
    )
    assert garbled.status_code == 422 and "The form is out of date" in garbled.text
    assert await row(db, adoption_id) == deploying


async def test_a_decline_with_its_reason_goes_through(db, world, browser) -> None:
    adoption_id = await request_through_the_form(browser, world)
    declined = await move(
        browser, "publisher", adoption_id, "declined", 1, comment="版本不适用", confirm="yes"
    )
    assert (
        await done(await browser("publisher"), declined) == "Declined. The adopting region sees your reason."
    )
    assert (await row(db, adoption_id))[:2] == ("declined", 2)
    # Declined: the region may ask again, so the button is back.
    app_page = await (await browser("requester")).get(f"/apps/{world['slug']}")
    assert f'href="/apps/{world["slug"]}/adopt"' in app_page.text


async def test_a_dispute_needs_a_comment_and_the_box(db, world, browser) -> None:
    adoption_id = await request_through_the_form(browser, world)
    for who, to, revision in (
        ("publisher", "approved", 1),
        ("requester", "deploying", 2),
        ("requester", "live", 3),
    ):
        assert (await move(browser, who, adoption_id, to, revision)).status_code == 302
    publisher = await browser("publisher")
    path = f"/adoptions/{adoption_id}/confirm"
    bare = await post_form(publisher, path, {"confirmed": "no", "expected_revision": "4"})
    assert bare.status_code == 422
    assert "Say what is wrong with this record." in bare.text and "Tick the box to confirm." in bare.text
    assert (await row(db, adoption_id))[:3] == ("live", 4, "unconfirmed")
    not_the_adopter = await post_form(
        await browser("requester"),
        path,
        {"confirmed": "no", "comment": "x", "confirm": "yes", "expected_revision": "4"},
    )
    assert not_the_adopter.status_code == 403
    disputed = await post_form(
        publisher,
        path,
        {"confirmed": "no", "comment": "并未部署", "confirm": "yes", "expected_revision": "4"},
    )
    assert await done(publisher, disputed) == "Disputed. The adopting region sees your comment."
    assert (await row(db, adoption_id))[:3] == ("live", 5, "disputed")
    page = (await (await browser("anonymous")).get(f"/adoptions/{adoption_id}")).text
    assert "Disputed by the publisher" in page


# ---------------------------------------------------------------------------- requesting


async def test_the_request_form_reports_every_error_and_names_the_open_adoption(db, world, browser) -> None:
    slug = world["slug"]
    requester = await browser("requester")
    bad = await post_form(
        requester,
        f"/apps/{slug}/adopt",
        {**REQUEST, "version": "", "contact_name": " ", "environment": "云" * 201, "region": "44"},
    )
    assert bad.status_code == 422
    for message in (
        "Choose a version.",
        "Name a contact person.",
        "At most 200 characters",
        "Choose a region.",
    ):
        assert message in bad.text
    assert bad.text.count('aria-invalid="true"') == 4
    assert "网格事件上报" in bad.text  # what was typed is kept
    unknown = await post_form(requester, f"/apps/{slug}/adopt", {**REQUEST, "version": "9.9.9"})
    assert unknown.status_code == 422 and "offers no version 9.9.9" in unknown.text
    assert await db.scalar(select(func.count()).select_from(Adoption)) == 0

    first = adoption_id_of(await post_form(requester, f"/apps/{slug}/adopt", REQUEST))
    again = await post_form(await browser("colleague"), f"/apps/{slug}/adopt", REQUEST)
    assert again.status_code == 409
    assert f"number {first}" in again.text and f'href="/adoptions/{first}"' in again.text
    assert await db.scalar(select(func.count()).select_from(Adoption)) == 1
    # Meizhou has no district to ask for: its form now only links to the open adoption.
    open_one = await requester.get(f"/apps/{slug}/adopt")
    assert (
        f'href="/adoptions/{first}"' in open_one.text and f'action="/apps/{slug}/adopt"' not in open_one.text
    )

    # The publisher's own region may not ask; provincial staff have no form at all.
    own = await (await browser("publisher")).get(f"/apps/{slug}/adopt")
    assert own.status_code == 200 and "cannot adopt an app published by its own city" in own.text
    assert f'action="/apps/{slug}/adopt"' not in own.text
    assert (await (await browser("reviewer")).get(f"/apps/{slug}/adopt")).status_code == 403
    anonymous = await (await browser("anonymous")).get(f"/apps/{slug}/adopt")
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")


async def test_the_request_button_shows_only_to_those_who_may_ask(world, browser) -> None:
    path = f"/apps/{world['slug']}"
    button = f'href="{path}/adopt"'
    for who in ("anonymous", "publisher", "reviewer"):
        assert button not in (await (await browser(who)).get(path)).text, who
    for who in ("requester", "other"):
        assert button in (await (await browser(who)).get(path)).text, who


# ---------------------------------------------------------------------------- who sees what


async def test_outsiders_see_no_private_fields_and_text_is_escaped(world, browser) -> None:
    adoption_id = await request_through_the_form(
        browser, world, purpose="<script>alert('purpose')</script>用于网格", contact_phone="0753-7654321"
    )
    assert (
        await move(
            browser, "publisher", adoption_id, "approved", 1, comment="<script>alert('c')</script>同意"
        )
    ).status_code == 302

    inside = (await (await browser("publisher")).get(f"/adoptions/{adoption_id}")).text
    assert "&lt;script&gt;alert(&#39;purpose&#39;)&lt;/script&gt;用于网格" in inside
    assert "&lt;script&gt;alert(&#39;c&#39;)&lt;/script&gt;同意" in inside
    assert "<script>alert(" not in inside
    assert "陈联络" in inside and "0753-7654321" in inside and "梅州市政务云节点" in inside

    for who in ("other", "anonymous"):
        outside = await (await browser(who)).get(f"/adoptions/{adoption_id}")
        assert outside.status_code == 200
        for private in ("用于网格", "同意", "陈联络", "0753-7654321", "梅州市政务云节点"):
            assert private not in outside.text, (who, private)
        assert "shown to the two regions and provincial staff only" in outside.text
        assert 'name="to"' not in outside.text  # no forms for them
    province = (await (await browser("reviewer")).get(f"/adoptions/{adoption_id}")).text
    assert "用于网格" in province and "/notes" in province
    app_page = (await (await browser("anonymous")).get(f"/apps/{world['slug']}")).text
    assert (
        f'href="/adoptions/{adoption_id}"' in app_page
        and "用于网格" not in app_page
        and "陈联络" not in app_page
    )


# ---------------------------------------------------------------------------- lists


async def test_lists_filter_by_view_status_and_region_and_paginate(client, db, world, browser) -> None:
    """Four cities ask for Shenzhen's app (one approved); Shenzhen also asks for Meizhou's app."""
    users = world["users"]
    askers = {"441400": users["requester"], "440100": users["other"]}
    for code in ("440500", "441200"):
        askers[code] = await make_user(db, "city_staff", code, username=f"staff_{code}")
    service = AdoptionService(db)
    ids = {}
    for code, user in askers.items():
        adoption = await service.request(
            user, RequestData(app=world["slug"], version="1.0.0", contact_name="联系人", region=code)
        )
        ids[code] = adoption.id
    await db.commit()
    await service.transition(
        users["publisher"], await service.get(ids["440100"], users["publisher"]), "approved"
    )
    await db.commit()
    meizhou_app = await published_app(
        client,
        await auth_headers(db, users["requester"]),
        await auth_headers(db, users["reviewer"]),
        slug="mz-app",
        name="梅州应用",
    )
    mine = await service.request(
        users["publisher"], RequestData(app=meizhou_app["slug"], version="1.0.0", contact_name="深圳联系人")
    )
    await db.commit()

    publisher = await browser("publisher")
    incoming = (await publisher.get("/adoptions")).text
    listed = set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', incoming)))
    assert listed == set(ids.values())  # incoming is the default for city staff
    assert re.search(r'Requested <span class="count">3</span>', incoming)
    assert re.search(r'Approved <span class="count">1</span>', incoming)
    assert re.search(r'All <span class="count">4</span>', incoming)

    approved = (await publisher.get("/adoptions", params={"status": "approved"})).text
    assert set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', approved))) == {ids["440100"]}
    by_region = (await publisher.get("/adoptions", params={"region": "441400"})).text
    assert set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', by_region))) == {ids["441400"]}
    own = (await publisher.get("/adoptions", params={"view": "mine"})).text
    assert set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', own))) == {mine.id}

    first = await publisher.get("/adoptions", params={"per_page": 3})
    second = await publisher.get("/adoptions", params={"per_page": 3, "page": 2})
    on_first = set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', first.text)))
    on_second = set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', second.text)))
    assert len(on_first) == 3 and len(on_second) == 1 and on_first | on_second == set(ids.values())
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text

    # Meizhou's incoming list has Shenzhen's request; the province sees every adoption.
    meizhou = (await (await browser("requester")).get("/adoptions")).text
    assert set(map(int, re.findall(r'<a href="/adoptions/(\d+)"><strong>', meizhou))) == {mine.id}
    province = (await (await browser("reviewer")).get("/adoptions", params={"view": "mine"})).text
    assert len(re.findall(r'<a href="/adoptions/(\d+)"><strong>', province)) == 5

    assert (await publisher.get("/adoptions", params={"status": "finished"})).status_code == 400
    anonymous = await (await browser("anonymous")).get("/adoptions")
    assert anonymous.status_code in (302, 303)
    assert anonymous.headers["location"] == "/login?next=%2Fadoptions"


# ---------------------------------------------------------------------------- the error summary


def summary(page: str) -> list[tuple[str, str]]:
    """The links of the error summary at the top of the page: (href, text)."""
    box = re.search(r'<div class="alert error error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert box, "no error summary on the page"
    return [
        (href, html.unescape(text))
        for href, text in re.findall(r'<a href="([^"]+)">([^<]*)</a>', box.group(1))
    ]


def assert_links_lead_to_fields(page: str, items: list[tuple[str, str]]) -> None:
    """Each link of the summary leads to exactly one field of the page, marked invalid."""
    for href, _text in items:
        field = re.findall(rf'<(?:input|textarea|select) id="{href[1:]}"[^>]*>', page)
        assert len(field) == 1, href
        assert 'aria-invalid="true"' in field[0], href
        assert page.count(f'id="{href[1:]}"') == 1, href
    assert page.count('aria-invalid="true"') == len({href for href, _text in items})
    assert "Please correct the fields marked below." not in page


async def test_the_adoption_page_lists_every_error_of_the_form_sent_with_labels_and_links(
    db, world, browser
) -> None:
    adoption_id = await request_through_the_form(browser, world)
    requested = await row(db, adoption_id)

    # A decline with neither reason nor tick: both, named by the decline form's labels.
    bare = await move(browser, "publisher", adoption_id, "declined", 1)
    assert bare.status_code == 422
    items = summary(bare.text)
    assert items == [
        ("#field-to-declined-comment", "Reason: Say why, in a comment."),
        ("#field-to-declined-confirm", "Confirm: Tick the box to confirm."),
    ]
    assert_links_lead_to_fields(bare.text, items)
    # the approve form's comment has an id of its own, not marked
    assert re.search(r'<textarea id="field-to-approved-comment" name="comment"[^>]*>', bare.text)
    # the ticked box is kept ticked when only the reason is missing
    ticked = await move(browser, "publisher", adoption_id, "declined", 1, confirm="yes")
    assert summary(ticked.text) == [("#field-to-declined-comment", "Reason: Say why, in a comment.")]
    assert re.search(r'<input id="field-to-declined-confirm"[^>]*checked', ticked.text)
    # a step that is no status at all: the form's error, no link to a field that is not there
    bogus = await move(browser, "publisher", adoption_id, "bogus", 1)
    assert bogus.status_code == 422
    assert re.search(r'error-summary"[^>]*>\s*<p>Choose one of:', bogus.text)
    assert summary(bogus.text) == []
    assert await row(db, adoption_id) == requested

    # Going live: a date in the future, a saving that is no amount and too long a basis, at once.
    assert (await move(browser, "publisher", adoption_id, "approved", 1)).status_code == 302
    assert (await move(browser, "requester", adoption_id, "deploying", 2)).status_code == 302
    deploying = await row(db, adoption_id)
    events = await db.scalar(select(func.count()).select_from(AdoptionEvent))
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    basis = "据" * 501
    bad_live = await move(
        browser,
        "requester",
        adoption_id,
        "live",
        3,
        went_live_on=tomorrow,
        saving_wan="很多",
        saving_basis=basis,
        comment="上线了",
    )
    assert bad_live.status_code == 422
    items = summary(bad_live.text)
    assert items == [
        ("#field-to-live-went_live_on", "Go-live date: The go-live date cannot be in the future."),
        (
            "#field-to-live-saving_wan",
            "Money saved, in 万元 (estimate): Give the saving in 万元, from 0 to 9999999999.99.",
        ),
        ("#field-to-live-saving_basis", "How the saving was estimated: At most 500 characters are allowed."),
    ]
    assert_links_lead_to_fields(bad_live.text, items)
    # what was typed is kept in the form that was sent
    assert f'value="{tomorrow}"' in bad_live.text and 'value="很多"' in bad_live.text
    assert f'value="{basis}"' in bad_live.text and ">上线了</textarea>" in bad_live.text
    assert await row(db, adoption_id) == deploying
    assert await db.scalar(select(func.count()).select_from(AdoptionEvent)) == events
    await db.rollback()

    # Live: the adopter's feedback form, and the publisher's dispute.
    assert (await move(browser, "requester", adoption_id, "live", 3)).status_code == 302
    live = await row(db, adoption_id)
    requester = await browser("requester")
    long_comment = "好" * 5001
    bad_feedback = await post_form(
        requester,
        f"/adoptions/{adoption_id}/feedback",
        {"rating": "9", "comment": long_comment, "saving_wan": "-1", "expected_revision": "4"},
    )
    assert bad_feedback.status_code == 422
    items = summary(bad_feedback.text)
    assert items == [
        ("#field-feedback-rating", "Rating: Rate from 1 to 5."),
        ("#field-feedback-comment", "Feedback: At most 5000 characters are allowed."),
        (
            "#field-feedback-saving_wan",
            "Money saved, in 万元 (estimate): Give the saving in 万元, from 0 to 9999999999.99.",
        ),
    ]
    assert_links_lead_to_fields(bad_feedback.text, items)
    assert 'value="-1"' in bad_feedback.text and long_comment in bad_feedback.text
    assert re.search(r'<details class="step" id="feedback" open>', bad_feedback.text)

    publisher = await browser("publisher")
    bad_dispute = await post_form(
        publisher, f"/adoptions/{adoption_id}/confirm", {"confirmed": "no", "expected_revision": "4"}
    )
    items = summary(bad_dispute.text)
    assert items == [
        ("#field-dispute-comment", "What is wrong with this record: Say what is wrong with this record."),
        ("#field-dispute-confirm", "Confirm: Tick the box to confirm."),
    ]
    assert_links_lead_to_fields(bad_dispute.text, items)

    bad_upgrade = await post_form(
        requester, f"/adoptions/{adoption_id}/upgrade", {"version": "9.9.9", "expected_revision": "4"}
    )
    items = summary(bad_upgrade.text)
    assert items == [
        ("#field-upgrade-version", "Version now run: This app offers no version 9.9.9 to adopters.")
    ]
    assert_links_lead_to_fields(bad_upgrade.text, items)

    bad_note = await post_form(await browser("reviewer"), f"/adoptions/{adoption_id}/notes", {"comment": " "})
    items = summary(bad_note.text)
    assert items == [("#field-note-comment", "Note: Write the note.")]
    assert_links_lead_to_fields(bad_note.text, items)
    assert await row(db, adoption_id) == live


async def test_the_request_form_reports_the_services_findings_with_the_forms(db, world, browser) -> None:
    requester = await browser("requester")
    before = await db.scalar(select(func.count()).select_from(Adoption))
    bad = await post_form(
        requester,
        f"/apps/{world['slug']}/adopt",
        {**REQUEST, "version": "9.9.9", "region": "449999", "contact_name": "", "environment": "云" * 201},
    )
    assert bad.status_code == 422
    items = summary(bad.text)
    # the form's findings (contact, environment) and the service's (version, region) together
    assert items == [
        ("#field-version", "Version: This app offers no version 9.9.9 to adopters."),
        ("#field-region", "Adopting region: No region with this code."),
        ("#field-contact_name", "Contact person: Name a contact person."),
        ("#field-environment", "Deployment environment: At most 200 characters are allowed."),
    ]
    assert_links_lead_to_fields(bad.text, items)
    assert "网格事件上报" in bad.text and "云" * 201 in bad.text
    assert await db.scalar(select(func.count()).select_from(Adoption)) == before
