"""The forms beyond the app form (issue 12): the admin's user form, the app page's deprecate,
return and screenshot-review forms, the version page's withdraw form and the password form each
report every error in one answer, in the summary at the top with the field's label and a link to
its field, keep what was typed, and change nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.i18n import gettext
from tests.factories import auth_headers, csrf_token, make_user, page_login, published_app
from tests.integration.test_forms_usability import summary_of


def item(field: str, label: str, error: str, **params: Any) -> tuple[str, str]:
    """A line of the summary as the page shows it: a link to the field, its label and the error."""
    text = gettext("%(label)s: %(error)s", label=gettext(label), error=gettext(error, **params))
    return (f"#field-{field}", text)


def assert_fields_marked(page: str, items: list[tuple[str, str]]) -> None:
    """Each link leads to exactly one field of the page, and that field is marked invalid."""
    for href, _text in items:
        assert page.count(f'id="{href[1:]}"') == 1, href
        field = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{href[1:]}"[^>]*>', page)
        assert field and 'aria-invalid="true"' in field.group(0), href


async def count(db: AsyncSession, model: Any, *where: Any) -> int:
    found = int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    await db.rollback()  # the next read sees what the app committed since
    return found


async def post(client: httpx.AsyncClient, page: str, path: str, data: dict[str, str]) -> httpx.Response:
    return await client.post(path, data={**data, "_csrf_token": await csrf_token(client, page)})


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_the_user_form_reports_every_field_at_once_and_keeps_what_was_typed(client, db) -> None:
    await make_user(db, "province_admin", username="boss_all")
    target = await make_user(db, "city_staff", "440300", username="sz_target", display_name="旧名")
    before = (target.display_name, target.email, target.region_code, target.password_hash, target.is_active)
    target_id = target.id
    users = await count(db, m.User)
    await page_login(client, "boss_all")
    path = f"/admin/users/{target_id}"
    bad = await post(
        client,
        path,
        path,
        {
            "display_name": "新名字",
            "email": "sz@",
            "role": "city_staff",
            "region": "999999",
            "password": "short",
            "revoke_tokens": "on",
        },
    )
    assert bad.status_code == 422
    items = summary_of(bad.text)
    # the password with the others, in the form's order (it used to come alone, first)
    assert items == [
        item(
            "email",
            "E-mail address (optional)",
            "Enter an e-mail address such as name@example.gov.cn, or leave it empty.",
        ),
        item("region", "Region code", "Unknown region code %(code)s.", code="999999"),
        item(
            "password",
            "New password (leave empty to keep)",
            "A password must have between %(min)s and %(max)s characters.",
            min=10,
            max=256,
        ),
    ]
    assert_fields_marked(bad.text, items)
    # what was typed is shown again, the box left unticked stays unticked; never the password
    assert re.search(r'name="display_name"[^>]*value="新名字"', bad.text)
    assert re.search(r'name="email"[^>]*value="sz@"', bad.text)
    assert re.search(r'name="region"[^>]*value="999999"', bad.text)
    assert not re.search(r'name="is_active"[^>]*checked', bad.text)
    assert 'value="short"' not in bad.text
    # nothing changed
    await db.refresh(target)
    assert (
        target.display_name,
        target.email,
        target.region_code,
        target.password_hash,
        target.is_active,
    ) == before
    assert await count(db, m.User) == users

    # a short password alone: the one error
    alone = await post(
        client, path, path, {"role": "city_staff", "region": "440300", "password": "short", "is_active": "on"}
    )
    assert [href for href, _text in summary_of(alone.text)] == ["#field-password"]

    # the API answers the same way: every field in one answer
    admin = await auth_headers(db, await make_user(db, "province_admin", username="boss_api"))
    api = await client.patch(
        f"/api/v1/users/{target_id}", json={"email": "x@", "password": "short"}, headers=admin
    )
    assert api.status_code == 422
    assert {d["field"] for d in api.json()["error"]["details"]} == {"email", "password"}
    await db.refresh(target)
    assert target.password_hash == before[3]


async def test_the_app_page_forms_link_each_error_to_its_own_field(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_page_forms"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_page_forms"))
    await published_app(client, publisher, reviewer, slug="page-forms")
    shot = await client.post(
        "/api/v1/apps/page-forms/screenshots",
        files={"image": ("s.png", png(), "image/png")},
        data={"caption": "首页"},
        headers=publisher,
    )
    assert shot.status_code == 201, shot.text
    shot_id = shot.json()["id"]
    audit = await count(db, m.AuditEntry)
    page = "/apps/page-forms"

    # The publisher deprecates without a reason, naming no published successor: both at once.
    await page_login(client, "sz_page_forms")
    deprecated = await post(client, page, f"{page}/deprecate", {"reason": "", "successor": "no-such-app"})
    assert deprecated.status_code == 422
    items = summary_of(deprecated.text)
    assert items == [
        item("reason", "Reason", "Say why the app is deprecated."),
        item("successor", "Successor app (slug, optional)", "The successor must be another published app."),
    ]
    assert_fields_marked(deprecated.text, items)
    assert re.search(
        r"<details open>\s*<summary>" + re.escape(gettext("Deprecate this app")), deprecated.text
    )
    assert re.search(r'name="successor"[^>]*value="no-such-app"', deprecated.text)
    with_reason = await post(
        client, page, f"{page}/deprecate", {"reason": "已由省级平台替代", "successor": "nope"}
    )
    assert ">已由省级平台替代</textarea>" in with_reason.text  # kept

    # A published app returned without a comment: the return form's comment.
    await page_login(client, "rev_page_forms")
    returned = await post(client, page, f"{page}/review", {"decision": "return", "comment": " "})
    assert returned.status_code == 422
    items = summary_of(returned.text)
    assert items == [item("comment", "Comment", "Say what the publisher should change.")]
    assert_fields_marked(returned.text, items)
    assert re.search(
        r"<details open>\s*<summary>" + re.escape(gettext("Return the app to its publisher")), returned.text
    )

    # A screenshot returned without a comment: its own form's field, not the app's return form.
    refused = await post(
        client, page, f"/screenshots/{shot_id}/review", {"decision": "return", "comment": ""}
    )
    assert refused.status_code == 422
    items = summary_of(refused.text)
    assert items == [
        item(
            f"screenshot-{shot_id}-comment",
            "Comment (required when returning)",
            "Say what the publisher should change.",
        )
    ]
    assert_fields_marked(refused.text, items)
    assert refused.text.count('aria-invalid="true"') == 1
    app_comment = re.search(r'<textarea name="comment" id="field-comment"[^>]*>', refused.text)
    assert app_comment and "aria-invalid" not in app_comment.group(0)

    app = await db.scalar(select(m.App).where(m.App.slug == "page-forms"))
    assert app is not None and app.status == m.AppStatus.PUBLISHED and app.successor_id is None
    stored = await db.get(m.Screenshot, shot_id)
    assert stored is not None and stored.review_status == m.ReviewStatus.PENDING
    await db.rollback()
    assert await count(db, m.AuditEntry) == audit


async def test_the_withdraw_and_password_forms_link_their_errors(client, db) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_yank_forms"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_yank_forms"))
    await published_app(client, publisher, reviewer, slug="yank-forms")
    await page_login(client, "sz_yank_forms")
    page = "/apps/yank-forms/versions/1.0.0"
    yanked = await post(client, page, f"{page}/yank", {"reason": "  "})
    assert yanked.status_code == 422
    items = summary_of(yanked.text)
    assert items == [item("reason", "Reason", "Say why the version is withdrawn.")]
    assert_fields_marked(yanked.text, items)
    assert await count(db, m.Version, m.Version.yanked.is_(True)) == 0

    # The password form: a wrong current password and too short a new one, both at once.
    user = await db.scalar(select(m.User).where(m.User.username == "sz_yank_forms"))
    assert user is not None
    hash_before = user.password_hash
    await db.rollback()
    bad = await post(
        client, "/account", "/account/password", {"current_password": "wrong one", "new_password": "short"}
    )
    assert bad.status_code == 422
    items = summary_of(bad.text)
    assert items == [
        item("current_password", "Current password", "The current password is wrong."),
        item(
            "password",
            "New password (at least 10 characters)",
            "A password must have between %(min)s and %(max)s characters.",
            min=10,
            max=256,
        ),
    ]
    assert_fields_marked(bad.text, items)
    user = await db.scalar(select(m.User).where(m.User.username == "sz_yank_forms"))
    assert user is not None and user.password_hash == hash_before
