"""Feedback after every action, and a review that is careful by design (issue 12).

- Every form post of the catalog, version, review, account and admin pages redirects to a page
  that says once what happened (store/lib/flash.py); the next view of that page no longer does.
- After a return or an approval the reviewer lands on the queue, which names the app, its region
  and what happened, with a link to the app; the publisher's staff get a notification.
- The header counts what waits: the review queue for reviewers, returned drafts for city staff.
- Approving from a page needs the ticked "I have checked" box: without it nothing changes.
- A resubmission shows the reviewer the previous comment and what changed since, with the form's
  labels; the queue marks it with its round.
- Comments keep their line breaks (CSS ``white-space: pre-line`` on escaped text).
- The history names fields and statuses as users see them, never the internal names.

Pages are read in English (``lang`` cookie): the Chinese catalog is filled in from the msgids.
"""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from tests.factories import auth_headers, create_app, csrf_token, make_user, page_login, published_app, upload

FLASH = 'class="alert success flash"'
BADGE = re.compile(r'<span class="badge count nav-count">(\d+)</span>')

# The new-app form, complete (field names as templates/catalog/form.html posts them).
APP_FORM = {
    "kind": "application",
    "category": "governance",
    "maturity": "promoted",
    "name": "城市网格化管理系统",
    "name_en": "Urban grid feedback",
    "summary": "网格员上报、派单、处置、核查闭环。",
    "description": "闭环管理",
    "tags": "网格化",
    "department": "深圳市政务服务和数据管理局",
    "contact_name": "王工",
    "contact_phone": "0755-1234567",
    "contact_email": "",
    "license_type": "gov_free",
    "license_spdx": "",
    "offering": "standard_free",
    "price_yuan": "",
    "deployment_fee_yuan": "80000",
    "reference_prices": "",
    "reuse_terms": "免费复用",
    "deployment_modes": "gov_cloud",
    "tech_stack": "Java",
    "requirements": "政务云",
    "docs_url": "",
    "source_url": "",
}


async def _signed_in(
    client: httpx.AsyncClient, db: AsyncSession, role: str, username: str, **kw: Any
) -> m.User:
    user = await make_user(db, role, username=username, **kw)
    await page_login(client, username)
    client.cookies.set("lang", "en")
    return user


async def _confirmed(client: httpx.AsyncClient, response: httpx.Response, text: str) -> str:
    """Follow the redirect of a form post: the landing page says ``text`` once; the next view of
    the same page says nothing. Returns the landing page."""
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"].split("#")[0]
    page = await client.get(location)
    assert page.status_code == 200
    assert FLASH in page.text, f"no confirmation on {location}"
    assert text in page.text, page.text[page.text.find(FLASH) - 50 : page.text.find(FLASH) + 400]
    again = await client.get(location)
    assert FLASH not in again.text, f"the confirmation on {location} showed twice"
    return page.text


async def _row(db: AsyncSession, slug: str) -> m.App:
    await db.commit()  # see what the requests committed
    app = await db.scalar(select(m.App).where(m.App.slug == slug).execution_options(populate_existing=True))
    assert app is not None
    return app


async def _notifications(db: AsyncSession, kind: str) -> list[tuple[str, dict[str, Any]]]:
    await db.commit()
    rows = await db.execute(
        select(m.User.username, m.Notification.params)
        .join(m.User, m.User.id == m.Notification.user_id)
        .where(m.Notification.kind == kind)
        .order_by(m.Notification.id)
    )
    return [(username, params) for username, params in rows.tuples()]


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _submitted(
    client: httpx.AsyncClient, db: AsyncSession, slug: str, **overrides: Any
) -> dict[str, str]:
    """A Shenzhen app with a file, submitted for review through the API; the publisher's headers."""
    publisher = await auth_headers(
        db, await make_user(db, "city_staff", "440300", username=f"api_{slug}"[:60])
    )
    await create_app(client, publisher, slug=slug, **overrides)
    assert (await upload(client, publisher, slug)).status_code == 201
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=publisher)).status_code == 200
    return publisher


# ---------------------------------------------------------------------- the publisher's actions


