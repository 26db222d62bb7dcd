"""The health checks — the site's API routes (its pages are in pages.py).

``/health/live`` says the process answers (no dependency is asked: a restart would not fix a
database outage). ``/health/ready`` says this process can serve now: 503 while the database
cannot be reached or lacks migrations this code needs, so a load balancer sends no one to it.
``/health`` reports every dependency, for people and monitoring.

What ``/health``'s HTTP status says: 503 when the store cannot do its job — the database or the object
storage is down; 200 otherwise. Search never makes the check fail: without Meilisearch the store
searches its database, so a Meilisearch outage (or an outbox the worker is not keeping up with)
shows as ``checks.search.status == "degraded"`` and a top-level ``"degraded"`` with a 200. Every
probe has a deadline, so the check answers within a few seconds whatever hangs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from search import outbox
from store.catalog.listing import SEARCH
from store.lib.errors import is_unavailable

# A probe that has not answered by then counts as failed.
PROBE_SECONDS = 3.0
MEILISEARCH_PROBE_SECONDS = 1.0
# An outbox row older than this means the worker is not draining (stopped, or failing).
OUTBOX_STALE_SECONDS = 300.0


async def _within[T](seconds: float, probe: Awaitable[T]) -> T:
    return await asyncio.wait_for(probe, timeout=seconds)


async def _database(engine: AsyncEngine) -> dict[str, Any]:
    try:

        async def select_one() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        await _within(PROBE_SECONDS, select_one())
        return {"status": "ok", "backend": engine.dialect.name}
    except Exception as exc:  # health must report, never raise
        return {"status": "error", "error": type(exc).__name__}


async def _storage(storage: Any) -> dict[str, Any]:
    try:
        await _within(PROBE_SECONDS, storage.check())
        return {"status": "ok", "backend": storage.backend}
    except Exception as exc:
        return {"status": "error", "backend": storage.backend, "error": type(exc).__name__}


async def _meilisearch_reachable(meili: Any) -> bool | None:
    """None when Meilisearch is not configured."""
    if meili is None:
        return None
    try:
        return bool(await _within(MEILISEARCH_PROBE_SECONDS, meili.is_healthy()))
    except Exception:
        return False


async def _search(request: Request[Any, Any, Any], engine: AsyncEngine) -> dict[str, Any]:
    settings = request.app.state["settings"]
    check: dict[str, Any] = {"status": "ok", "engine": settings.search.backend}
    meili = getattr(request.app.state.get(SEARCH), "meili", None)

    async def read_backlog() -> outbox.Backlog:
        async with AsyncSession(engine) as session:
            return await outbox.backlog(session)

    backlog, reachable = await asyncio.gather(
        _within(PROBE_SECONDS, read_backlog()),
        _meilisearch_reachable(meili),
        return_exceptions=True,
    )
    if isinstance(backlog, BaseException):
        check.update(status="degraded", outbox_backlog=None, oldest_outbox_age_seconds=None)
    else:
        age = backlog.oldest_age_seconds
        check.update(
            outbox_backlog=backlog.rows,
            oldest_outbox_age_seconds=round(age, 1) if age is not None else None,
        )
        if age is not None and age > OUTBOX_STALE_SECONDS:
            check["status"] = "degraded"
    if settings.search.backend == "meilisearch":
        check["meilisearch"] = "available" if reachable is True else "unreachable"
        if reachable is not True:
            check["status"] = "degraded"  # searches are answered by the database meanwhile
    return check


@get("/health", name="health", tags=["site"], summary="State of the store and each dependency")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    engine: AsyncEngine = request.app.state["engine"]
    database, storage, search = await asyncio.gather(
        _database(engine), _storage(request.app.state["storage"]), _search(request, engine)
    )
    checks: dict[str, dict[str, Any]] = {"database": database, "storage": storage, "search": search}
    if database["status"] != "ok" or storage["status"] != "ok":
        status, code = "error", 503
    elif search["status"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return Response({"status": status, "checks": checks}, status_code=code)


@get("/health/live", name="health_live", tags=["site"], summary="The process answers (liveness)")
async def health_live() -> dict[str, str]:
    return {"status": "alive"}


@dataclass(frozen=True)
class _Migrations:
    heads: frozenset[str]  # the newest revisions this code has
    known: frozenset[str]  # every revision this code has


_migrations: _Migrations | None = None


def _code_migrations() -> _Migrations:
    """Read store/db/migrations once per process: the code does not change under it."""
    global _migrations
    if _migrations is None:
        # alembic announces each of its plugins at INFO when first imported: not worth a log line.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        from alembic.script import ScriptDirectory

        from store.db.migrate import MIGRATIONS_DIR

        script = ScriptDirectory(str(MIGRATIONS_DIR))
        _migrations = _Migrations(
            heads=frozenset(script.get_heads()),
            known=frozenset(rev.revision for rev in script.walk_revisions()),
        )
    return _migrations


async def _database_revisions(engine: AsyncEngine) -> set[str] | None:
    """The revisions the database is at (one small read); None before the first migration."""
    async with engine.connect() as conn:
        try:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError as exc:
            if is_unavailable(exc):
                raise
            return None  # no alembic_version table: never migrated
        return {row[0] for row in rows}


@get("/health/ready", name="health_ready", tags=["site"], summary="This process can serve (readiness)")
async def health_ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """503 while the database is unreachable or behind this code's migrations. A database *ahead*
    of the code (a revision it does not know) is ready: during an upgrade the migrations run
    first, and the processes of the previous release keep serving until they are replaced."""
    # the scripts are parsed by the first call only, off the event loop
    migrations = _migrations if _migrations is not None else await asyncio.to_thread(_code_migrations)
    try:
        revisions = await _within(PROBE_SECONDS, _database_revisions(request.app.state["engine"]))
    except Exception as exc:  # unreachable, or no answer within the deadline
        unreachable = {"status": "not_ready", "reason": "database_unavailable", "error": type(exc).__name__}
        return Response(unreachable, status_code=503, headers={"Retry-After": "5"})
    pending = not revisions or (revisions <= migrations.known and revisions != migrations.heads)
    body: dict[str, Any] = {
        "status": "not_ready" if pending else "ready",
        "migrations": {"database": sorted(revisions or ()), "code": sorted(migrations.heads)},
    }
    if pending:
        body["reason"] = "migrations_pending"
        return Response(body, status_code=503, headers={"Retry-After": "5"})
    return Response(body, status_code=200)


SITE_API = [health, health_live, health_ready]
