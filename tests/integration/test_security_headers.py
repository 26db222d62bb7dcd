"""Security headers on every kind of answer, no-store for signed-in users, downloads whose type the
store decides, Markdown images from the store only, and the favicon.

The browser side of the Content-Security-Policy (htmx and Swagger UI working under it, violations
reported) is in tests/e2e/test_security_in_browser.py.
"""

from __future__ import annotations

import io
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import select, update

from store.app import create_app
from store.db import models as m
from store.lib import markdown, mediatypes
from store.lib.headers import OTHER_POLICY, PAGE_POLICY
from tests.conftest import serve, settings_with
from tests.factories import auth_headers, make_user, page_login, published_app, upload
from tests.factories import create_app as create_catalog_app
from tests.integration.conftest import empty_bucket

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
# Inline code a page could carry: a <script> without src, <style>, style="", onclick="", javascript:
INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)
DANGEROUS_TYPES = [
    "text/html",
    "TEXT/HTML; charset=utf-8",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/x-shockwave-flash",
    "multipart/x-mixed-replace; boundary=x",
    "application/zip\r\nX-Evil: 1",
]


def assert_everywhere(response: httpx.Response) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    permissions = response.headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions
    assert "strict-transport-security" not in response.headers  # not in the test environment


def assert_page_policy(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy == PAGE_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def shenzhen(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_headers"))


@pytest.fixture
async def reviewer(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "province_reviewer", username="rev_headers"))


# -- headers on every kind of answer ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/apps", "/regions", "/login", "/schema", "/no-such-page"])
async def test_pages_carry_the_policy_and_the_other_headers(client, path: str) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == (404 if path == "/no-such-page" else 200)
    assert_page_policy(response)
    assert_everywhere(response)


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/health", {}, 200),
        ("GET", "/api/v1/regions", {}, 200),
        ("GET", "/schema/openapi.json", {}, 200),
        ("GET", "/api/v1/no-such-thing", {}, 404),  # unmatched: no route middleware runs
        ("DELETE", "/health", {}, 405),
        ("GET", "/api/v1/me", {"Authorization": "Bearer yfy_not-a-token"}, 401),  # refused in middleware
        ("GET", "/static/css/store.css", {}, 200),
        ("GET", "/static/vendor/htmx.min.js", {}, 200),
        ("GET", "/static/favicon.svg", {}, 200),
        ("GET", "/favicon.ico", {}, 200),
    ],
)
async def test_every_other_answer_is_nosniff_unframable_and_sandboxed(
    client, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = await client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert_everywhere(response)
    assert response.headers["content-security-policy"] == OTHER_POLICY


async def test_hsts_only_in_production(settings) -> None:
    app = create_app(settings_with(settings, env="production"))
    try:
        async with serve(app) as production:
            response = await production.get("/health")
    finally:
        await app.state["engine"].dispose()
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_pages_carry_no_inline_script_or_style(client, other_client, db, shenzhen, reviewer) -> None:
    """What the policy forbids must not be in our own pages, signed in or not."""
    app = await published_app(client, shenzhen, reviewer)
    slug = app["slug"]
    admin = await make_user(db, "province_admin", username="admin_headers")
    publisher_pages = [
        "/",
        "/apps",
        f"/apps/{slug}",
        f"/apps/{slug}/versions/1.0.0",
        f"/apps/{slug}/edit",
        f"/apps/{slug}/history",
        f"/apps/{slug}/versions/new",
        "/apps/new",
        "/my-apps",
        "/regions",
        "/account",
    ]
    for path in publisher_pages:
        response = await client.get(path, headers=shenzhen)
        assert response.status_code == 200, (path, response.status_code)
        assert INLINE.findall(response.text) == [], path
    await page_login(other_client, admin.username)
    for path in ["/admin/users", f"/admin/users/{admin.id}", "/admin/regions", "/review", "/login"]:
        response = await other_client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert INLINE.findall(response.text) == [], path
        assert_page_policy(response)
    page = (await client.get("/")).text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert "includeIndicatorStyles" in page  # htmx told not to inject its <style>


async def test_api_docs_page_has_nothing_inline_and_nothing_from_outside(client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert INLINE.findall(page.text) == []
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/favicon.svg" in sources
    assert "/static/js/api-docs.js" in sources
    assert all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    assert "cdn" not in page.text.lower()
    assert (await client.get("/schema/oauth2-redirect.html")).status_code == 404  # an inline script
    for src in sources:
        assert (await client.get(src)).status_code == 200, src


# -- caching: nothing a signed-in user sees is kept ------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/apps", "/regions", "/login", "/api/v1/apps", "/api/v1/regions"])
async def test_anonymous_answers_may_be_cached(client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")


async def test_signed_in_answers_are_never_stored(client, other_client, db, shenzhen) -> None:
    user = await make_user(db, "city_staff", "440300", username="sz_cookie")
    await page_login(other_client, user.username)
    for path in ["/", "/apps", "/regions", "/account", "/my-apps", "/api/v1/me", "/api/v1/apps"]:
        by_session = await other_client.get(path)
        by_token = await client.get(path, headers=shenzhen)
        for response in (by_session, by_token):
            assert response.status_code == 200, (path, response.text)
            assert response.headers["cache-control"] == "no-store", path
    # static files stay cacheable whoever asks
    static = await other_client.get("/static/css/store.css")
    assert "no-store" not in static.headers.get("cache-control", "")


async def test_the_answer_that_signs_in_is_not_stored(client, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="sz_login")
    token = (await client.get("/login")).text
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', token)
    assert csrf
    response = await client.post(
        "/login",
        data={"username": user.username, "password": "correct horse battery", "_csrf_token": csrf[1]},
    )
    assert response.status_code in (302, 303), response.text
    assert "store_session=" in response.headers["set-cookie"]
    assert response.headers["cache-control"] == "no-store"


async def test_token_secrets_are_never_stored(client, other_client, db, shenzhen) -> None:
    created = await client.post("/api/v1/tokens", json={"name": "ci"}, headers=shenzhen)
    assert created.status_code == 201, created.text
    assert created.json()["secret"]
    assert created.headers["cache-control"] == "no-store"
    user = await make_user(db, "city_staff", "440300", username="sz_page_token")
    await page_login(other_client, user.username)
    page = await other_client.get("/account")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert csrf
    shown = await other_client.post("/account/tokens", data={"name": "pipeline", "_csrf_token": csrf[1]})
    assert shown.status_code == 200
    assert "yfy_" in shown.text
    assert shown.headers["cache-control"] == "no-store"


# -- downloads: the store decides the type ----------------------------------------------------------


@pytest.mark.parametrize("declared", DANGEROUS_TYPES)
async def test_uploads_never_keep_a_type_a_browser_would_run(client, db, shenzhen, declared: str) -> None:
    app = await create_catalog_app(client, shenzhen)
    content = b"<html><script>alert(document.cookie)</script></html>"
    response = await upload(client, {**shenzhen, "X-Content-Type": declared}, app["slug"], content=content)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "application/octet-stream"
    row = await db.scalar(select(m.Artifact).where(m.Artifact.id == response.json()["id"]))
    assert row is not None and row.content_type == "application/octet-stream"
    download = await client.get(response.json()["download_url"], headers=shenzhen)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == OTHER_POLICY


@pytest.mark.parametrize(
    ("declared", "kept"),
    [
        ("application/zip", "application/zip"),
        ("Application/PDF; name=x.pdf", "application/pdf"),
        ("application/json", "application/json"),
        (None, "application/octet-stream"),
    ],
)
async def test_packaging_types_are_kept(client, shenzhen, declared: str | None, kept: str) -> None:
    app = await create_catalog_app(client, shenzhen)
    headers = {**shenzhen, "X-Content-Type": declared} if declared else shenzhen
    response = await upload(client, headers, app["slug"], content=b"PK\x03\x04 package")
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == kept
    download = await client.get(response.json()["download_url"], headers=shenzhen)
    assert download.headers["content-type"] == kept
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_a_row_recorded_with_html_is_still_served_as_bytes(client, db, shenzhen) -> None:
    """Files recorded before the upload side decided the type are checked again on the way out."""
    app = await create_catalog_app(client, shenzhen)
    response = await upload(client, shenzhen, app["slug"], content=b"<svg onload=alert(1)>")
    await db.execute(
        update(m.Artifact).where(m.Artifact.id == response.json()["id"]).values(content_type="image/svg+xml")
    )
    await db.commit()
    for url in (response.json()["download_url"], f"/artifacts/{response.json()['id']}/download"):
        download = await client.get(url, headers=shenzhen)
        assert download.status_code == 200, url
        assert download.headers["content-type"] == "application/octet-stream"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"


async def test_screenshots_keep_their_checked_image_type_and_nosniff(client, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    added = await client.post(
        f"/api/v1/apps/{app['slug']}/screenshots",
        files={"image": ("screen.svg", png(), "image/svg+xml")},
        headers=shenzhen,
    )
    assert added.status_code == 201, added.text
    for url, kind in ((added.json()["url"], "image/png"), (added.json()["thumbnail_url"], "image/jpeg")):
        response = await client.get(url, headers=shenzhen)
        assert response.status_code == 200
        assert response.headers["content-type"] == kind
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == OTHER_POLICY


@pytest.mark.services
async def test_presigned_s3_downloads_carry_the_decided_type_and_attachment(settings, db, seaweed) -> None:
    from tests.integration.test_artifacts_on_s3 import s3_settings

    bucket = f"headers-{uuid.uuid4().hex[:12]}"
    s3_app = create_app(s3_settings(settings, seaweed, bucket))
    await s3_app.state["storage"].prepare()
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="s3_headers"))
    content = b"<html><script>alert(1)</script></html>"
    try:
        async with serve(s3_app) as client:
            app = await create_catalog_app(client, publisher)
            uploaded = await upload(
                client, {**publisher, "X-Content-Type": "text/html"}, app["slug"], content=content
            )
            assert uploaded.status_code == 201, uploaded.text
            redirect = await client.get(uploaded.json()["download_url"], headers=publisher)
        assert redirect.status_code == 302
        assert redirect.headers["x-content-type-options"] == "nosniff"
        assert redirect.headers["cache-control"] == "no-store"  # the URL carries a signature
        location = redirect.headers["location"]
        query = parse_qs(urlsplit(location).query)
        assert query["response-content-type"] == ["application/octet-stream"]
        assert query["response-content-disposition"][0].startswith("attachment;")
        async with httpx.AsyncClient(trust_env=False) as plain:
            fetched = await plain.get(location)
        assert fetched.status_code == 200
        assert fetched.content == content
        assert fetched.headers["content-type"] == "application/octet-stream"
        assert fetched.headers["content-disposition"].startswith("attachment;")
        # the object itself was stored with the decided type, not the announced one
        key = await db.scalar(select(m.Artifact.object_key).where(m.Artifact.id == uploaded.json()["id"]))
        head = seaweed.client().head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == "application/octet-stream"
    finally:
        await s3_app.state["engine"].dispose()
        empty_bucket(seaweed, bucket)


@pytest.mark.parametrize(
    ("declared", "served"),
    [
        ("text/html", "application/octet-stream"),
        (" application/gzip ", "application/gzip"),
        ("application/zip;charset=utf-8", "application/zip"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/zip\nX: y", "application/octet-stream"),
        ("", "application/octet-stream"),
        (None, "application/octet-stream"),
    ],
)
def test_download_type_table(declared: str | None, served: str) -> None:
    assert mediatypes.download_type(declared) == served


# -- Markdown images: the store's screenshots or nothing --------------------------------------------

PIXELS = [
    "![pixel](https://tracker.example/p.gif)",
    "![pixel](http://tracker.example/p.gif)",
    "![pixel](HTTPS://TRACKER.EXAMPLE/p.gif)",
    "![pixel](//tracker.example/p.gif)",
    "![pixel](/\\tracker.example/p.gif)",
    "![pixel](data:image/gif;base64,R0lGODlhAQABAAAAACw=)",
    "![pixel](DATA:image/png;base64,iVBORw0KGgo=)",
    "![pixel](&#104;ttps://tracker.example/p.gif)",
    "![pixel](&#47;&#47;tracker.example/p.gif)",
    "![pixel](%2F%2Ftracker.example/p.gif)",
    "![pixel](http://testserver.local/screenshots/1)",
    "![pixel](/screenshots/1?u=//tracker.example)",
    "![pixel](/screenshots/1/../../../p.gif)",
    "![pixel](screenshots/1)",
    "![pixel][ref]\n\n[ref]: https://tracker.example/p.gif",
    '<img src="https://tracker.example/p.gif" alt="pixel">',
]


@pytest.mark.parametrize("source", PIXELS)
def test_markdown_drops_images_from_elsewhere_and_keeps_the_alt_text(source: str) -> None:
    html = markdown.render(source)
    assert "<img" not in html, html
    assert "tracker" not in html.lower() or "&lt;img" in html, html  # raw HTML stays escaped text
    assert "pixel" in html


@pytest.mark.parametrize("path", ["/screenshots/12", "/screenshots/12/thumbnail"])
def test_markdown_keeps_the_stores_own_screenshots(path: str) -> None:
    assert markdown.render(f"![界面]({path})").strip() == f'<p><img src="{path}" alt="界面"></p>'


def test_the_sanitizer_also_drops_outside_images() -> None:
    """Second layer, should the renderer ever emit one."""
    html = markdown.sanitize('<img src="&#47;&#47;tracker.example/p.gif" alt="a"><img src="/screenshots/3">')
    assert html == '<img alt="a"><img src="/screenshots/3">'


async def test_app_page_shows_no_tracking_pixel(client, shenzhen) -> None:
    description = "\n\n".join([*PIXELS[:-1], "![界面](/screenshots/1)"])
    app = await create_catalog_app(client, shenzhen, description=description)
    page = await client.get(f"/apps/{app['slug']}", headers=shenzhen)
    assert page.status_code == 200
    sources = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", page.text)
    assert "/screenshots/1" in sources
    assert all(src.startswith("/screenshots/") for src in sources), sources
    assert "tracker.example" not in page.text


# -- favicon ---------------------------------------------------------------------------------------


async def test_favicon_is_served(client) -> None:
    ico = await client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/vnd.microsoft.icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO directory
    with Image.open(io.BytesIO(ico.content)) as image:
        assert image.format == "ICO"
    assert "max-age" in ico.headers["cache-control"]
    svg = await client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg") and "<script" not in svg.text