async def test_each_action_of_the_publisher_says_what_happened_once(client, db) -> None:
    await _signed_in(client, db, "city_staff", "sz_feedback", region="440300")
    token = await csrf_token(client, "/apps/new")

    created = await client.post("/apps/new", data={**APP_FORM, "_csrf_token": token})
    slug = created.headers["location"].rsplit("/", 1)[-1]
    await _confirmed(client, created, "Draft saved.")

    edit = {**APP_FORM, "_csrf_token": token}
    await _confirmed(client, await client.post(f"/apps/{slug}/edit", data=edit), "Nothing was changed.")
    changed = await client.post(f"/apps/{slug}/edit", data={**edit, "summary": "改过的简介"})
    await _confirmed(client, changed, "Changes saved.")
    assert (await _row(db, slug)).summary == "改过的简介"

    version = await client.post(f"/apps/{slug}/versions/new", data={"version": "1.0.0", "_csrf_token": token})
    page = await _confirmed(client, version, "Version created.")
    assert 'id="upload-form"' in page

    # The upload itself goes through the API from upload.js, which then sets the code
    # "file_uploaded" for the version page (as the browser does) and reloads it.
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_pipeline"))
    artifact = (await upload(client, headers, slug, "1.0.0", b"first", "a.zip")).json()
    version_path = f"/apps/{slug}/versions/1.0.0"
    client.cookies.set("store_done", "file_uploaded", domain="testserver.local", path=version_path)
    shown = await client.get(version_path)
    assert FLASH in shown.text and "File uploaded." in shown.text
    assert FLASH not in (await client.get(version_path)).text

    removed = await client.post(f"/artifacts/{artifact['id']}/remove", data={"_csrf_token": token})
    await _confirmed(client, removed, "File removed.")
    assert (await upload(client, headers, slug, "1.0.0", b"second", "b.zip")).status_code == 201

    shot = await client.post(
        f"/apps/{slug}/screenshots",
        data={"caption": "首页", "_csrf_token": token},
        files={"image": ("s.png", _png(), "image/png")},
    )
    await _confirmed(client, shot, "Screenshot added.")
    shot_id = await db.scalar(select(m.Screenshot.id).join(m.App).where(m.App.slug == slug))
    gone = await client.post(f"/screenshots/{shot_id}/remove", data={"_csrf_token": token})
    await _confirmed(client, gone, "Screenshot removed.")

    submitted = await client.post(f"/apps/{slug}/submit", data={"_csrf_token": token})
    await _confirmed(client, submitted, "Submitted for review.")
    assert (await _row(db, slug)).status == m.AppStatus.SUBMITTED


async def test_withdrawing_a_version_and_deprecating_say_so(client, db) -> None:
    user = await _signed_in(client, db, "city_staff", "sz_lifecycle", region="440300")
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_lifecycle"))
    await published_app(client, await auth_headers(db, user), reviewer, slug="feedback-life")
    token = await csrf_token(client, "/apps/feedback-life")
    yanked = await client.post(
        "/apps/feedback-life/versions/1.0.0/yank", data={"reason": "打包错误", "_csrf_token": token}
    )
    await _confirmed(client, yanked, "Version withdrawn.")
    deprecated = await client.post(
        "/apps/feedback-life/deprecate", data={"reason": "由新平台替代", "_csrf_token": token}
    )
    await _confirmed(client, deprecated, "The app is deprecated")
    assert (await _row(db, "feedback-life")).status == m.AppStatus.DEPRECATED


async def test_a_refused_form_keeps_the_confirmation_for_later_and_shows_no_success(client, db) -> None:
    await _signed_in(client, db, "city_staff", "sz_refused", region="440300")
    token = await csrf_token(client, "/apps/new")
    created = await client.post(
        "/apps/new", data={**APP_FORM, "name_en": "Refused feedback", "_csrf_token": token}
    )
    slug = created.headers["location"].rsplit("/", 1)[-1]
    # A refused submission (no version yet) shows the app page with the error, not a success.
    refused = await client.post(f"/apps/{slug}/submit", data={"_csrf_token": token})
    assert refused.status_code == 409
    assert FLASH not in refused.text
    # A code the page does not know, or one with something it does not take, shows nothing.
    for crafted in ("approved", "submitted:12", "app_returned:1"):
        client.cookies.set("store_done", crafted, domain="testserver.local", path=f"/apps/{slug}")
        assert FLASH not in (await client.get(f"/apps/{slug}")).text, crafted


