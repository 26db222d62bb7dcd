"""HTTP caching of what visitors who are not signed in see (store/lib/httpcache.py), on SQLite and
PostgreSQL: ETags and 304s, kept copies served without touching the database, one copy per
language, never a signed-in user's page and never one person's CSRF token or cookie, and a change
seen at once by the worker that made it.

The session's app keeps nothing (STORE_PAGE_CACHE_SECONDS=0, see tests/conftest.py); the tests
that need kept copies build an app of their own with 30 seconds — a second one plays a second
worker on the same database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import event, select

from store.app import create_app
from store.db import models as m
from store.lib.httpcache import ANSWER_CACHE, Answer, AnswerCache, etag_of, matches
from store.settings import PageCacheSettings, Settings
from tests.conftest import serve
from tests.factories import api_login, auth_headers, make_user, published_app


@pytest.fixture
async def cached_app(settings: Settings, clean_database: None) -> AsyncIterator[Litestar]:
    """The store as a worker with the page cache on (30 s)."""
    application = create_app(replace(settings, page_cache=PageCacheSettings(seconds=30)))
    await application.state["storage"].prepare()
    yield application
    await application.state["engine"].dispose()


@pytest.fixture
async def visitor(cached_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(cached_app) as http:
        yield http


@pytest.fixture
async def catalog(client: httpx.AsyncClient, db: Any) -> dict[str, Any]:
    """Two published apps of 深圳, and the headers of their publisher and of a reviewer."""
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_cache"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username="rev_cache"))
    await published_app(client, publisher, reviewer, slug="cache-yibao", name="缓存医保平台")
    await published_app(
        client, publisher, reviewer, slug="cache-grid", name="缓存网格平台", category="governance"
    )
    return {"publisher": publisher, "reviewer": reviewer}


@contextmanager
def statements(app: Litestar) -> Iterator[list[str]]:
    """The SQL statements ``app`` runs inside the block."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = app.state["engine"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


# -- ETags and 304 ---------------------------------------------------------------------------------
def test_etags_compare_the_weak_way() -> None:
    tag = etag_of(b"<p>page</p>")
    assert tag.startswith(b'W/"') and tag == etag_of(b"<p>page</p>") != etag_of(b"<p>other</p>")
    assert matches(tag, tag) and matches(tag.removeprefix(b"W/"), tag)
    assert matches(b'"nope", ' + tag, tag) and matches(b"*", tag)
    assert not matches(b'W/"nope"', tag) and not matches(None, tag) and not matches(b"", tag)


def test_the_cache_keeps_to_its_byte_budget_dropping_the_least_recently_used() -> None:
    cache = AnswerCache(ttl_seconds=30, max_bytes=10)

    def answer(body: bytes) -> Answer:
        return Answer(time.monotonic() + 30, (), body, etag_of(body), b"public")

    cache.put(("a",), answer(b"aaaa"))
    cache.put(("b",), answer(b"bbbb"))
    assert cache.get(("a",)) is not None  # now the most recently used
    cache.put(("c",), answer(b"cccc"))
    assert cache.get(("b",)) is None and len(cache) == 2
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None
    cache.put(("c",), answer(b"cc"))  # replaced, not counted twice
    cache.put(("d",), answer(b"dddd"))
    assert len(cache) == 3
    cache.clear()
    assert len(cache) == 0 and cache.get(("d",)) is None


@pytest.mark.parametrize("path", ["/apps", "/apps/cache-yibao", "/api/v1/apps", "/api/v1/apps/cache-yibao"])
async def test_anonymous_answers_carry_an_etag_and_a_match_gets_304_even_with_nothing_kept(
    client, catalog, path: str
) -> None:
    first = await client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert "Accept-Language" in first.headers["vary"] and "Cookie" in first.headers["vary"]
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # No security policy on a 304: the browser would apply it to the page it kept (a non-page
    # policy there strips the page of its style and scripts).
    assert "content-security-policy" not in again.headers
    assert "content-security-policy" in first.headers
    changed = await client.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert changed.status_code == 200 and changed.content == first.content


