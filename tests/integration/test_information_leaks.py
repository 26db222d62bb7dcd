"""Nothing reveals whether a hidden thing exists: another region's draft, its files and its
screenshots answer exactly as if they were missing, and a used slug reads the same whoever owns
it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import (
    app_payload,
    auth_headers,
    create_app,
    csrf_token,
    make_user,
    page_login,
    published_app,
    upload,
)

MISSING_ID = 987_654
# The request id in a JSON error body or an error page (store/lib/requestid.py).
REQUEST_ID = re.compile(r'("request_id":"|<code[^>]*>)[A-Za-z0-9._-]{1,64}')


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def guangzhou(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "city_staff", "440100", username="leak_gz"))


@pytest.fixture
async def shenzhen(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="leak_sz"))


@pytest.fixture
async def hidden_draft(client, guangzhou) -> dict[str, int | str]:
    """A draft of 广州 with a file and a screenshot: invisible to 深圳."""
    app = await create_app(client, guangzhou, slug="gz-secret-draft")
    artifact = (await upload(client, guangzhou, app["slug"])).json()
    shot = await client.post(
        f"/api/v1/apps/{app['slug']}/screenshots",
        files={"image": ("s.png", _png(), "image/png")},
        data={"caption": "登录页"},
        headers=guangzhou,
    )
    assert shot.status_code == 201, shot.text
    return {"slug": app["slug"], "artifact": artifact["id"], "screenshot": shot.json()["id"]}


def _without(text: str, slug: str) -> str:
    """The answer with ``slug`` and the request's own id (new on every request, it tells
    nothing about the resource) blanked out."""
    return REQUEST_ID.sub(r"\1<id>", text.replace(slug, "<slug>"))


def _error(response: Any) -> Any:
    """A JSON error without its request id."""
    body = response.json()
    body["error"].pop("request_id", None)
    return body


async def test_a_used_slug_answers_the_same_whoever_owns_it(
    client, db, shenzhen, guangzhou, hidden_draft
) -> None:
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="leak_rev"))
    await published_app(client, guangzhou, reviewer, slug="gz-public")
    await create_app(client, shenzhen, slug="sz-own-draft")
    answers = {}
    for slug in (str(hidden_draft["slug"]), "gz-public", "sz-own-draft"):
        response = await client.post("/api/v1/apps", json=app_payload(slug=slug), headers=shenzhen)
        answers[slug] = (response.status_code, _without(response.text, slug))
    assert len(set(answers.values())) == 1, answers
    status, body = answers["gz-public"]
    assert status == 422
    assert '"field":"slug"' in body.replace(" ", "")


async def test_deleting_a_hidden_file_answers_like_a_missing_one(client, db, shenzhen, hidden_draft) -> None:
    hidden = await client.delete(f"/api/v1/artifacts/{hidden_draft['artifact']}", headers=shenzhen)
    missing = await client.delete(f"/api/v1/artifacts/{MISSING_ID}", headers=shenzhen)
    assert hidden.status_code == missing.status_code == 404
    assert _error(hidden) == _error(missing)
    await db.commit()
    assert await db.scalar(select(m.Artifact.removed_at)) is None


async def test_deleting_a_hidden_screenshot_answers_like_a_missing_one(
    client, db, shenzhen, hidden_draft
) -> None:
    hidden = await client.delete(f"/api/v1/screenshots/{hidden_draft['screenshot']}", headers=shenzhen)
    missing = await client.delete(f"/api/v1/screenshots/{MISSING_ID}", headers=shenzhen)
    assert hidden.status_code == missing.status_code == 404
    assert _error(hidden) == _error(missing)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Screenshot)) == 1


async def test_the_remove_pages_answer_like_a_missing_id(client, db, hidden_draft) -> None:
    await make_user(db, "city_staff", "440300", username="leak_sz_page")
    await page_login(client, "leak_sz_page")
    token = await csrf_token(client, "/account")
    for path in ("/artifacts/{id}/remove", "/screenshots/{id}/remove"):
        kind = "artifact" if path.startswith("/artifacts") else "screenshot"
        hidden = await client.post(path.format(id=hidden_draft[kind]), data={"_csrf_token": token})
        missing = await client.post(path.format(id=MISSING_ID), data={"_csrf_token": token})
        assert hidden.status_code == missing.status_code == 404, path
    await db.commit()
    assert await db.scalar(select(m.Artifact.removed_at)) is None
    assert await db.scalar(select(func.count()).select_from(m.Screenshot)) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/apps/{slug}", None),
        ("GET", "/api/v1/apps/{slug}/versions", None),
        ("GET", "/api/v1/apps/{slug}/versions/1.0.0", None),
        ("GET", "/api/v1/apps/{slug}/history", None),
        ("POST", "/api/v1/apps/{slug}/versions", {"version": "9.0.0"}),
        ("POST", "/api/v1/apps/{slug}/versions/1.0.0/yank", {"reason": "x"}),
        ("POST", "/api/v1/apps/{slug}/submit", None),
        ("POST", "/api/v1/apps/{slug}/deprecate", {"reason": "x"}),
        ("PATCH", "/api/v1/apps/{slug}", {"summary": "改"}),
    ],
)
async def test_a_hidden_app_answers_like_a_missing_one(
    client, shenzhen, hidden_draft, method, path, body
) -> None:
    slug = str(hidden_draft["slug"])
    answers = []
    for target in (slug, "no-such-app-here"):
        response = await client.request(method, path.format(slug=target), json=body, headers=shenzhen)
        answers.append((response.status_code, _without(_without(response.text, slug), "no-such-app-here")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
