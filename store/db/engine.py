"""The SQLAlchemy config shared by the web app, the CLI and the tests."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.settings import DatabaseSettings

#: seconds to open a PostgreSQL connection (asyncpg waits 60 by default): an unreachable server
#: answers a request with 503 quickly instead of holding it
CONNECT_TIMEOUT_SECONDS = 5
#: connections older than this are replaced when next checked out (idle ones cut by a firewall)
POOL_RECYCLE_SECONDS = 1800


def engine_options(db: DatabaseSettings) -> dict[str, Any]:
    if db.is_sqlite:
        # One writer at a time: wait for the lock instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    # Each worker process has a pool of its own: workers × (pool_size + max_overflow) must stay
    # below the server's max_connections (README, "Database connections"). The pre-ping is one
    # round trip at checkout; it replaces connections a PostgreSQL restart has closed, so the
    # first requests after a restart do not fail on them.
    return {
        "pool_pre_ping": True,
        "pool_size": db.pool_size,
        "max_overflow": db.max_overflow,
        "pool_timeout": db.pool_timeout,
        "pool_recycle": POOL_RECYCLE_SECONDS,
        "connect_args": {"timeout": CONNECT_TIMEOUT_SECONDS},
    }


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
        # Form posts answer with redirects; plain "autocommit" would roll those back. The commit
        # itself is made earlier, by CommitBeforeAnswer; this one closes the session.
        before_send_handler="autocommit_include_redirects",
        session_config=AsyncSessionConfig(expire_on_commit=False, info=info or {}),
        set_default_exception_handler=False,
        create_all=False,
    )


def session_maker(engine: AsyncEngine, *, info: dict[str, Any] | None = None) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False, info=info or {})


#: where advanced-alchemy keeps a request's session (its default key; sqlalchemy_config keeps it)
SESSION_SCOPE_KEY = SQLAlchemyAsyncConfig.session_scope_key


# The scope of the request being handled, for commit_before_answer (Litestar's after_request
# hook is given the response only).
_request_scope: ContextVar[Scope | None] = ContextVar("store_request_scope", default=None)


class CommitBeforeAnswer:
    """Route middleware that lets ``commit_before_answer`` find the request's session."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _request_scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            _request_scope.reset(token)


async def commit_before_answer(response: Any) -> Any:
    """Litestar's ``after_request`` hook: commit the request's session when its answer is a
    success or a redirect, before the answer is rendered and sent, so that a commit that fails
    becomes the answer. Any other answer is left to the before_send handler, which rolls back
    after the page is rendered (a rollback expires what the page shows, a commit does not).

    advanced-alchemy's own handler commits in a ``before_send`` hook, where Litestar already
    counts the answer as started; it logs a failed commit at debug level and sends the success
    anyway: while PostgreSQL restarted, a note was answered 201 and never stored
    (tests/e2e/test_database_restart.py). Raised here, the error reaches the error handler,
    which answers 503 when the database is unavailable (store/lib/errors.py). The before_send
    handler still runs afterwards and closes the session (its commit has nothing left to do).
    """
    scope = _request_scope.get()
    session: AsyncSession | None = get_aa_scope_state(scope, SESSION_SCOPE_KEY) if scope else None
    if session is None:
        return response
    status = getattr(response, "status_code", None)  # None: the handler's own, a success
    if status is None or 200 <= status < 400:
        await session.commit()
    return response