async def test_pages_are_private_and_api_answers_public(client, catalog) -> None:
    page = await client.get("/apps")
    assert page.headers["cache-control"] == "private, no-cache"
    api = await client.get("/api/v1/apps")
    assert api.headers["cache-control"] == "public, max-age=10"


async def test_signed_in_answers_have_no_etag_and_are_never_kept(visitor, cached_app, catalog, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="sz_cache_reader", display_name="缓存读者")
    anonymous = await visitor.get("/apps")
    assert "缓存读者" not in anonymous.text
    async with serve(cached_app) as browser:
        await api_login(browser, user.username)
        mine = await browser.get("/apps")
        assert mine.status_code == 200
        assert "缓存读者" in mine.text  # the header names who is signed in: not the kept page
        assert mine.headers["cache-control"] == "no-store"
        assert "etag" not in mine.headers
        assert 'name="csrf-token"' in mine.text
    by_token = await visitor.get("/api/v1/apps", headers=catalog["publisher"])
    assert by_token.headers["cache-control"] == "no-store" and "etag" not in by_token.headers
    after = await visitor.get("/apps")
    assert after.content == anonymous.content
    assert "缓存读者" not in after.text


# -- kept copies -----------------------------------------------------------------------------------
async def test_a_kept_answer_is_served_without_the_database(visitor, cached_app, catalog) -> None:
    cache: AnswerCache = cached_app.state[ANSWER_CACHE]
    with statements(cached_app) as first_run:
        first = await visitor.get("/apps")
    assert first.status_code == 200 and first_run
    with statements(cached_app) as second_run:
        second = await visitor.get("/apps")
        not_modified = await visitor.get("/apps", headers={"If-None-Match": first.headers["etag"]})
    assert second_run == []
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert not_modified.status_code == 304
    assert cache.hits >= 2
    # security headers are added to kept answers too
    assert "default-src 'self'" in second.headers["content-security-policy"]


async def test_the_kept_copy_holds_no_csrf_token_and_sets_no_cookie(cached_app, catalog) -> None:
    async with serve(cached_app) as first_visitor:
        first = await first_visitor.get("/apps/cache-yibao")
    assert first.status_code == 200
    token = first.cookies.get("csrftoken")
    assert token  # the first answer to a new visitor sets the CSRF cookie, as before
    assert token not in first.text and 'name="csrf-token"' not in first.text
    async with serve(cached_app) as second_visitor:
        second = await second_visitor.get("/apps/cache-yibao")
    assert second.content == first.content
    assert "set-cookie" not in second.headers  # the first visitor's cookie is not handed on


async def test_each_language_has_its_own_copy(visitor, catalog) -> None:
    chinese = await visitor.get("/apps")
    english = await visitor.get("/apps", headers={"Accept-Language": "en"})
    by_cookie = await visitor.get("/apps", headers={"Cookie": "lang=en"})
    assert 'lang="zh-CN"' in chinese.text
    assert 'lang="en"' in english.text and 'lang="en"' in by_cookie.text
    assert chinese.headers["etag"] != english.headers["etag"] == by_cookie.headers["etag"]
    again = await visitor.get("/apps")
    assert again.content == chinese.content


async def test_htmx_fragments_and_queries_are_kept_apart(visitor, catalog) -> None:
    page = await visitor.get("/apps", params={"category": "governance"})
    fragment = await visitor.get("/apps", params={"category": "governance"}, headers={"HX-Request": "true"})
    everything = await visitor.get("/apps")
    assert "<html" in page.text and "<html" not in fragment.text
    assert "缓存网格平台" in page.text and "缓存医保平台" not in page.text
    assert "缓存医保平台" in everything.text


