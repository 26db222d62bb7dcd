"""SQL statements per request on the paths every visitor takes, pinned on SQLite and PostgreSQL.

A change that adds a query to the catalog page, an app's page or the public API fails here, with
the statements listed; lower a limit when a change removes one. Counted with nothing kept
(STORE_PAGE_CACHE_SECONDS=0, as the session's app runs) and the database search backend, whose
search is two statements of its own (with Meilisearch those two are an HTTP request instead).
A kept answer runs none (tests/integration/test_http_caching.py).

Measured before the throughput work (issue 11), same paths: ``/apps`` 5, with a region filter 7,
an app page 10, ``/api/v1/apps`` 5, ``/api/v1/apps/{slug}`` 5, ``/api/v1/search`` 2; signed in,
one to five more (the session, the header's counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import event

from tests.factories import api_login, auth_headers, make_user, published_app, upload

REQUEST = {
    "version": "1.0.0",
    "contact_name": "李工",
    "contact_phone": "0753-1234567",
    "purpose": "网格事件上报",
    "environment": "梅州市政务云",
}
# (path, most statements for a visitor, most signed in as city staff, more on PostgreSQL: the
# database search there reads its word and trigram matches in statements of their own)
LIMITS: list[tuple[str, int, int, int]] = [
    ("/apps", 5, 8, 0),
    ("/apps?category=governance", 5, 8, 0),
    ("/apps?region=440300&sort=reuse", 5, 8, 0),
    ("/apps?q=医保", 5, 8, 2),
    ("/apps/count-yibao", 9, 14, 0),
    ("/apps/count-yibao/similar", 6, 9, 2),
    ("/api/v1/apps", 5, 6, 0),
    ("/api/v1/apps?region=440300", 6, 7, 0),
    ("/api/v1/apps/count-yibao", 4, 5, 0),
    ("/api/v1/search?q=医保", 2, 3, 2),
    ("/api/v1/search?q=医保&region=440300", 3, 4, 2),
]


@contextmanager
def statements(app: Litestar) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = app.state["engine"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
async def catalog(client: httpx.AsyncClient, db: Any) -> None:
    """Three published apps (one with two versions), and an adoption of one by 梅州."""
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_count"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_count"))
    requester = await auth_headers(db, await make_user(db, "city_staff", "441400", username="mz_count"))
    await published_app(client, publisher, reviewer, slug="count-yibao", name="计数医保平台")
    await published_app(
        client, publisher, reviewer, slug="count-grid", name="计数网格平台", category="governance"
    )
    await published_app(
        client, publisher, reviewer, slug="count-oa", name="计数协同办公", tags=["医保", "协同"]
    )
    assert (await upload(client, publisher, "count-yibao", version="1.1.0")).status_code == 201
    adoption = await client.post(
        "/api/v1/adoptions", json={"app": "count-yibao", **REQUEST}, headers=requester
    )
    assert adoption.status_code == 201, adoption.text


async def _count(app: Litestar, http: httpx.AsyncClient, path: str) -> list[str]:
    await http.get(path)  # the first request of a path may load what every later one reuses
    with statements(app) as seen:
        answer = await http.get(path)
    assert answer.status_code == 200, (path, answer.text[:300])
    return seen


def _extra(database_url: str, more: int) -> int:
    return more if database_url.startswith("postgresql") else 0


async def test_a_visitor_s_requests_stay_within_their_statements(app, client, database_url, catalog) -> None:
    over = []
    for path, visitor, _signed_in, on_postgresql in LIMITS:
        limit = visitor + _extra(database_url, on_postgresql)
        seen = await _count(app, client, path)
        if len(seen) > limit:
            over.append(f"{path}: {len(seen)} statements, at most {limit}:\n  " + "\n  ".join(seen))
    assert not over, "\n".join(over)


async def test_a_signed_in_user_s_requests_stay_within_their_statements(
    app, other_client, db, database_url, catalog
) -> None:
    user = await make_user(db, "city_staff", "440100", username="gz_count")
    await api_login(other_client, user.username)
    over = []
    for path, _visitor, signed_in, on_postgresql in LIMITS:
        limit = signed_in + _extra(database_url, on_postgresql)
        seen = await _count(app, other_client, path)
        if len(seen) > limit:
            over.append(f"{path}: {len(seen)} statements, at most {limit}:\n  " + "\n  ".join(seen))
    assert not over, "\n".join(over)
