"""`store reindex`, `store reindex --check` and `store worker`, on both databases and with the
real Meilisearch."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete

from store.cli import main
from store.db import models as m
from store.settings import Settings
from tests.factories import published_app
from tests.integration.search.sync_support import (
    api,
    app_id_of,
    database_documents,
    meili,
    meili_app,
    meili_settings,
    meilisearch,
    outbox_rows,
    staff,
)
from tests.services import free_port

pytestmark = pytest.mark.services
__all__ = ["api", "meili", "meili_app", "meili_settings", "meilisearch"]  # fixtures


def environment(settings: Settings) -> dict[str, str]:
    search = settings.search
    return {
        "STORE_DATABASE_URL": settings.db.url,
        "STORE_VAR_DIR": str(settings.app.var_dir),
        "STORE_SECRET_KEY": settings.app.secret_key,
        "STORE_SEARCH_BACKEND": search.backend,
        "STORE_MEILISEARCH_URL": search.meilisearch_url,
        "STORE_MEILISEARCH_KEY": search.meilisearch_key,
        "STORE_SEARCH_INDEX_PREFIX": search.index_prefix,
    }


async def store(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> Result:
    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    # The CLI runs its own event loop, so it runs in a thread here.
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


async def test_reindex_rebuilds_the_database_index_and_check_reports_drift(
    client, db, settings, monkeypatch
) -> None:
    publisher, reviewer = await staff(db, "reindex_db")
    for slug in ("rx-one", "rx-two"):
        await published_app(client, publisher, reviewer, slug=slug)
    ids = {await app_id_of(db, "rx-one"), await app_id_of(db, "rx-two")}
    assert (await store(monkeypatch, settings, "reindex", "--check")).exit_code == 0

    await db.execute(delete(m.SearchDocument).where(m.SearchDocument.app_id == min(ids)))
    await db.commit()
    drift = await store(monkeypatch, settings, "reindex", "--check")
    assert drift.exit_code == 1, drift.output
    assert "database index (against the apps table): DRIFT" in drift.output
    assert f"missing (public apps not indexed): {min(ids)}" in drift.output

    rebuilt = await store(monkeypatch, settings, "reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "database index: 2 apps" in rebuilt.output and "Meilisearch" not in rebuilt.output
    assert set(await database_documents(db)) == ids
    checked = await store(monkeypatch, settings, "reindex", "--check")
    assert (checked.exit_code, checked.output.strip()) == (
        0,
        "database index (against the apps table): in step",
    )


async def test_reindex_fills_meilisearch_and_check_compares_it_with_the_database(
    api, db, meili, meili_settings, monkeypatch
) -> None:
    publisher, reviewer = await staff(db, "reindex_meili")
    for slug in ("mx-one", "mx-two", "mx-three"):
        await published_app(api, publisher, reviewer, slug=slug)
    waiting = len(await outbox_rows(db))
    assert waiting > 0  # not drained: Meilisearch is empty, but the changes are in flight

    in_flight = await store(monkeypatch, meili_settings, "reindex", "--check")
    assert in_flight.exit_code == 0, in_flight.output
    assert "3 apps have changes waiting in the outbox (not drift)" in in_flight.output
    assert len(await outbox_rows(db)) == waiting  # --check changes nothing

    rebuilt = await store(monkeypatch, meili_settings, "reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Meilisearch: 3 documents indexed into a new index, swapped in" in rebuilt.output
    assert await meili.document_ids() == await database_documents(db)
    assert await outbox_rows(db) == []  # the new index holds those changes: not sent again

    # Drift that no pending change explains: a document gone and one too many.
    gone = await app_id_of(db, "mx-two")
    await meili.delete([gone])
    await meili.upsert([{"id": 999_999, "name": "已删除的应用", "updated_at": 0}])
    drift = await store(monkeypatch, meili_settings, "reindex", "--check")
    assert drift.exit_code == 1, drift.output
    assert "Meilisearch (against the database index): DRIFT" in drift.output
    assert f"missing (public apps not indexed): {gone}" in drift.output
    assert "extra (indexed but not public): 999999" in drift.output


async def test_reindex_with_meilisearch_down_says_so_and_keeps_the_database_index(
    client, db, meili_settings, monkeypatch
) -> None:
    dead = replace(
        meili_settings,
        search=replace(meili_settings.search, meilisearch_url=f"http://127.0.0.1:{free_port()}"),
    )
    result = await store(monkeypatch, dead, "reindex")
    assert result.exit_code == 1
    assert "Meilisearch cannot be reached" in result.output
    assert "the live Meilisearch index is unchanged" in result.output


async def test_store_worker_drains_and_stops_cleanly_on_sigterm(api, db, meili, meili_settings) -> None:
    publisher, reviewer = await staff(db, "worker_cli")
    await published_app(api, publisher, reviewer, slug="cli-worker")
    app_id = await app_id_of(db, "cli-worker")
    env = {**os.environ, **environment(meili_settings)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "store.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while await outbox_rows(db) or app_id not in await meili.document_ids():
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            assert time.monotonic() < deadline, "the worker did not drain the outbox"
            await asyncio.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(worker.communicate, timeout=15)
    assert worker.returncode == 0, output
    assert "search worker" in output and "stopped" in output


async def test_store_worker_refuses_without_meilisearch(settings, monkeypatch) -> None:
    result = await store(monkeypatch, settings, "worker")
    assert result.exit_code == 1
    assert "STORE_SEARCH_BACKEND is not meilisearch" in result.output