async def test_a_request_with_another_cookie_is_answered_fresh(visitor, cached_app, catalog) -> None:
    await visitor.get("/apps/cache-yibao")
    with statements(cached_app) as run:
        answer = await visitor.get("/apps/cache-yibao", headers={"Cookie": "store_done=saved"})
    assert answer.status_code == 200
    assert run  # built again: a confirmation cookie changes the page
    assert "etag" not in answer.headers


# -- changes ---------------------------------------------------------------------------------------
async def test_a_change_empties_the_workers_copies_after_its_commit(visitor, cached_app, catalog) -> None:
    before = await visitor.get("/api/v1/apps/cache-yibao")
    listed = await visitor.get("/api/v1/apps")
    assert before.json()["name"] == "缓存医保平台"
    assert {item["slug"] for item in listed.json()["items"]} == {"cache-yibao", "cache-grid"}
    cache: AnswerCache = cached_app.state[ANSWER_CACHE]
    assert len(cache) == 2
    refused = await visitor.patch("/api/v1/apps/cache-yibao", json={"name": ""}, headers=catalog["publisher"])
    assert refused.status_code in (400, 422)
    assert len(cache) == 2  # nothing changed, nothing emptied
    edited = await visitor.patch(
        "/api/v1/apps/cache-yibao", json={"name": "缓存医保平台二期"}, headers=catalog["publisher"]
    )
    assert edited.status_code == 200, edited.text
    after = await visitor.get("/api/v1/apps/cache-yibao")
    assert after.json()["name"] == "缓存医保平台二期"
    assert after.headers["etag"] != before.headers["etag"]
    deprecated = await visitor.post(
        "/api/v1/apps/cache-grid/deprecate", json={"reason": "已由省级平台替代"}, headers=catalog["publisher"]
    )
    assert deprecated.status_code == 200, deprecated.text
    relisted = await visitor.get("/api/v1/apps")
    assert {item["slug"] for item in relisted.json()["items"]} == {"cache-yibao"}


async def test_another_worker_keeps_its_copy_until_it_expires_with_the_same_etag(
    visitor, settings, catalog
) -> None:
    other = create_app(replace(settings, page_cache=PageCacheSettings(seconds=30)))
    try:
        async with serve(other) as elsewhere:
            mine = await visitor.get("/api/v1/apps/cache-yibao")
            theirs = await elsewhere.get("/api/v1/apps/cache-yibao")
            assert mine.headers["etag"] == theirs.headers["etag"]  # the same answer, the same tag
            edited = await visitor.patch(
                "/api/v1/apps/cache-yibao", json={"name": "缓存医保平台三期"}, headers=catalog["publisher"]
            )
            assert edited.status_code == 200, edited.text
            assert (await visitor.get("/api/v1/apps/cache-yibao")).json()["name"] == "缓存医保平台三期"
            # the other worker heard nothing: its copy stands until its 30 s are up
            assert (await elsewhere.get("/api/v1/apps/cache-yibao")).json()["name"] == "缓存医保平台"
            other.state[ANSWER_CACHE].clear()  # as when the copy expires
            fresh = await elsewhere.get("/api/v1/apps/cache-yibao")
            assert fresh.json()["name"] == "缓存医保平台三期"
    finally:
        await other.state["engine"].dispose()


async def test_an_expired_copy_is_built_again(visitor, cached_app, catalog, db) -> None:
    cache: AnswerCache = cached_app.state[ANSWER_CACHE]
    cache.ttl = 0.05
    first = await visitor.get("/api/v1/apps/cache-yibao")
    app = await db.scalar(select(m.App).where(m.App.slug == "cache-yibao"))
    assert app is not None
    app.summary = "在缓存过期之后可见的简介。"  # written past the seam: only expiry shows it
    await db.commit()
    await asyncio.sleep(0.1)
    second = await visitor.get("/api/v1/apps/cache-yibao")
    assert second.json()["summary"] == "在缓存过期之后可见的简介。" != first.json()["summary"]
