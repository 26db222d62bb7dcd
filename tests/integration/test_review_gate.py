"""The review gate after publication (省统): what a publisher adds to or changes in a published app
reaches the public only through a provincial reviewer.

- A new version, or a file added to an approved version, is pending: its publisher's region and
  provincial staff see it (marked), everyone else gets 404 as if it did not exist, and it is not
  "latest", until a reviewer approves it. A return needs a comment and keeps it hidden.
- Metadata edits stay live but wait in the queue with their before/after until marked seen, or
  until the reviewer returns the app (published → draft).
- Screenshots follow the same rule; a submitted app's screenshots cannot be removed.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import (
    auth_headers,
    create_app,
    csrf_token,
    make_user,
    page_login,
    published_app,
    upload,
)


@pytest.fixture
async def shenzhen(db):
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_gate"))


@pytest.fixture
async def guangzhou(db):
    return await auth_headers(db, await make_user(db, "city_staff", "440100", username="gz_gate"))


@pytest.fixture
async def reviewer(db):
    return await auth_headers(db, await make_user(db, "province_reviewer", username="rev_gate"))


async def _version_row(db, slug: str, version: str) -> m.Version:
    await db.commit()  # see what the requests committed
    row = await db.scalar(
        select(m.Version).join(m.App).where(m.App.slug == slug, m.Version.version == version)
    )
    assert row is not None
    await db.refresh(row)
    return row


async def _actions(db, slug: str) -> list[tuple[str, str | None, str]]:
    await db.commit()
    rows = await db.execute(
        select(m.AuditEntry.action, m.User.username, m.AuditEntry.comment)
        .join(m.App, m.App.id == m.AuditEntry.app_id)
        .outerjoin(m.User, m.User.id == m.AuditEntry.actor_id)
        .where(m.App.slug == slug)
        .order_by(m.AuditEntry.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def _queue(client, reviewer) -> dict:
    response = await client.get("/api/v1/review/queue", headers=reviewer)
    assert response.status_code == 200, response.text
    return response.json()


def _review(client, headers, slug: str, version: str, decision: str, comment: str = ""):
    return client.post(
        f"/api/v1/apps/{slug}/versions/{version}/review",
        json={"decision": decision, "comment": comment},
        headers=headers,
    )


def _png(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), color).save(buffer, format="PNG")
    return buffer.getvalue()


async def _add_screenshot(client, headers, slug: str, caption: str):
    return await client.post(
        f"/api/v1/apps/{slug}/screenshots",
        files={"image": ("s.png", _png(), "image/png")},
        data={"caption": caption},
        headers=headers,
    )


# ---------------------------------------------------------------------- versions and files


async def test_a_new_release_is_hidden_until_a_reviewer_approves_it(
    client, db, shenzhen, guangzhou, reviewer
) -> None:
    slug = (await published_app(client, shenzhen, reviewer))["slug"]
    added = await upload(client, shenzhen, slug, "1.1.0", b"new release")
    assert added.status_code == 201, added.text
    assert added.json()["review_status"] == "pending"
    download = added.json()["download_url"]

    for outsider in ({}, guangzhou):  # anonymous, and another city's staff
        listed = await client.get(f"/api/v1/apps/{slug}/versions", headers=outsider)
        assert [v["version"] for v in listed.json()] == ["1.0.0"]
        assert (await client.get(f"/api/v1/apps/{slug}/versions/1.1.0", headers=outsider)).status_code == 404
        assert (await client.get(download, headers=outsider)).status_code == 404
        assert (await client.get(f"/api/v1/apps/{slug}", headers=outsider)).json()[
            "latest_version"
        ] == "1.0.0"
        page = await client.get(f"/apps/{slug}", headers=outsider)
        assert "1.1.0" not in page.text
        assert (await client.get(f"/apps/{slug}/versions/1.1.0", headers=outsider)).status_code == 404
    assert (await client.get(f"/artifacts/{added.json()['id']}/download")).status_code == 404
    assert (await _version_row(db, slug, "1.1.0")).artifacts[0].download_count == 0

    for insider in (shenzhen, reviewer):  # the publisher's region and the province see it, marked
        shown = (await client.get(f"/api/v1/apps/{slug}/versions/1.1.0", headers=insider)).json()
        assert shown["review_status"] == "pending"
        assert [a["review_status"] for a in shown["artifacts"]] == ["pending"]
        assert (await client.get(download, headers=insider)).content == b"new release"
        # Not "latest" for anyone until approved.
        assert (await client.get(f"/api/v1/apps/{slug}", headers=insider)).json()["latest_version"] == "1.0.0"
    assert 'class="badge review-pending"' in (await client.get(f"/apps/{slug}", headers=shenzhen)).text

    queue = await _queue(client, reviewer)
    assert [(v["app"], v["version"], v["version_review_status"]) for v in queue["pending_versions"]] == [
        (slug, "1.1.0", "pending")
    ]

    # Only provincial staff decide; a return says why; nothing changes on a refusal.
    assert (await _review(client, shenzhen, slug, "1.1.0", "approve")).status_code == 403
    assert (await _review(client, {}, slug, "1.1.0", "approve")).status_code == 401
    silent = await _review(client, reviewer, slug, "1.1.0", "return", "  ")
    assert silent.status_code == 422
    assert silent.json()["error"]["details"][0]["field"] == "comment"
    assert (await _review(client, reviewer, slug, "1.1.0", "publish")).status_code == 422
    assert (await _version_row(db, slug, "1.1.0")).review_status == "pending"

    keyed = {**reviewer, "Idempotency-Key": "approve-1.1.0"}
    approved = await _review(client, keyed, slug, "1.1.0", "approve", "同意发布")
    assert approved.status_code == 200, approved.text
    assert approved.json()["review_status"] == "approved"
    again = await _review(client, keyed, slug, "1.1.0", "approve", "同意发布")
    assert again.headers["idempotent-replayed"] == "true"
    assert (await _review(client, reviewer, slug, "1.1.0", "approve")).status_code == 409  # nothing waits

    assert (await client.get(download)).content == b"new release"
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.1.0"
    listed = await client.get(f"/api/v1/apps/{slug}/versions", headers=guangzhou)
    assert [v["version"] for v in listed.json()] == ["1.1.0", "1.0.0"]
    assert (await _queue(client, reviewer))["pending_versions"] == []
    assert (await _version_row(db, slug, "1.1.0")).artifacts[0].review_status == "approved"
    assert (await _actions(db, slug))[-1] == ("version_approved", "rev_gate", "同意发布")


async def test_a_version_added_before_its_files_waits_too(client, db, shenzhen, guangzhou, reviewer) -> None:
    slug = (await published_app(client, shenzhen, reviewer))["slug"]
    created = await client.post(
        f"/api/v1/apps/{slug}/versions", json={"version": "2.0.0", "release_notes": "新版"}, headers=shenzhen
    )
    assert created.status_code == 201
    assert created.json()["review_status"] == "pending"
    assert (await client.get(f"/api/v1/apps/{slug}/versions/2.0.0", headers=guangzhou)).status_code == 404
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.0.0"


async def test_a_returned_release_stays_hidden_until_the_publisher_sends_a_fix(
    client, db, settings, shenzhen, reviewer
) -> None:
    slug = (await published_app(client, shenzhen, reviewer))["slug"]
    broken = (await upload(client, shenzhen, slug, "1.1.0", b"broken", "broken.zip")).json()
    returned = await _review(client, reviewer, slug, "1.1.0", "return", "缺少信创适配说明")
    assert returned.status_code == 200
    assert returned.json()["review_status"] == "returned"
    assert returned.json()["review_comment"] == "缺少信创适配说明"
    assert (await client.get(broken["download_url"])).status_code == 404
    assert (await client.get(f"/api/v1/apps/{slug}/versions/1.1.0")).status_code == 404
    assert (await _queue(client, reviewer))["pending_versions"] == []  # back with the publisher
    page = await client.get(f"/apps/{slug}/versions/1.1.0", headers=shenzhen)
    assert "缺少信创适配说明" in page.text
    assert ("version_returned", "rev_gate", "缺少信创适配说明") in await _actions(db, slug)

    # The publisher may drop a file nobody outside has seen, and upload a fix: back in review.
    assert (await client.delete(f"/api/v1/artifacts/{broken['id']}", headers=shenzhen)).status_code == 200
    fixed = await upload(client, shenzhen, slug, "1.1.0", b"fixed", "fixed.zip")
    assert fixed.status_code == 201
    row = await _version_row(db, slug, "1.1.0")
    assert row.review_status == "pending"
    assert [(a.filename, a.removed_at is None) for a in row.artifacts] == [
        ("broken.zip", False),
        ("fixed.zip", True),
    ]
    assert "version_resubmitted" in [action for action, _user, _comment in await _actions(db, slug)]
    assert [v["version"] for v in (await _queue(client, reviewer))["pending_versions"]] == ["1.1.0"]
    assert (await _review(client, reviewer, slug, "1.1.0", "approve")).status_code == 200
    assert (await client.get(fixed.json()["download_url"])).content == b"fixed"
    assert (await client.get(broken["download_url"])).status_code == 404  # removed stays removed


async def test_a_file_added_to_an_approved_version_waits_while_its_other_files_stay_public(
    client, db, shenzhen, guangzhou, reviewer
) -> None:
    slug = (await published_app(client, shenzhen, reviewer))["slug"]
    first = (await client.get(f"/api/v1/apps/{slug}/versions/1.0.0")).json()["artifacts"][0]
    docs = await upload(client, shenzhen, slug, "1.0.0", b"%PDF manual", "manual.pdf", kind="docs")
    assert docs.status_code == 201
    assert docs.json()["review_status"] == "pending"

    public = (await client.get(f"/api/v1/apps/{slug}/versions/1.0.0", headers=guangzhou)).json()
    assert public["review_status"] == "approved"
    assert [a["filename"] for a in public["artifacts"]] == ["deploy.zip"]
    assert (await client.get(first["download_url"])).status_code == 200
    assert (await client.get(docs.json()["download_url"])).status_code == 404
    assert (await client.get(docs.json()["download_url"], headers=guangzhou)).status_code == 404
    assert "manual.pdf" not in (await client.get(f"/apps/{slug}/versions/1.0.0")).text
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.0.0"

    waiting = (await _queue(client, reviewer))["pending_versions"]
    assert [(v["version"], v["version_review_status"]) for v in waiting] == [("1.0.0", "approved")]
    assert [f["filename"] for f in waiting[0]["files"]] == ["manual.pdf"]

    # Returning the file leaves the version and its approved file public.
    assert (await _review(client, reviewer, slug, "1.0.0", "return", "手册不完整")).status_code == 200
    row = await _version_row(db, slug, "1.0.0")
    assert row.review_status == "approved"
    assert {a.filename: a.review_status for a in row.artifacts} == {
        "deploy.zip": "approved",
        "manual.pdf": "returned",
    }
    assert (await client.get(first["download_url"])).status_code == 200
    assert (await client.get(docs.json()["download_url"])).status_code == 404
    # An approved file of a published app never changes; a returned one may be removed.
    assert (await client.delete(f"/api/v1/artifacts/{first['id']}", headers=shenzhen)).status_code == 409
    assert (
        await client.delete(f"/api/v1/artifacts/{docs.json()['id']}", headers=shenzhen)
    ).status_code == 200
    again = await upload(client, shenzhen, slug, "1.0.0", b"%PDF manual v2", "manual-v2.pdf", kind="docs")
    assert (await _review(client, reviewer, slug, "1.0.0", "approve")).status_code == 200
    assert (await client.get(again.json()["download_url"])).content == b"%PDF manual v2"


async def test_what_is_in_an_app_under_review_is_reviewed_with_the_app(
    client, db, shenzhen, reviewer
) -> None:
    app = await create_app(client, shenzhen)
    slug = app["slug"]
    assert (await upload(client, shenzhen, slug)).status_code == 201
    assert (await _review(client, reviewer, slug, "1.0.0", "approve")).status_code == 409
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=shenzhen)).status_code == 200
    assert (await _review(client, reviewer, slug, "1.0.0", "approve")).status_code == 409
    assert (await _version_row(db, slug, "1.0.0")).review_status == "pending"
    await client.post(f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=reviewer)
    row = await _version_row(db, slug, "1.0.0")
    assert row.review_status == "approved"
    assert [a.review_status for a in row.artifacts] == ["approved"]
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.0.0"


# ---------------------------------------------------------------------- metadata edits


async def test_edits_of_a_published_app_are_live_and_wait_in_the_queue_with_their_diff(
    client, db, shenzhen, reviewer
) -> None:
    app = await published_app(client, shenzhen, reviewer)
    slug = app["slug"]
    assert (await _queue(client, reviewer))["changed_apps"] == []
    edits = ({"summary": "第一次修改"}, {"summary": "新的简介", "docs_url": "https://docs.example.gov.cn/v2"})
    for edit in edits:
        assert (await client.patch(f"/api/v1/apps/{slug}", json=edit, headers=shenzhen)).status_code == 200
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["summary"] == "新的简介"  # live at once

    changed = (await _queue(client, reviewer))["changed_apps"]
    assert [c["app"] for c in changed] == [slug]
    assert changed[0]["changes"] == {
        "summary": [app["summary"], "新的简介"],
        "docs_url": [app["docs_url"], "https://docs.example.gov.cn/v2"],
    }
    assert [e["actor"] for e in changed[0]["edits"]] == ["sz_gate", "sz_gate"]
    assert (await client.get(f"/api/v1/apps/{slug}/changes", headers=shenzhen)).status_code == 403
    assert (await client.post(f"/api/v1/apps/{slug}/changes/seen", headers=shenzhen)).status_code == 403
    page = await client.get("/review", headers=reviewer)
    assert "新的简介" in page.text and app["summary"] in page.text

    seen = await client.post(f"/api/v1/apps/{slug}/changes/seen", headers=reviewer)
    assert seen.status_code == 200, seen.text
    assert seen.json()["changes"]["summary"] == [app["summary"], "新的简介"]
    assert (await _queue(client, reviewer))["changed_apps"] == []
    assert (await client.post(f"/api/v1/apps/{slug}/changes/seen", headers=reviewer)).status_code == 409
    assert (await _actions(db, slug))[-1][:2] == ("changes_seen", "rev_gate")

    # A later edit is new work, compared with what the reviewer saw.
    await client.patch(f"/api/v1/apps/{slug}", json={"contact_name": "陈工"}, headers=shenzhen)
    changed = (await _queue(client, reviewer))["changed_apps"]
    assert changed[0]["changes"] == {"contact_name": [app["contact_name"], "陈工"]}


async def test_a_reviewer_returns_a_published_app_to_draft_with_a_comment(
    client, db, shenzhen, guangzhou, reviewer
) -> None:
    slug = (await published_app(client, shenzhen, reviewer))["slug"]
    await client.patch(
        f"/api/v1/apps/{slug}", json={"docs_url": "https://elsewhere.example.com"}, headers=shenzhen
    )
    path = f"/api/v1/apps/{slug}/review"
    silent = await client.post(path, json={"decision": "return", "comment": ""}, headers=reviewer)
    assert silent.status_code == 422
    await db.commit()
    assert await db.scalar(select(m.App.status).where(m.App.slug == slug)) == "published"
    assert (await client.post(path, json={"decision": "approve"}, headers=reviewer)).status_code == 409

    returned = await client.post(
        path, json={"decision": "return", "comment": "文档链接指向外部网站"}, headers=reviewer
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "draft"
    assert returned.json()["review_comment"] == "文档链接指向外部网站"
    assert slug not in [a["slug"] for a in (await client.get("/api/v1/apps")).json()["items"]]
    assert (await client.get(f"/api/v1/apps/{slug}")).status_code == 404
    assert (await client.get(f"/api/v1/apps/{slug}", headers=guangzhou)).status_code == 404
    assert (await client.get(f"/api/v1/apps/{slug}", headers=shenzhen)).json()["status"] == "draft"
    assert (await _queue(client, reviewer))["changed_apps"] == []
    history = (await client.get(f"/api/v1/apps/{slug}/history", headers=shenzhen)).json()
    assert history[-1]["action"] == "returned"
    assert history[-1]["changes"]["status"] == ["published", "draft"]
    assert history[-1]["actor"] == "rev_gate"

    # Fixed, resubmitted and approved: public again, with nothing left "changed since approval".
    await client.patch(
        f"/api/v1/apps/{slug}", json={"docs_url": "https://docs.example.gov.cn/yb"}, headers=shenzhen
    )
    assert (await client.post(f"/api/v1/apps/{slug}/submit", headers=shenzhen)).status_code == 200
    assert (await client.post(path, json={"decision": "approve"}, headers=reviewer)).status_code == 200
    assert (await client.get(f"/api/v1/apps/{slug}")).status_code == 200
    assert (await _queue(client, reviewer))["changed_apps"] == []


# ---------------------------------------------------------------------- screenshots


async def test_screenshots_of_a_published_app_wait_for_review(
    client, db, shenzhen, guangzhou, reviewer
) -> None:
    draft = await create_app(client, shenzhen, slug="shots-gate")
    assert (await _add_screenshot(client, shenzhen, "shots-gate", "首页")).status_code == 201
    assert (await upload(client, shenzhen, "shots-gate")).status_code == 201
    await client.post("/api/v1/apps/shots-gate/submit", headers=shenzhen)
    await client.post("/api/v1/apps/shots-gate/review", json={"decision": "approve"}, headers=reviewer)
    # Approved with the app.
    assert [
        s["caption"] for s in (await client.get(f"/api/v1/apps/{draft['slug']}")).json()["screenshots"]
    ] == ["首页"]

    added = await _add_screenshot(client, shenzhen, "shots-gate", "统计页")
    assert added.status_code == 201
    shot = added.json()
    for outsider in ({}, guangzhou):
        shown = (await client.get("/api/v1/apps/shots-gate", headers=outsider)).json()["screenshots"]
        assert [s["caption"] for s in shown] == ["首页"]
        assert (await client.get(shot["url"], headers=outsider)).status_code == 404
        assert (await client.get(shot["thumbnail_url"], headers=outsider)).status_code == 404
    for insider in (shenzhen, reviewer):
        shown = (await client.get("/api/v1/apps/shots-gate", headers=insider)).json()["screenshots"]
        assert [(s["caption"], s["review_status"]) for s in shown] == [
            ("首页", "approved"),
            ("统计页", "pending"),
        ]
        assert (await client.get(shot["url"], headers=insider)).status_code == 200
    assert [s["id"] for s in (await _queue(client, reviewer))["pending_screenshots"]] == [shot["id"]]

    path = f"/api/v1/screenshots/{shot['id']}/review"
    assert (await client.post(path, json={"decision": "approve"}, headers=shenzhen)).status_code == 403
    assert (await client.post(path, json={"decision": "return"}, headers=reviewer)).status_code == 422
    approved = await client.post(path, json={"decision": "approve"}, headers=reviewer)
    assert approved.status_code == 200
    assert approved.json()["review_status"] == "approved"
    assert (await client.get(shot["url"])).status_code == 200
    assert (await client.post(path, json={"decision": "approve"}, headers=reviewer)).status_code == 409

    other = (await _add_screenshot(client, shenzhen, "shots-gate", "广告页")).json()
    returned = await client.post(
        f"/api/v1/screenshots/{other['id']}/review",
        json={"decision": "return", "comment": "含商业广告"},
        headers=reviewer,
    )
    assert returned.json()["review_status"] == "returned"
    assert (await client.get(other["url"])).status_code == 404
    assert (await _queue(client, reviewer))["pending_screenshots"] == []
    assert ("screenshot_returned", "rev_gate", "含商业广告") in await _actions(db, "shots-gate")


async def test_a_screenshot_of_a_submitted_app_cannot_be_removed(client, db, app, shenzhen) -> None:
    await create_app(client, shenzhen, slug="frozen-shots")
    shot = (await _add_screenshot(client, shenzhen, "frozen-shots", "首页")).json()
    assert (await upload(client, shenzhen, "frozen-shots")).status_code == 201
    assert (await client.post("/api/v1/apps/frozen-shots/submit", headers=shenzhen)).status_code == 200

    refused = await client.delete(f"/api/v1/screenshots/{shot['id']}", headers=shenzhen)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    await db.commit()
    row = await db.get(m.Screenshot, shot["id"])
    assert row is not None
    storage = app.state["storage"]
    assert await storage.exists(row.object_key) and await storage.exists(row.thumb_key)
    assert (await client.get(shot["url"], headers=shenzhen)).status_code == 200
    removals = await db.scalar(
        select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "screenshot_removed")
    )
    assert removals == 0


# ---------------------------------------------------------------------- pages


async def test_the_reviewer_works_the_queue_through_the_pages(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_gate"))
    reviewer_headers = await auth_headers(
        db, await make_user(db, "province_reviewer", username="rev_pages_gate")
    )
    app = await published_app(client, publisher, reviewer_headers, slug="gate-pages")
    await upload(client, publisher, "gate-pages", "1.2.0", b"release", "release.zip")
    await client.patch("/api/v1/apps/gate-pages", json={"summary": "页面上修改的简介"}, headers=publisher)
    shot = (await _add_screenshot(client, publisher, "gate-pages", "新截图")).json()
    await create_app(client, publisher, slug="gate-new")
    await upload(client, publisher, "gate-new")
    await client.post("/api/v1/apps/gate-new/submit", headers=publisher)

    await page_login(client, "rev_pages_gate")
    queue = (await client.get("/review")).text
    assert "/apps/gate-new" in queue  # a new submission
    assert "/apps/gate-pages/versions/1.2.0" in queue  # a pending release
    assert "页面上修改的简介" in queue and app["summary"] in queue  # a change, with its diff
    version_page = await client.get("/apps/gate-pages/versions/1.2.0")
    assert 'action="/apps/gate-pages/versions/1.2.0/review"' in version_page.text
    token = await csrf_token(client, "/apps/gate-pages")
    empty = await client.post(
        "/apps/gate-pages/versions/1.2.0/review",
        data={"decision": "return", "comment": "", "_csrf_token": token},
    )
    assert empty.status_code == 422
    assert 'class="field-error"' in empty.text
    approved = await client.post(
        "/apps/gate-pages/versions/1.2.0/review",
        data={"decision": "approve", "confirm": "yes", "_csrf_token": token},
    )
    assert approved.status_code in (302, 303)
    seen = await client.post("/apps/gate-pages/changes/seen", data={"_csrf_token": token})
    assert seen.status_code in (302, 303)
    assert f'action="/screenshots/{shot["id"]}/review"' in (await client.get("/apps/gate-pages")).text
    shot_approved = await client.post(
        f"/screenshots/{shot['id']}/review", data={"decision": "approve", "_csrf_token": token}
    )
    assert shot_approved.status_code in (302, 303)
    queue = (await client.get("/review")).text
    assert "/apps/gate-pages/versions/1.2.0" not in queue
    assert "页面上修改的简介" not in queue
    assert f"/screenshots/{shot['id']}/thumbnail" not in queue
    assert (await client.get("/api/v1/apps/gate-pages")).json()["latest_version"] == "1.2.0"
    assert (await client.get(shot["url"])).status_code == 200

    # Returning the published app from its page: a comment is required, then it is a draft.
    page = (await client.get("/apps/gate-pages")).text
    assert 'action="/apps/gate-pages/review"' in page
    refused = await client.post("/apps/gate-pages/review", data={"decision": "return", "_csrf_token": token})
    assert refused.status_code == 422
    returned = await client.post(
        "/apps/gate-pages/review", data={"decision": "return", "comment": "请补充说明", "_csrf_token": token}
    )
    assert returned.status_code in (302, 303)
    assert (await client.get("/api/v1/apps/gate-pages", headers=publisher)).json()["status"] == "draft"


async def test_the_publisher_sees_what_waits_marked_on_the_app_page(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_mark"))
    reviewer_headers = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_mark"))
    await published_app(client, publisher, reviewer_headers, slug="gate-marked")
    await upload(client, publisher, "gate-marked", "1.3.0", b"x", "x.zip")
    await page_login(client, "mz_mark")
    page = (await client.get("/apps/gate-marked")).text
    assert re.search(
        r"1\.3\.0</strong></a>\s*<small>[^<]*</small>\s*<span class=\"badge review-pending\">", page
    )
    assert "/apps/gate-marked/changes/seen" not in page  # reviewer actions are not offered


# ---------------------------------------------------------------------- migration


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_what_was_public_before_the_gate_migrates_as_approved(tmp_path, backend: str) -> None:
    """Migration 0003 on a database with releases: they stay public (and on SQLite nothing is lost
    to a table copy); a row written without a status is pending."""
    import asyncio
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import text

    from store.db.engine import create_engine
    from store.db.migrate import upgrade
    from store.settings import DatabaseSettings
    from tests.conftest import _create_pg_database, _drop_pg_database, _pg_url

    name = f"store_test_gate_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'before-gate.db'}"
    else:
        await _create_pg_database(name)
        url = _pg_url(name)
    engine = create_engine(DatabaseSettings(url=url))
    now = datetime.now(UTC)
    try:
        await asyncio.to_thread(upgrade, url, "0002")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO apps (id, slug, kind, name, name_en, summary, description, category,"
                    " region_code, department, contact_name, contact_phone, contact_email, maturity,"
                    " license_type, license_spdx, reuse_terms, offering, reference_prices, tech_stack,"
                    " requirements, docs_url, source_url, status, review_comment, deprecation_reason,"
                    " created_at, updated_at) VALUES (1, 'old-app', 'application', '旧应用', '', '简介',"
                    " '', 'services', '440300', '部门', '联系人', '', '', 'mature', 'open_source', '', '',"
                    " 'standard_free', '[]', '[]', '', '', '', 'published', '', '', :now, :now)"
                ),
                {"now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO versions (id, app_id, version, sort_key, release_notes, release_date,"
                    " min_requirements, yanked, yank_reason, created_at) VALUES (1, 1, '1.0.0', 'k', '',"
                    " :day, '', false, '', :now)"
                ),
                {"now": now, "day": now.date()},
            )
            await conn.execute(
                text(
                    "INSERT INTO artifacts (id, version_id, kind, filename, content_type, size, sha256,"
                    " object_key, download_count, created_at) VALUES (1, 1, 'package', 'a.zip',"
                    " 'application/zip', 1, :sha, 'artifacts/1/a', 0, :now)"
                ),
                {"now": now, "sha": "0" * 64},
            )
            await conn.execute(
                text(
                    "INSERT INTO screenshots (id, app_id, caption, object_key, thumb_key, content_type,"
                    " width, height, created_at) VALUES (1, 1, '', 's/1', 's/1-thumb.jpg', 'image/png',"
                    " 10, 10, :now)"
                ),
                {"now": now},
            )
        await asyncio.to_thread(upgrade, url)
        async with engine.connect() as conn:
            for table in ("versions", "artifacts", "screenshots"):
                statuses = (await conn.execute(text(f"SELECT review_status FROM {table}"))).scalars().all()  # noqa: S608
                assert statuses == ["approved"], table
        # A row written without a review status stays hidden.
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO screenshots (id, app_id, caption, object_key, thumb_key, content_type,"
                    " width, height, created_at) VALUES (2, 1, '', 's/2', 's/2-t', 'image/png', 10, 10, :now)"
                ),
                {"now": now},
            )
            status = await conn.scalar(text("SELECT review_status FROM screenshots WHERE object_key = 's/2'"))
        assert status == "pending"
    finally:
        await engine.dispose()
        if backend == "postgresql":
            await _drop_pg_database(name)
