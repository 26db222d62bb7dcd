"""/health reports the search engine, the outbox backlog and the age of its oldest row; a
Meilisearch outage degrades search (200), it does not fail the store (503 is for the database and
the object storage), and a Meilisearch that never answers cannot make the check hang."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from store.app import create_app
from store.db import models as m
from store.settings import Settings
from tests.conftest import serve
from tests.integration.search.sync_support import api, meili_app, meili_settings, meilisearch

__all__ = ["api", "meili_app", "meili_settings", "meilisearch"]  # fixtures


async def test_database_engine_reports_an_empty_backlog(client) -> None:
    body = (await client.get("/health")).json()
    assert body["status"] == "ok"
    assert body["checks"]["search"] == {
        "status": "ok",
        "engine": "database",
        "outbox_backlog": 0,
        "oldest_outbox_age_seconds": None,
    }


@pytest.mark.services
async def test_meilisearch_engine_reports_backlog_and_its_age(api, db) -> None:
    await db.execute(
        insert(m.SearchOutbox),
        [
            {"app_id": 1, "reason": "edited", "created_at": datetime.now(UTC) - timedelta(seconds=42)},
            {"app_id": 2, "reason": "approved"},
        ],
    )
    await db.commit()
    response = await api.get("/health")
    assert response.status_code == 200
    body = response.json()
    search = body["checks"]["search"]
    assert (body["status"], search["status"], search["engine"]) == ("ok", "ok", "meilisearch")
    assert search["meilisearch"] == "available"
    assert search["outbox_backlog"] == 2
    assert 41 <= search["oldest_outbox_age_seconds"] < 60


@pytest.mark.services
async def test_an_outbox_nobody_drains_degrades_search(api, db) -> None:
    old = datetime.now(UTC) - timedelta(minutes=10)
    await db.execute(insert(m.SearchOutbox).values(app_id=1, reason="edited", created_at=old))
    await db.commit()
    body = (await api.get("/health")).json()
    assert (body["status"], body["checks"]["search"]["status"]) == ("degraded", "degraded")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung Meilisearch)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.mark.parametrize("hung", [False, True], ids=["refused", "hung"])
async def test_meilisearch_down_degrades_search_but_not_the_store(
    settings: Settings, clean_database, silent_port: int, hung: bool
) -> None:
    from tests.services import free_port

    port = silent_port if hung else free_port()
    down = replace(
        settings,
        search=replace(
            settings.search,
            backend="meilisearch",
            meilisearch_url=f"http://127.0.0.1:{port}",
            meilisearch_key="k" * 16,
        ),
    )
    application = create_app(down)
    try:
        async with serve(application) as client:
            started = time.monotonic()
            response = await client.get("/health")
            seconds = time.monotonic() - started
    finally:
        await application.state["search"].close()
        await application.state["engine"].dispose()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["search"]["status"] == "degraded"
    assert body["checks"]["search"]["meilisearch"] == "unreachable"
    assert seconds < 2.5, f"/health took {seconds:.1f} s"
