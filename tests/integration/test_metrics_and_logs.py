"""/metrics, the request id and the access log, on SQLite and PostgreSQL.

The metrics live in this process (no PROMETHEUS_MULTIPROC_DIR here; the several-workers case is
tests/e2e/test_metrics_with_workers.py) and are shared by every app the tests build, so each test
reads a figure before and after what it does and checks the difference.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.app import create_app
from store.db import models as m
from store.lib.logs import JsonFormatter, TextFormatter
from store.settings import MonitoringSettings, Settings
from tests.conftest import BASE_URL
from tests.factories import PASSWORD, auth_headers, make_token, make_user, published_app, upload

METRICS_TOKEN = "metrics-token-0123456789abcdef"
OUTSIDE = ("203.0.113.9", 40000)  # TEST-NET-3: on no allowed network
INSIDE = ("10.1.2.3", 40000)


def figure(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` with exactly ``labels`` (0 when it has none yet)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


def client_for(
    app: Litestar, client: tuple[str, int] = ("127.0.0.1", 40000), **options: Any
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, follow_redirects=False, **options)


@pytest.fixture(scope="module")
async def guarded_app(settings: Settings) -> AsyncIterator[Litestar]:
    """The store with a metrics token and one allowed network that is not the loopback."""
    monitoring = MonitoringSettings(metrics_token=METRICS_TOKEN, metrics_allow=("10.0.0.0/8",))
    application = create_app(replace(settings, monitoring=monitoring))
    yield application
    await application.state["engine"].dispose()


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line the store writes during the test, as JSON lines (what production gets).
    The test's own HTTP client logs each URL it asks for; that is not the store's log."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(lambda record: not record.name.startswith(("httpx", "httpcore")))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def access_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line["logger"] == "store.access"]


# ---------------------------------------------------------------------------- who may read /metrics


@pytest.mark.parametrize(
    ("peer", "authorization", "status"),
    [
        (OUTSIDE, None, 403),
        (OUTSIDE, f"Bearer {METRICS_TOKEN}x", 403),
        (OUTSIDE, f"Basic {METRICS_TOKEN}", 403),
        (("127.0.0.1", 40000), None, 403),  # the loopback is not on this store's list
        (OUTSIDE, f"Bearer {METRICS_TOKEN}", 200),
        (OUTSIDE, f"bearer {METRICS_TOKEN}", 200),
        (INSIDE, None, 200),
    ],
)
async def test_metrics_need_the_token_or_an_allowed_network(
    guarded_app: Litestar, clean_database: None, peer: tuple[str, int], authorization: str | None, status: int
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with client_for(guarded_app, peer) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert response.headers["cache-control"] == "no-store"
        assert "# TYPE store_http_requests_total counter" in response.text
        assert "store_database_up 1.0" in response.text
    else:
        assert "store_http_requests_total" not in response.text


async def test_by_default_only_the_machine_itself_reads_metrics(app: Litestar, clean_database: None) -> None:
    async with client_for(app, OUTSIDE) as outside, client_for(app, ("::1", 40000)) as local6:
        assert (await outside.get("/metrics")).status_code == 403
        refused = await outside.get("/metrics", headers={"Accept": "application/json"})
        assert refused.json()["error"]["code"] == "forbidden"
        assert (await local6.get("/metrics")).status_code == 200


async def test_metrics_in_openmetrics_when_the_scraper_asks(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert "store_search_outbox_backlog" in response.text


# ---------------------------------------------------------------------------- what is counted


async def test_requests_are_counted_by_route_template_with_a_histogram(client: httpx.AsyncClient) -> None:
    route = "/api/v1/apps/{slug}"
    before = await scrape(client)
    for n in range(3):
        assert (await client.get(f"/api/v1/apps/no-such-app-{n}")).status_code == 404
    for _ in range(2):
        assert (await client.get("/no/route/here")).status_code == 404
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return figure(after, name, **labels) - figure(before, name, **labels)

    assert grew("store_http_requests_total", route=route, method="GET", status="404") == 3
    assert grew("store_http_requests_total", route="(unmatched)", method="GET", status="404") == 2
    assert grew("store_http_request_duration_seconds_count", route=route, method="GET") == 3
    assert grew("store_http_request_duration_seconds_bucket", route=route, method="GET", le="+Inf") == 3
    assert grew("store_http_request_duration_seconds_bucket", route=route, method="GET", le="60.0") == 3
    # The raw paths never become labels.
    assert "no-such-app" not in after and "/no/route" not in after


async def test_uploads_and_downloads_are_counted_with_their_bytes(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", None))
    app = await published_app(client, publisher, reviewer)
    content = b"x" * 1234
    before = await scrape(client)
    uploaded = await upload(
        client, publisher, app["slug"], version="1.1.0", content=content, filename="a.zip"
    )
    assert uploaded.status_code == 201, uploaded.text
    # The same bytes again under the same name: nothing new is stored, nothing counted.
    again = await upload(client, publisher, app["slug"], version="1.1.0", content=content, filename="a.zip")
    assert again.status_code == 200, again.text
    download = await client.get(uploaded.json()["download_url"], headers=publisher)
    assert download.status_code == 200 and download.content == content
    after = await scrape(client)
    assert (
        figure(after, "store_uploads_total", kind="package")
        - figure(before, "store_uploads_total", kind="package")
        == 1
    )
    assert figure(after, "store_upload_bytes_total", kind="package") - figure(
        before, "store_upload_bytes_total", kind="package"
    ) == len(content)
    assert figure(after, "store_downloads_total") - figure(before, "store_downloads_total") == 1
    assert figure(after, "store_download_bytes_total") - figure(before, "store_download_bytes_total") == len(
        content
    )


async def test_failed_sign_ins_and_the_lockout_are_counted(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    user = await make_user(db, "city_staff", "440300")
    limit = settings.auth.login_max_failures
    before = await scrape(client)
    for _ in range(limit):
        bad = await client.post(
            "/api/v1/auth/login", json={"username": user.username, "password": "wrong one"}
        )
        assert bad.status_code == 401
    locked = await client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return figure(after, name, **labels) - figure(before, name, **labels)

    assert grew("store_login_failures_total", reason="wrong_credentials") == limit
    assert grew("store_login_failures_total", reason="locked_out") == 1
    assert grew("store_login_lockouts_total") == 1


async def test_adoption_transitions_are_counted_from_and_to(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", None))
    requester = await auth_headers(db, await make_user(db, "city_staff", "441400"))
    app = await published_app(client, publisher, reviewer)
    before = await scrape(client)
    requested = await client.post(
        "/api/v1/adoptions",
        json={"app": app["slug"], "version": "1.0.0", "contact_name": "李工", "purpose": "试用"},
        headers=requester,
    )
    assert requested.status_code == 201, requested.text
    adoption = requested.json()["id"]
    approved = await client.post(
        f"/api/v1/adoptions/{adoption}/transitions", json={"to": "approved"}, headers=publisher
    )
    assert approved.status_code == 200, approved.text
    # A step the table does not allow changes nothing and counts nothing.
    refused = await client.post(
        f"/api/v1/adoptions/{adoption}/transitions", json={"to": "live"}, headers=publisher
    )
    assert refused.status_code in (403, 409)
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return figure(after, name, **labels) - figure(before, name, **labels)

    assert grew("store_adoption_transitions_total", from_status="none", to_status="requested") == 1
    assert grew("store_adoption_transitions_total", from_status="requested", to_status="approved") == 1
    assert grew("store_adoption_transitions_total", from_status="approved", to_status="live") == 0
    assert grew("store_adoption_events_total", kind="transition") == 2


async def test_database_searches_are_timed_by_engine(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    assert (await client.get("/api/v1/search", params={"q": "医保"})).status_code == 200
    after = await scrape(client)
    labels = {"engine": "database", "operation": "search"}
    assert figure(after, "store_search_duration_seconds_count", **labels) > figure(
        before, "store_search_duration_seconds_count", **labels
    )


async def test_the_outbox_backlog_is_read_at_each_scrape(client: httpx.AsyncClient, db: AsyncSession) -> None:
    assert figure(await scrape(client), "store_search_outbox_backlog") == 0
    db.add_all([m.SearchOutbox(app_id=4711, reason="test") for _ in range(3)])  # app_id has no FK
    await db.commit()
    text = await scrape(client)
    assert figure(text, "store_search_outbox_backlog") == 3
    assert figure(text, "store_search_outbox_oldest_age_seconds") >= 0


# ---------------------------------------------------------------------------- the request id


async def test_a_sane_request_id_is_echoed_and_others_are_replaced(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "lb-7f3a.2_x"})
    assert echoed.headers["x-request-id"] == "lb-7f3a.2_x"
    for hostile in ("a" * 65, "a b", "a\tb", "x;rm", "中文", ""):
        answer = await client.get("/health", headers={"X-Request-ID": hostile.encode()})
        rid = answer.headers["x-request-id"]
        assert rid != hostile and len(rid) == 32 and rid.isalnum(), (hostile, rid)
    generated = {(await client.get("/health")).headers["x-request-id"] for _ in range(3)}
    assert len(generated) == 3


async def test_a_newline_in_the_request_id_never_reaches_the_answer(
    app: Litestar, clean_database: None
) -> None:
    """httpx refuses to send a newline in a header; the raw ASGI scope can carry one."""
    started: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/no/such/page",
        "raw_path": b"/no/such/page",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver.local"), (b"x-request-id", b"abc\r\nSet-Cookie: x=1")],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver.local", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    headers = dict(started[0]["headers"])
    assert started[0]["status"] == 404
    assert len(headers[b"x-request-id"]) == 32 and b"\n" not in headers[b"x-request-id"]
    assert not any(name.lower() == b"set-cookie" and value == b"x=1" for name, value in started[0]["headers"])


async def test_error_pages_and_json_errors_carry_the_request_id(client: httpx.AsyncClient) -> None:
    page = await client.get("/apps/no-such-app", headers={"X-Request-ID": "support-case-42"})
    assert page.status_code == 404
    assert page.headers["x-request-id"] == "support-case-42"
    assert '<p class="request-id">' in page.text and "<code>support-case-42</code>" in page.text

    unrouted = await client.get("/nothing/here")
    assert unrouted.status_code == 404
    assert unrouted.headers["x-request-id"] in unrouted.text

    api = await client.get("/api/v1/apps/no-such-app")
    assert api.status_code == 404
    assert api.json()["error"]["request_id"] == api.headers["x-request-id"]

    static = await client.get("/static/css/store.css")
    assert static.status_code == 200 and len(static.headers["x-request-id"]) == 32


# ---------------------------------------------------------------------------- the access log


async def test_one_json_line_per_request_without_secrets(
    client: httpx.AsyncClient, db: AsyncSession, captured_logs: io.StringIO
) -> None:
    user = await make_user(db, "city_staff", "440300", password="Known-Pass-4711!")
    token = await make_token(db, user)
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": "Wrong-Pass-0815!"}
    )
    assert wrong.status_code == 401
    signed_in = await client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": "Known-Pass-4711!"}
    )
    assert signed_in.status_code == 200
    session_cookie = next(iter(client.cookies.values()))
    me = await client.get("/api/v1/me?secret=in-the-query", headers={"X-Request-ID": "trace-me-1"})
    assert me.status_code == 200
    with_token = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert with_token.status_code == 200

    text = captured_logs.getvalue()
    for secret in ("Known-Pass-4711!", "Wrong-Pass-0815!", token, session_cookie, "in-the-query"):
        assert secret not in text
    lines = access_lines(captured_logs)
    assert [line["path"] for line in lines] == ["/api/v1/auth/login"] * 2 + ["/api/v1/me"] * 2
    line = next(line for line in lines if line["request_id"] == "trace-me-1")
    assert {
        key: line[key]
        for key in ("method", "route", "path", "status", "user_id", "client_ip", "logger", "level")
    } == {
        "method": "GET",
        "route": "/api/v1/me",
        "path": "/api/v1/me",
        "status": 200,
        "user_id": user.id,
        "client_ip": "127.0.0.1",
        "logger": "store.access",
        "level": "INFO",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert lines[0]["status"] == 401 and lines[0]["user_id"] is None
    assert lines[-1]["user_id"] == user.id  # signed in by the API token
    assert all(len(line["request_id"]) >= 1 for line in lines)
    stored = await db.scalar(select(m.User.password_hash).where(m.User.id == user.id))
    assert stored and stored not in text


def test_text_lines_cannot_be_forged_with_an_encoded_newline() -> None:
    from store.lib import logs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter())
    logs.access_logger.addHandler(handler)
    level = logs.access_logger.level
    logs.access_logger.setLevel(logging.INFO)
    try:
        logs.access(
            request_id="r1",
            method="GET",
            route="(unmatched)",
            path="/x\nINFO store.access: GET /admin 200",
            status=404,
            duration=0.001,
            user_id=None,
            client_ip="127.0.0.1",
        )
    finally:
        logs.access_logger.removeHandler(handler)
        logs.access_logger.setLevel(level)
    written = stream.getvalue()
    assert written.count("\n") == 1
    assert "GET /x\\nINFO store.access" in written and written.rstrip().endswith("[r1]")
