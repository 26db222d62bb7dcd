"""Fixtures and helpers for the tests of the Meilisearch sync (outbox, worker, reindex, /health).

Each test gets an index of its own on a Meilisearch shared by the run (a fresh index prefix), and
a store app wired to it. Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from search.meili import MeiliEngine
from store.app import create_app
from store.db import models as m
from store.db.engine import session_maker
from store.settings import SearchSettings, Settings
from tests.conftest import serve
from tests.factories import auth_headers, make_user
from tests.services import Meilisearch


class RestartableMeilisearch(Meilisearch):
    """A Meilisearch that can be stopped and started again on the same port and data: an outage."""

    def _command(self, binary: Path, tmp_dir: Path) -> tuple[list[str], dict[str, str]]:
        self.argv_env = super()._command(binary, tmp_dir)
        return self.argv_env

    def halt(self) -> None:
        """Stop the server; its port and data stay for ``resume``."""
        assert self.process is not None
        process, self.process = self.process, None
        self._signal_group(process, signal.SIGTERM)
        process.wait(timeout=10)

    def resume(self) -> None:
        assert self.process is None and self.tmp_dir is not None and self.log_path is not None
        argv, env = self.argv_env
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=self.tmp_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()


@pytest.fixture(scope="session")
def meilisearch() -> Iterator[Meilisearch]:
    with Meilisearch() as service:
        yield service


def search_settings(service: Meilisearch) -> SearchSettings:
    """Meilisearch settings with an index prefix of their own."""
    return SearchSettings(
        backend="meilisearch",
        meilisearch_url=service.url,
        meilisearch_key=service.master_key,
        index_prefix=f"t{uuid.uuid4().hex[:12]}",
    )


@pytest.fixture
def meili_settings(settings: Settings, meilisearch: Meilisearch) -> Settings:
    return replace(settings, search=search_settings(meilisearch))


async def drop_index(engine: MeiliEngine) -> None:
    """Ask Meilisearch to delete the test's index (not waited for: no later test reads it)."""
    with contextlib.suppress(Exception):  # already gone, or the server is down: nothing to clean
        await engine.client.index(engine.index_uid).delete()


@pytest.fixture
async def meili(meili_settings: Settings) -> AsyncIterator[MeiliEngine]:
    """The engine on this test's index; the index is dropped afterwards."""
    search = meili_settings.search
    engine = MeiliEngine(search.meilisearch_url, search.meilisearch_key, search.index_prefix)
    yield engine
    await drop_index(engine)
    await engine.close()


@pytest.fixture
async def meili_app(meili_settings: Settings, clean_database: None) -> AsyncIterator[Litestar]:
    """The store wired to Meilisearch (its outbox worker is not running: tests drain by hand)."""
    application = create_app(meili_settings)
    yield application
    await application.state["search"].close()
    await application.state["engine"].dispose()


@pytest.fixture
async def api(meili_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(meili_app) as client:
        yield client


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions as the worker has them: no event subscribers."""
    return session_maker(engine)


async def staff(db: AsyncSession, tag: str) -> tuple[dict[str, str], dict[str, str]]:
    """Auth headers of a Shenzhen publisher and a provincial reviewer."""
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username=f"pub_{tag}"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", username=f"rev_{tag}"))
    return publisher, reviewer


async def outbox_rows(db: AsyncSession) -> list[m.SearchOutbox]:
    await db.commit()  # see what others committed
    rows = list(await db.scalars(select(m.SearchOutbox).order_by(m.SearchOutbox.id)))
    await db.commit()
    return rows


async def app_id_of(db: AsyncSession, slug: str) -> int:
    app_id = await db.scalar(select(m.App.id).where(m.App.slug == slug))
    assert app_id is not None
    return app_id


async def database_documents(db: AsyncSession) -> dict[int, int]:
    """The database index: app id → updated_at, what Meilisearch must hold."""
    await db.commit()
    rows = await db.execute(select(m.SearchDocument.app_id, m.SearchDocument.updated_at))
    found = {app_id: updated_at for app_id, updated_at in rows}
    await db.commit()
    return found


async def indexed_documents(engine: MeiliEngine) -> dict[int, dict[str, Any]]:
    """Every document in the engine's index, in full."""
    found: dict[int, dict[str, Any]] = {}
    offset = 0
    while True:
        page = await engine.client.index(engine.index_uid).get_documents(offset=offset, limit=1000)
        found.update({int(doc["id"]): doc for doc in page.results})
        offset += len(page.results)
        if not page.results or offset >= page.total:
            return found
