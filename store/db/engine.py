"""The SQLAlchemy config shared by the web app, the CLI and the tests."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from store.settings import DatabaseSettings


def engine_options(db: DatabaseSettings) -> dict[str, Any]:
    if db.is_sqlite:
        # One writer at a time: wait for the lock instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def create_engine(db: DatabaseSettings) -> AsyncEngine:
    engine = create_async_engine(db.url, echo=db.echo, **engine_options(db))
    if db.is_sqlite:
        _sqlite_pragmas(engine)
    return engine


def sqlalchemy_config(engine: AsyncEngine, *, info: dict[str, Any] | None = None) -> SQLAlchemyAsyncConfig:
    """``info`` is given to every request's session (e.g. who hears its domain events)."""
    return SQLAlchemyAsyncConfig(
        engine_instance=engine,
        # Form posts answer with redirects; plain "autocommit" would roll those back.
        before_send_handler="autocommit_include_redirects",
        session_config=AsyncSessionConfig(expire_on_commit=False, info=info or {}),
        set_default_exception_handler=False,
        create_all=False,
    )


def session_maker(engine: AsyncEngine, *, info: dict[str, Any] | None = None) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False, info=info or {})