# ---------------------------------------------------------------------- the reviewer's decisions


async def test_a_return_lands_on_the_queue_naming_the_app_and_tells_the_publisher(client, db) -> None:
    await _submitted(client, db, "feedback-return", name="退回测试应用")
    colleague = await make_user(db, "city_staff", "440300", username="sz_colleague")
    await make_user(db, "city_staff", "440100", username="gz_bystander")
    await _signed_in(client, db, "province_reviewer", "rev_return")
    token = await csrf_token(client, "/apps/feedback-return")
    returned = await client.post(
        "/apps/feedback-return/review",
        data={"decision": "return", "comment": "请补充部署文档", "_csrf_token": token},
    )
    assert returned.headers["location"] == "/review"
    city = await db.scalar(select(m.Region.name).where(m.Region.code == "440300"))
    page = await _confirmed(client, returned, f"Returned “退回测试应用” to {city} with your comments.")
    assert re.search(r'class="alert success flash".*?href="/apps/feedback-return"', page, re.S)
    assert (await _row(db, "feedback-return")).status == m.AppStatus.DRAFT

    # The publisher's region hears of it in the inbox (every active staff member, nobody else).
    told = await _notifications(db, m.NotificationKind.APP_RETURNED)
    assert sorted(username for username, _params in told) == sorted(
        ["api_feedback-return", colleague.username]
    )
    assert told[0][1]["comment"] == "请补充部署文档" and told[0][1]["app_slug"] == "feedback-return"


async def test_an_approval_needs_the_ticked_box_and_then_lands_on_the_queue(client, db) -> None:
    await _submitted(client, db, "feedback-approve", name="批准测试应用")
    await _signed_in(client, db, "province_reviewer", "rev_approve")
    page = (await client.get("/apps/feedback-approve")).text
    # The decision comes after the content (the versions), with its box to tick.
    assert page.index('id="versions"') < page.index('id="review-decision"')
    assert re.search(r'<input type="checkbox" name="confirm"[^>]* value="yes" required', page)
    token = await csrf_token(client, "/apps/feedback-approve")

    refused = await client.post(
        "/apps/feedback-approve/review", data={"decision": "approve", "_csrf_token": token}
    )
    assert refused.status_code == 422
    assert 'id="confirm-error"' in refused.text
    row = await _row(db, "feedback-approve")
    assert row.status == m.AppStatus.SUBMITTED and row.published_at is None
    assert not await db.scalar(
        select(func.count())
        .select_from(m.AuditEntry)
        .where(m.AuditEntry.app_id == row.id, m.AuditEntry.action == "approved")
    )
    assert await _notifications(db, m.NotificationKind.APP_APPROVED) == []

    approved = await client.post(
        "/apps/feedback-approve/review",
        data={"decision": "approve", "confirm": "yes", "_csrf_token": token},
    )
    await _confirmed(client, approved, "Approved “批准测试应用”: it is published in the catalog.")
    assert (await _row(db, "feedback-approve")).status == m.AppStatus.PUBLISHED
    assert [u for u, _p in await _notifications(db, m.NotificationKind.APP_APPROVED)] == [
        "api_feedback-approve"
    ]


