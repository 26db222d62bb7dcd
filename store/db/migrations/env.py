"""Alembic environment: async engine from the store's settings, models' metadata as the target."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from store.db import models as m
from store.db.engine import create_engine
from store.db.models._search import include_object
from store.settings import DatabaseSettings, load_settings

config = context.config
target_metadata = m.Base.metadata


def _database() -> DatabaseSettings:
    url = config.attributes.get("database_url") or load_settings().db.url
    return DatabaseSettings(url=url)


def run_migrations_offline() -> None:
    context.configure(
        url=_database().url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    # Batch mode lets later migrations alter tables on SQLite too.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(_database())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
