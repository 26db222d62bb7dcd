"""Liveness and readiness, and what a request gets while the database cannot serve it: 503 with
Retry-After and a message saying to try again, never a 500 (README, "Running in production").

A PostgreSQL restart under load, through the real server: tests/e2e/test_database_restart.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from store.app import create_app
from store.db.engine import create_engine
from store.db.migrate import upgrade
from store.settings import AppSettings, DatabaseSettings, Settings, StatsSettings, StorageSettings
from tests.conftest import TEST_SECRET, _create_pg_database, _drop_pg_database, _pg_url, serve
from tests.services import free_port

HEAD = "0009"  # the newest migration in store/db/migrations/versions


@pytest.fixture
async def blank_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the same kind as ``database_url`` that no migration has touched."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'blank.db'}"
        return
    name = f"store_test_blank_{uuid.uuid4().hex[:12]}"
    await _create_pg_database(name)
    try:
        yield _pg_url(name)
    finally:
        await _drop_pg_database(name)


def _own_settings(tmp_path: Path, url: str, **db: int) -> Settings:
    return Settings(
        app=AppSettings(env="test", secret_key=TEST_SECRET, var_dir=tmp_path),
        db=DatabaseSettings(url=url, **db),
        storage=StorageSettings(local_dir=tmp_path / "artifacts"),
        stats=StatsSettings(cache_seconds=0),
    )


async def test_live_asks_nothing_and_ready_names_the_revisions(client) -> None:
    live = await client.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "migrations": {"database": [HEAD], "code": [HEAD]}}


async def test_ready_stays_503_until_every_migration_is_applied(
    settings: Settings, blank_database_url: str
) -> None:
    app = create_app(replace(settings, db=DatabaseSettings(url=blank_database_url)))
    try:
        async with serve(app) as client:
            never_migrated = await client.get("/health/ready")
            assert never_migrated.status_code == 503
            assert never_migrated.headers["retry-after"] == "5"
            assert never_migrated.json() == {
                "status": "not_ready",
                "migrations": {"database": [], "code": [HEAD]},
                "reason": "migrations_pending",
            }
            await asyncio.to_thread(upgrade, blank_database_url, "0007")
            behind = await client.get("/health/ready")
            assert behind.status_code == 503
            assert behind.json()["migrations"]["database"] == ["0007"]
            assert (await client.get("/health/live")).status_code == 200  # alive all along

            await asyncio.to_thread(upgrade, blank_database_url)
            migrated = await client.get("/health/ready")
            assert migrated.status_code == 200, migrated.text

            # A database ahead of this code (the next release migrated it first) is ready: the
            # processes of this release keep serving until they are replaced.
            async with app.state["engine"].begin() as conn:
                await conn.execute(text("UPDATE alembic_version SET version_num = '0010_next_release'"))
            ahead = await client.get("/health/ready")
            assert ahead.status_code == 200, ahead.text
            assert ahead.json()["migrations"] == {"database": ["0010_next_release"], "code": [HEAD]}
    finally:
        await app.state["engine"].dispose()


async def test_an_unreachable_database_answers_503_with_retry_after(tmp_path: Path) -> None:
    # Nothing listens on this port: each connection is refused, as while PostgreSQL restarts.
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/store"
    app = create_app(_own_settings(tmp_path, url))
    try:
        async with serve(app) as client:
            assert (await client.get("/health/live")).status_code == 200
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["reason"] == "database_unavailable"

            api = await client.get("/api/v1/apps", headers={"Accept-Language": "en"})
            assert api.status_code == 503, api.text
            assert api.headers["retry-after"] == "5"
            error = api.json()["error"]
            assert error["code"] == "database_unavailable"
            assert "try again" in error["message"]

            page = await client.get("/apps", headers={"Accept": "text/html"})
            assert page.status_code == 503
            assert page.headers["retry-after"] == "5"
            assert page.headers["content-type"].startswith("text/html")
            assert "database_unavailable" in page.text

            write = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "x" * 12})
            assert write.status_code == 503, write.text
            assert write.json()["error"]["code"] == "database_unavailable"
    finally:
        await app.state["engine"].dispose()


async def test_a_request_that_finds_no_free_connection_gets_503(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("the pool settings are PostgreSQL's; SQLite keeps SQLAlchemy's own pool")
    app = create_app(_own_settings(tmp_path, database_url, pool_size=1, max_overflow=0, pool_timeout=1))
    try:
        # A token is looked up in the database on every request (pages may be answered from a
        # cache); this one does not exist, so the answer is 401 when a connection is free.
        token = {"Authorization": "Bearer yfy_no-such-token-0123456789"}
        async with serve(app) as client:
            assert (await client.get("/api/v1/me", headers=token)).status_code == 401
            # Someone holds the one connection this worker may open.
            async with app.state["engine"].connect() as held:
                await held.execute(text("SELECT 1"))
                busy = await client.get("/api/v1/me", headers=token)
            assert busy.status_code == 503, busy.text
            assert busy.json()["error"]["code"] == "database_unavailable"
            assert busy.headers["retry-after"] == "5"
            assert (await client.get("/api/v1/me", headers=token)).status_code == 401  # free again
    finally:
        await app.state["engine"].dispose()


async def test_connections_a_restart_closed_are_replaced_without_an_error(
    database_url: str, tmp_path: Path
) -> None:
    """What pool_pre_ping is for: PostgreSQL ends every connection of the pool (as a restart does);
    the next requests get new ones instead of failing on the dead ones."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to restart")
    app = create_app(_own_settings(tmp_path, database_url, pool_size=3))
    killer = create_engine(DatabaseSettings(url=database_url))
    try:
        token = {"Authorization": "Bearer yfy_no-such-token-0123456789"}  # looked up each time
        async with serve(app) as client:
            # fill the pool with connections, all idle afterwards
            answers = await asyncio.gather(*(client.get("/api/v1/me", headers=token) for _ in range(3)))
            assert [a.status_code for a in answers] == [401] * 3
            assert app.state["engine"].pool.checkedin() >= 1
            async with killer.begin() as conn:
                ended = await conn.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            assert ended >= 1
            after = await asyncio.gather(*(client.get("/api/v1/me", headers=token) for _ in range(3)))
            assert [a.status_code for a in after] == [401] * 3
    finally:
        await killer.dispose()
        await app.state["engine"].dispose()


async def test_store_run_warns_when_the_pools_could_take_more_than_postgresql_allows(
    database_url: str, tmp_path: Path
) -> None:
    from store.serving import CONNECTION_HEADROOM, connection_budget_warning

    settings = _own_settings(tmp_path, database_url)  # pools of 5 + 5 per worker
    if database_url.startswith("sqlite"):
        assert await asyncio.to_thread(connection_budget_warning, settings, 64) is None
        return
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with engine.connect() as conn:
            allowed = int(await conn.scalar(text("SHOW max_connections")))
    finally:
        await engine.dispose()
    fitting = (allowed - CONNECTION_HEADROOM) // 10
    assert await asyncio.to_thread(connection_budget_warning, settings, fitting) is None
    warning = await asyncio.to_thread(connection_budget_warning, settings, fitting + 1)
    assert warning is not None
    assert f"{(fitting + 1) * 10} connections" in warning
    assert f"PostgreSQL allows {allowed}" in warning
    # A database that cannot be asked (it may still be starting) gives no warning and no delay.
    unreachable = _own_settings(tmp_path, f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/store")
    assert await asyncio.to_thread(connection_budget_warning, unreachable, 1000) is None
