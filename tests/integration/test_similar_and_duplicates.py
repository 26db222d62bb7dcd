"""Similar apps and the duplicate check (查重), on both databases, through the pages people use.

- Every app page loads its similar published apps (htmx): never the app itself, never a draft;
  a deprecated one is marked; nothing at all when nothing is similar.
- The app form checks what a city types, the submit page checks the draft once more, and the
  reviewer's screen shows the overlap above the decision: published look-alikes with their
  publishers (region and department), the app itself left out, and a plain "nothing found".
- What a publisher wrote is escaped; the only markup in a hit is the highlight.
"""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import auth_headers, create_app, make_user, page_login, published_app, upload

HTMX = {"HX-Request": "true"}

MEIZHOU_YIBAO = {
    "slug": "mz-yibao",
    "name": "医保异地结算服务",
    "name_en": "Medical insurance cross-region settlement",
    "summary": "医保结算与异地就医备案，群众少跑腿。",
    "tags": ["医保", "结算"],
    "department": "梅州市医疗保障局",
}
GRID = {
    "slug": "mz-grid",
    "name": "网格事件派单系统",
    "name_en": "Grid event dispatch",
    "summary": "网格员上报事件，街道派单处置，核查闭环。",
    "tags": ["网格化"],
    "category": "governance",
    "department": "梅州市政务服务和数据管理局",
}


@pytest.fixture
async def people(db: AsyncSession) -> dict[str, dict[str, str]]:
    """API headers of a Shenzhen and a Meizhou publisher and of a provincial reviewer; the page
    users of the same names sign in with the factories' password."""
    return {
        "shenzhen": await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_dup")),
        "meizhou": await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_dup")),
        "reviewer": await auth_headers(db, await make_user(db, "province_reviewer", username="rev_dup")),
    }


def _links(html: str) -> list[str]:
    return re.findall(r'href="/apps/([a-z0-9-]+)"', html)


