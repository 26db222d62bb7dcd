"""Test harness: every integration test runs once on SQLite and once on PostgreSQL.

Each backend gets a database of its own, created here, migrated with Alembic (so the migrations
are tested too) and dropped at the end. After each test every row it wrote is deleted, so tests
leave no trace and may run in any order.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.app import create_app
from store.db import models as m
from store.db.engine import create_engine, session_maker
from store.db.migrate import upgrade
from store.rules import install as install_rules
from store.settings import (
    AppSettings,
    DatabaseSettings,
    PageCacheSettings,
    Settings,
    StatsSettings,
    StorageSettings,
)

POSTGRES_SERVER = os.environ.get("STORE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
BASE_URL = "http://testserver.local"
TEST_SECRET = "test-secret-key-0123456789abcdef"

# Tests drive services directly too (factories, unit tests), not only through create_app().
install_rules()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id with its production cost takes ~0.4 s a hash; tests create hundreds of users.
    Same algorithm, smaller memory and time cost."""
    from argon2 import PasswordHasher

    from store.lib import security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = original


def _pg_admin_dsn() -> str:
    return POSTGRES_SERVER


async def _create_pg_database(name: str) -> None:
    conn = await asyncpg.connect(_pg_admin_dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(_pg_admin_dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _pg_url(name: str) -> str:
    base = POSTGRES_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A freshly migrated database of each kind, dropped at the end of the run."""
    # Alembic's env runs its own event loop, so migrations run in a worker thread.
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "store.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    name = f"store_test_{uuid.uuid4().hex[:12]}"
    await _create_pg_database(name)
    url = _pg_url(name)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await _drop_pg_database(name)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("var")
    return Settings(
        app=AppSettings(env="test", secret_key=TEST_SECRET, var_dir=var_dir),
        db=DatabaseSettings(url=database_url),
        storage=StorageSettings(local_dir=var_dir / "artifacts"),
        # One app serves the whole session while each test writes and removes its own rows: a
        # figures cache would hand a test the figures of the test before. The cache's own tests
        # build an app with it on (tests/integration/stats/test_stats_cache.py).
        stats=StatsSettings(cache_seconds=0),
        # Likewise the kept anonymous answers and region lists (tests/integration/test_http_caching.py
        # builds an app with them on).
        page_cache=PageCacheSettings(seconds=0),
    )


@asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Talk to ``app`` in the test's own event loop (Litestar's test client runs the app in a
    thread with a loop of its own, which pooled asyncpg connections do not survive). The app
    needs no lifespan: create_app() fills its state up front."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, follow_redirects=False
    ) as test_client:
        yield test_client


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    application = create_app(settings)
    await application.state["storage"].prepare()
    yield application
    await application.state["engine"].dispose()


@pytest.fixture
async def client(app: Litestar, clean_database: None) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as test_client:
        yield test_client


@pytest.fixture
async def other_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, with its own cookies."""
    async with serve(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(url=database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine, clean_database: None) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking rows directly; commit what you arrange."""
    async with session_maker(engine)() as session:
        yield session


@pytest.fixture
async def clean_database(engine: AsyncEngine, settings: Settings) -> AsyncIterator[None]:
    """Delete every row and stored file a test wrote (the seeded province and cities stay)."""
    yield
    artifacts = settings.storage.local_dir
    if artifacts.exists():
        for child in artifacts.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    async with engine.begin() as conn:
        for table in reversed(m.Base.metadata.sorted_tables):
            if table.name == "regions":
                await conn.execute(delete(table).where(table.c.level == m.RegionLevel.DISTRICT))
            else:
                await conn.execute(delete(table))


@pytest.fixture
def var_dir(settings: Settings) -> Path:
    return settings.app.var_dir


def settings_with(settings: Settings, **app_changes: object) -> Settings:
    return replace(settings, app=replace(settings.app, **app_changes))  # type: ignore[arg-type]