async def test_decisions_on_versions_screenshots_and_edits_say_what_happened(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_after"))
    reviewer_headers = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_api"))
    await published_app(client, publisher, reviewer_headers, slug="feedback-after", name="上架后应用")
    await upload(client, publisher, "feedback-after", "1.1.0", b"new", "new.zip")
    await upload(client, publisher, "feedback-after", "1.2.0", b"newer", "newer.zip")
    await client.patch("/api/v1/apps/feedback-after", json={"summary": "上架后改的简介"}, headers=publisher)
    shot = await client.post(
        "/api/v1/apps/feedback-after/screenshots",
        files={"image": ("s.png", _png(), "image/png")},
        data={"caption": "新截图"},
        headers=publisher,
    )
    await _signed_in(client, db, "province_reviewer", "rev_after")
    token = await csrf_token(client, "/apps/feedback-after")

    version_page = (await client.get("/apps/feedback-after/versions/1.1.0")).text
    assert version_page.index("<h2>Files</h2>") < version_page.index('id="review-title"')
    unticked = await client.post(
        "/apps/feedback-after/versions/1.1.0/review", data={"decision": "approve", "_csrf_token": token}
    )
    assert unticked.status_code == 422
    await db.commit()
    pending = await db.scalar(select(m.Version.review_status).where(m.Version.version == "1.1.0"))
    assert pending == m.ReviewStatus.PENDING
    approved = await client.post(
        "/apps/feedback-after/versions/1.1.0/review",
        data={"decision": "approve", "confirm": "yes", "_csrf_token": token},
    )
    await _confirmed(client, approved, "Approved version 1.1.0 of “上架后应用”: it is public.")
    returned = await client.post(
        "/apps/feedback-after/versions/1.2.0/review",
        data={"decision": "return", "comment": "文件缺少说明", "_csrf_token": token},
    )
    await _confirmed(client, returned, "Returned version 1.2.0 of “上架后应用” to")
    kinds = [
        (kind, params["version"])
        for kind in (m.NotificationKind.VERSION_APPROVED, m.NotificationKind.VERSION_RETURNED)
        for _u, params in await _notifications(db, kind)
    ]
    assert kinds == [("version_approved", "1.1.0"), ("version_returned", "1.2.0")]

    shot_done = await client.post(
        f"/screenshots/{shot.json()['id']}/review", data={"decision": "approve", "_csrf_token": token}
    )
    await _confirmed(client, shot_done, "Screenshot approved")
    seen = await client.post("/apps/feedback-after/changes/seen", data={"_csrf_token": token})
    await _confirmed(client, seen, "The changes to “上架后应用” are marked as seen.")


# ---------------------------------------------------------------------- account and admin pages


async def test_account_and_admin_changes_say_what_happened(client, db) -> None:
    admin = await _signed_in(client, db, "province_admin", "boss_feedback")
    await auth_headers(db, admin)  # a token to revoke
    token = await csrf_token(client, "/account")
    token_id = await db.scalar(select(m.ApiToken.id))
    revoked = await client.post(f"/account/tokens/{token_id}/revoke", data={"_csrf_token": token})
    await _confirmed(client, revoked, "Token revoked.")

    added = await client.post(
        "/admin/users",
        data={
            "username": "zh_feedback",
            "role": "city_staff",
            "region": "440400",
            "password": "long-enough-pw",
            "_csrf_token": token,
        },
    )
    await _confirmed(client, added, "User zh_feedback added.")
    target = await db.scalar(select(m.User).where(m.User.username == "zh_feedback"))
    assert target is not None
    saved = await client.post(
        f"/admin/users/{target.id}",
        data={
            "display_name": "珠海",
            "role": "city_staff",
            "region": "440400",
            "is_active": "on",
            "_csrf_token": token,
        },
    )
    await _confirmed(client, saved, "Changes to zh_feedback saved.")

    district = await client.post(
        "/admin/regions",
        data={"parent_code": "440300", "code": "440305", "name": "南山区", "_csrf_token": token},
    )
    city = await db.scalar(select(m.Region.name).where(m.Region.code == "440300"))
    await _confirmed(client, district, f"District 南山区 (440305) added under {city}.")


# ---------------------------------------------------------------------- the header's counts


async def test_the_header_counts_what_waits_for_each_user(client, other_client, db) -> None:
    # Waiting for a reviewer: one submission, one new version of a published app, one screenshot.
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_counts"))
    reviewer_headers = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_counts"))
    await published_app(client, publisher, reviewer_headers, slug="counts-public")
    await upload(client, publisher, "counts-public", "2.0.0", b"two", "two.zip")
    await client.post(
        "/api/v1/apps/counts-public/screenshots",
        files={"image": ("s.png", _png(), "image/png")},
        headers=publisher,
    )
    await create_app(client, publisher, slug="counts-new")
    await upload(client, publisher, "counts-new")
    await client.post("/api/v1/apps/counts-new/submit", headers=publisher)
    # Returned drafts: one of Shenzhen's, one of Guangzhou's (not Shenzhen's business).
    for slug, headers in (
        ("counts-returned", publisher),
        (
            "counts-gz",
            await auth_headers(db, await make_user(db, "city_staff", "440100", username="gz_counts")),
        ),
    ):
        await create_app(client, headers, slug=slug)
        await upload(client, headers, slug)
        await client.post(f"/api/v1/apps/{slug}/submit", headers=headers)
        await client.post(
            f"/api/v1/apps/{slug}/review",
            json={"decision": "return", "comment": "请修改"},
            headers=reviewer_headers,
        )

    anonymous = (await other_client.get("/apps")).text
    assert not BADGE.search(anonymous)

    await _signed_in(client, db, "province_reviewer", "rev_badge")
    page = (await client.get("/apps")).text
    assert re.search(
        r'href="/review">Reviews <span class="badge count nav-count">3</span>'
        r'<span class="visually-hidden"> Pending review</span>',
        page,
    )

    await _signed_in(other_client, db, "city_staff", "sz_badge", region="440300")
    page = (await other_client.get("/apps")).text
    assert re.search(
        r'href="/my-apps">[^<]*<span class="badge count nav-count">1</span>'
        r'<span class="visually-hidden"> returned with comments</span>',
        page,
    )
    mine = (await other_client.get("/my-apps")).text
    returned = mine.split('id="returned-title"')[1].split("</section>")[0]
    assert "/apps/counts-returned" in returned and "请修改" in returned
    assert "/apps/counts-gz" not in mine

    # Resubmitted, the draft leaves the count.
    await client.post("/api/v1/apps/counts-returned/submit", headers=publisher)
    page = (await other_client.get("/apps")).text
    assert not BADGE.search(page)


async def test_a_long_queue_shows_99_plus_and_counting_stops_there(client, db) -> None:
    from sqlalchemy import insert

    from store.review.services import COUNT_CAP, count_waiting

    rows = [
        {
            "slug": f"queued-{i}",
            "kind": "application",
            "name": f"排队应用{i}",
            "summary": "s",
            "category": "services",
            "region_code": "440300",
            "department": "d",
            "contact_name": "c",
            "maturity": "pilot",
            "license_type": "gov_free",
            "offering": "standard_free",
            "status": m.AppStatus.SUBMITTED,
        }
        for i in range(COUNT_CAP + 5)
    ]
    await db.execute(insert(m.App), rows)
    await db.commit()
    assert await count_waiting(db) == COUNT_CAP
    await _signed_in(client, db, "province_reviewer", "rev_long")
    page = (await client.get("/apps")).text
    assert '<span class="badge count nav-count">99+</span>' in page


# ---------------------------------------------------------------------- resubmissions


async def test_a_resubmission_shows_the_previous_comment_and_what_changed(client, db) -> None:
    publisher = await _submitted(client, db, "feedback-again", name="再次提交应用", reuse_terms="原条件")
    reviewer_headers = await auth_headers(
        db, await make_user(db, "province_reviewer", username="rev_again_api")
    )
    comment = "1. 补充复用条件\n2. <script>alert(1)</script>"
    await client.post(
        "/api/v1/apps/feedback-again/review",
        json={"decision": "return", "comment": comment},
        headers=reviewer_headers,
    )
    await client.patch(
        "/api/v1/apps/feedback-again",
        json={"reuse_terms": "新条件", "summary": "改过的一句话简介", "category": "governance"},
        headers=publisher,
    )
    await upload(client, publisher, "feedback-again", "1.0.1", b"fix", "fix.zip")
    await client.post("/api/v1/apps/feedback-again/submit", headers=publisher)

    await _signed_in(client, db, "province_reviewer", "rev_again")
    queue = (await client.get("/review")).text
    row = queue.split('href="/apps/feedback-again"')[1].split("</tr>")[0]
    assert '<span class="badge resubmitted">Resubmitted</span>' in row and "Round 2" in row
    assert '<tr class="resubmission">' in queue

    page = (await client.get("/apps/feedback-again")).text
    assert "Round 2" in page.split('id="review-decision"')[0]  # said at the top too
    decision = page.split('id="review-decision"')[1]
    # The previous comment, escaped, its line breaks kept by .prose (white-space: pre-line).
    assert (
        '<blockquote class="prose previous-comment">'
        "1. 补充复用条件\n2. &lt;script&gt;alert(1)&lt;/script&gt;</blockquote>" in decision
    )
    # What changed since, by the form's labels, before → after, with names users read.
    table = decision.split('class="review-diff"')[1].split("</table>")[0]
    assert re.search(
        r'<th scope="row">Reuse terms</th>'
        r'<td><span class="prose">原条件</span></td><td><span class="prose">新条件</span></td>',
        table,
    )
    assert re.search(r'<th scope="row">One-line summary</th><td>[^<]*</td><td>改过的一句话简介</td>', table)
    assert re.search(
        r"<th scope=\"row\">Category</th><td>One-stop services[^<]*</td><td>Unified governance", table
    )
    assert "reuse_terms" not in table and "category<" not in table
    assert "version added: 1.0.1" in decision and "file uploaded: 1.0.1/fix.zip" in decision


async def test_a_first_submission_is_not_marked_as_a_resubmission(client, db) -> None:
    await _submitted(client, db, "feedback-first")
    await _signed_in(client, db, "province_reviewer", "rev_first")
    queue = (await client.get("/review")).text
    assert "/apps/feedback-first" in queue and "Resubmitted" not in queue
    page = (await client.get("/apps/feedback-first")).text
    assert "waits for your review" in page and "previous-comment" not in page


# ---------------------------------------------------------------------- comments and history


async def test_the_return_comment_keeps_its_lines_where_the_fixes_are_made(client, db) -> None:
    await _submitted(client, db, "feedback-lines")
    await make_user(db, "city_staff", "440300", username="sz_lines")  # told of the return
    reviewer_headers = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_lines"))
    comment = "1. 补充部署文档\n2. <script>alert(1)</script>"
    returned = await client.post(
        "/api/v1/apps/feedback-lines/review",
        json={"decision": "return", "comment": comment},
        headers=reviewer_headers,
    )
    assert returned.status_code == 200
    await page_login(client, "sz_lines")
    client.cookies.set("lang", "en")
    shown = '<p class="prose">1. 补充部署文档\n2. &lt;script&gt;alert(1)&lt;/script&gt;</p>'
    for path in (
        "/apps/feedback-lines",
        "/apps/feedback-lines/edit",
        "/apps/feedback-lines/versions/new",
        "/apps/feedback-lines/versions/1.0.0",
    ):
        page = (await client.get(path)).text
        assert shown in page, path
        assert "<script>alert(1)</script>" not in page, path
    history = (await client.get("/apps/feedback-lines/history")).text
    assert (
        '<blockquote class="prose">1. 补充部署文档\n2. &lt;script&gt;alert(1)&lt;/script&gt;</blockquote>'
        in history
    )
    inbox = (await client.get("/inbox")).text
    assert re.search(r'class="prose">[^<]*Comment: 1\. 补充部署文档\n2\. &lt;script&gt;', inbox)
    css = (await client.get("/static/css/store.css")).text
    assert re.search(r"\.prose \{[^}]*white-space: pre-line", css)


async def test_the_history_names_fields_and_statuses_as_users_see_them(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_hist_api"))
    await create_app(client, publisher, slug="feedback-history", reuse_terms="原条件")
    assert (await upload(client, publisher, "feedback-history")).status_code == 201
    await client.patch("/api/v1/apps/feedback-history", json={"reuse_terms": "新条件"}, headers=publisher)
    assert (await client.post("/api/v1/apps/feedback-history/submit", headers=publisher)).status_code == 200
    await _signed_in(client, db, "city_staff", "sz_history", region="440300")
    history = (await client.get("/apps/feedback-history/history")).text
    entries = history.split('<ol class="history">')[1].split("</ol>")[0]
    for internal in (
        "reuse_terms",
        "draft→submitted",
        "<code>status</code>",
        ">sha256<",
        ">draft<",
        ">submitted<",
    ):
        assert internal not in entries, internal
    assert '<th scope="row">Reuse terms</th>' in entries
    assert re.search(r'<th scope="row">Status</th><td>Draft</td><td>Under review</td>', entries)
    assert '<th scope="row">SHA-256 checksum</th>' in entries
    assert '<th scope="row">File</th><td>—</td><td>1.0.0/deploy.zip</td>' in entries


def test_every_field_the_history_records_has_a_label() -> None:
    from store.catalog.fields import SENT
    from store.catalog.labels import LABELS

    assert set(SENT) <= set(LABELS["field"])
    assert all(LABELS["field"].values())