async def test_similar_apps_list_published_lookalikes_never_the_app_itself_nor_drafts(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    mine = await published_app(client, people["shenzhen"], people["reviewer"], slug="sz-yibao")
    await published_app(client, people["meizhou"], people["reviewer"], **MEIZHOU_YIBAO)
    await published_app(client, people["meizhou"], people["reviewer"], **GRID)
    await create_app(client, people["meizhou"], slug="mz-yibao-draft", name="医保结算草稿平台")

    page = await client.get(f"/apps/{mine['slug']}")
    assert 'hx-get="/apps/sz-yibao/similar"' in page.text  # loaded once the page is shown

    fragment = await client.get("/apps/sz-yibao/similar", headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="similar-apps"' in fragment.text
    assert _links(fragment.text) == ["mz-yibao"]  # not itself, not the draft, not the unrelated app
    assert "医保异地结算服务" in fragment.text and "梅州 · 梅州市医疗保障局" in fragment.text
    assert "医保结算与异地就医备案" in fragment.text
    assert "status-deprecated" not in fragment.text

    deprecated = await client.post(
        "/api/v1/apps/mz-yibao/deprecate", json={"reason": "并入省级平台"}, headers=people["meizhou"]
    )
    assert deprecated.status_code == 200, deprecated.text
    marked = await client.get("/apps/sz-yibao/similar", headers=HTMX)
    assert _links(marked.text) == ["mz-yibao"]
    assert "status-deprecated" in marked.text

    # Nothing similar: the fragment is empty and the placeholder goes away.
    alone = await client.get("/apps/mz-grid/similar", headers=HTMX)
    assert alone.status_code == 200 and alone.text.strip() == ""
    # A draft's similar apps are its region's business only, like the draft.
    assert (await client.get("/apps/mz-yibao-draft/similar", headers=HTMX)).status_code == 404


async def test_the_create_form_checks_what_the_city_types_against_published_apps(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    await published_app(client, people["meizhou"], people["reviewer"], **MEIZHOU_YIBAO)
    await create_app(client, people["shenzhen"], slug="sz-yibao-draft", name="医保结算草稿平台")
    await page_login(client, "sz_dup")

    form = await client.get("/apps/new")
    assert 'id="duplicate-check"' in form.text
    name_input = re.search(r'<input[^>]* name="name"[^>]*>', form.text)
    assert name_input and 'hx-get="/duplicate-check"' in name_input.group(0)
    assert 'hx-trigger="input changed delay:500ms"' in name_input.group(0)

    found = await client.get("/duplicate-check", params={"name": "医保结算", "summary": ""}, headers=HTMX)
    assert found.status_code == 200
    assert "<html" not in found.text
    assert _links(found.text) == ["mz-yibao"]  # the published app, not the city's own draft
    assert "梅州 · 梅州市医疗保障局" in found.text
    assert "<mark>" in found.text
    assert "nothing-similar" not in found.text

    nothing = await client.get(
        "/duplicate-check", params={"name": "古籍数字化修复", "summary": "馆藏古籍扫描"}, headers=HTMX
    )
    assert _links(nothing.text) == []
    assert "nothing-similar" in nothing.text
    empty = await client.get("/duplicate-check", params={"name": "", "summary": ""}, headers=HTMX)
    assert _links(empty.text) == [] and "nothing-similar" not in empty.text  # nothing typed yet

    # The edit form leaves the app being edited out of its own check.
    edit = await client.get("/apps/sz-yibao-draft/edit")
    assert 'hx-get="/duplicate-check?app=sz-yibao-draft"' in edit.text
    await published_app(client, people["shenzhen"], people["reviewer"], slug="sz-yibao")
    typed = {"app": "sz-yibao", "name": "医保结算平台", "summary": ""}  # matches both; one is itself
    own = await client.get("/duplicate-check", params=typed, headers=HTMX)
    assert "sz-yibao" not in _links(own.text) and "mz-yibao" in _links(own.text)


async def test_the_duplicate_check_is_for_signed_in_people_and_hides_others_drafts(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    anonymous = await client.get("/duplicate-check", params={"name": "医保"}, headers=HTMX)
    assert anonymous.status_code in (302, 303, 401)
    await create_app(client, people["shenzhen"], slug="sz-secret-draft")
    await page_login(client, "mz_dup")
    other_region = await client.get("/duplicate-check", params={"app": "sz-secret-draft"}, headers=HTMX)
    assert other_region.status_code == 404


async def test_the_submit_page_shows_the_duplicate_check_before_the_city_confirms(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    await published_app(client, people["meizhou"], people["reviewer"], **MEIZHOU_YIBAO)
    draft = await create_app(client, people["shenzhen"], slug="sz-yibao", name="医保结算服务平台")
    assert (await upload(client, people["shenzhen"], draft["slug"])).status_code == 201
    await page_login(client, "sz_dup")

    detail = await client.get("/apps/sz-yibao")
    assert 'href="/apps/sz-yibao/submit"' in detail.text  # the button leads to the confirmation
    confirm = await client.get("/apps/sz-yibao/submit")
    assert confirm.status_code == 200
    assert 'hx-get="/duplicate-check?app=sz-yibao"' in confirm.text
    assert 'action="/apps/sz-yibao/submit"' in confirm.text

    panel = await client.get("/duplicate-check", params={"app": "sz-yibao"}, headers=HTMX)
    assert _links(panel.text) == ["mz-yibao"]
    assert "梅州 · 梅州市医疗保障局" in panel.text
    without_script = await client.get("/duplicate-check", params={"app": "sz-yibao"})
    assert "<html" in without_script.text and "mz-yibao" in _links(without_script.text)

    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', confirm.text)
    assert csrf
    submitted = await client.post("/apps/sz-yibao/submit", data={"_csrf_token": csrf.group(1)})
    assert submitted.status_code in (302, 303)
    state = await client.get("/api/v1/apps/sz-yibao", headers=people["shenzhen"])
    assert state.json()["status"] == "submitted"
    # Submitted: nothing left to confirm, back to the app page.
    again = await client.get("/apps/sz-yibao/submit")
    assert again.status_code in (302, 303) and again.headers["location"].endswith("/apps/sz-yibao")


async def test_the_reviewer_sees_the_overlap_with_published_apps_before_approving(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    await published_app(client, people["meizhou"], people["reviewer"], **MEIZHOU_YIBAO)
    for slug, name in (("sz-yibao", "医保结算服务平台"), ("sz-archive", "古籍数字化修复平台")):
        await create_app(client, people["shenzhen"], slug=slug, name=name, summary=f"{name}。")
        assert (await upload(client, people["shenzhen"], slug)).status_code == 201
        submitted = await client.post(f"/api/v1/apps/{slug}/submit", headers=people["shenzhen"])
        assert submitted.status_code == 200, submitted.text

    await page_login(client, "rev_dup")
    screen = await client.get("/apps/sz-yibao")
    overlap = screen.text.index('id="overlap"')
    assert overlap < screen.text.index('action="/apps/sz-yibao/review"')  # seen before deciding
    panel = screen.text[overlap : screen.text.index("</article>", overlap)]
    assert _links(panel) == ["mz-yibao"]
    assert "梅州 · 梅州市医疗保障局" in panel

    unique = await client.get("/apps/sz-archive")
    panel = unique.text[unique.text.index('id="overlap"') :]
    assert "nothing-similar" in panel[: panel.index("</article>")]

    # The publisher looking at its own submission has no review to make, and no overlap panel.
    await page_login(client, "sz_dup")
    assert 'id="overlap"' not in (await client.get("/apps/sz-yibao")).text


HOSTILE = '医保结算<img src=x onerror="alert(1)">&amp;<b>'


async def test_a_hostile_name_is_escaped_and_only_the_highlight_is_markup(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    await published_app(client, people["meizhou"], people["reviewer"], **{**MEIZHOU_YIBAO, "name": HOSTILE})
    await published_app(client, people["shenzhen"], people["reviewer"], slug="sz-yibao")
    await page_login(client, "sz_dup")

    for response in (
        await client.get("/duplicate-check", params={"name": "医保结算", "summary": "异地"}, headers=HTMX),
        await client.get("/apps/sz-yibao/similar", headers=HTMX),
    ):
        assert response.status_code == 200
        assert "mz-yibao" in _links(response.text)
        assert "<img" not in response.text and "<b>" not in response.text
        assert "&lt;img src=x onerror=" in response.text
        assert "&amp;amp;" in response.text  # the publisher's "&amp;" is text, shown as typed
        names = re.findall(r"<strong>(.*?)</strong>", response.text)
        assert names
        for name in names:
            assert set(re.findall(r"</?([a-z]+)", name)) <= {"mark"}


async def test_a_generic_first_word_does_not_hide_a_lookalike(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    """Search keeps a query's first word; the duplicate check leaves out generic words (智慧, 平台)."""
    await published_app(client, people["meizhou"], people["reviewer"], **MEIZHOU_YIBAO)
    await page_login(client, "sz_dup")
    found = await client.get("/duplicate-check", params={"name": "智慧医保结算平台"}, headers=HTMX)
    assert _links(found.text) == ["mz-yibao"]


async def test_an_app_described_only_in_generic_words_lists_no_similar_apps(
    client: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    """Its query would be empty, and an empty query lists every app: that is not "similar"."""
    await published_app(client, people["meizhou"], people["reviewer"], **MEIZHOU_YIBAO)
    await published_app(
        client,
        people["shenzhen"],
        people["reviewer"],
        slug="sz-generic",
        name="智慧平台",
        summary="综合服务平台",
        tags=["智慧"],
    )
    alone = await client.get("/apps/sz-generic/similar", headers=HTMX)
    assert alone.status_code == 200
    assert _links(alone.text) == []
