"""`store run`: the HTTP server in front of the app, uvicorn or granian, set up alike.

Both start ``workers`` processes that each build the app with ``store.app:create_app`` (each with
its own database pool, so the pool settings are per worker), restart a worker that dies, and on
SIGTERM stop accepting connections, let requests and uploads in flight finish for up to
``STORE_SHUTDOWN_GRACE_SECONDS``, then run the app's shutdown hooks. Timeouts bound what a slow
or idle client can hold: an idle connection is closed after ``STORE_KEEP_ALIVE_SECONDS``, a
request's headers must arrive within ``STORE_HEADER_TIMEOUT_SECONDS``, and a request body that
stalls for ``STORE_BODY_TIMEOUT_SECONDS`` is answered 408 by the app itself (store/lib/deadlines.py:
neither server has such a timer, and an idle timer, unlike a total one, lets a 1 GiB upload take
as long as it needs). granian times idle connections and headers with one timer, set to the longer
of the two (see ``_granian``). Which server is the default and why: README, "Running in production".
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from store.settings import Settings

SERVERS = ("uvicorn", "granian")
#: the most workers chosen without being asked: beyond this the database connections they hold
#: (README, "Running in production") matter more than the cores
MAX_DEFAULT_WORKERS = 8
#: the most header bytes a request may send under uvicorn, checked as each piece arrives (so up to
#: one socket read more); nginx allows 32 KiB by default, granian's limit is its 400 KiB buffer
MAX_HEADER_BYTES = 64 * 1024
HEADERS_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)
#: connections the database must keep free for everything but the workers: `store migrate`,
#: `store worker`, backups, an operator's psql, and PostgreSQL's own reserved slots
CONNECTION_HEADROOM = 10


def available_cpus() -> int:
    """CPUs this process may use: its CPU affinity, lowered by a cgroup quota (a container
    started with ``--cpus 2`` sees every core of the host, but may use two)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, int(int(quota) / int(period) + 0.5)))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def workers_for(settings: Settings, asked: int | None = None, cpus: int | None = None) -> int:
    """``--workers`` if given, else ``STORE_WORKERS``, else one in development (``make run``)
    and one per CPU, at most ``MAX_DEFAULT_WORKERS``, in production. One per CPU, not two: a
    worker is one event loop that keeps its CPU busy by itself (figures: README, "Running in
    production")."""
    if asked:
        return asked
    if settings.server.workers:
        return settings.server.workers
    if not settings.app.is_production:
        return 1
    return min(cpus or available_cpus(), MAX_DEFAULT_WORKERS)


def connection_budget_warning(settings: Settings, workers: int) -> str | None:
    """A warning when the workers' pools together may open more connections than PostgreSQL
    allows (minus ``CONNECTION_HEADROOM``); None when they fit, on SQLite, or when the database
    cannot be asked now (it may be starting: the server does not need it to start)."""
    if settings.db.is_sqlite:
        return None
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from store.db.engine import create_engine

    async def max_connections() -> int:
        engine = create_engine(settings.db)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(text("SHOW max_connections"))).scalar_one())
        finally:
            await engine.dispose()

    try:
        allowed = asyncio.run(asyncio.wait_for(max_connections(), timeout=10))
    except (SQLAlchemyError, OSError, ValueError):
        return None
    per_worker = settings.db.pool_size + settings.db.max_overflow
    if workers * per_worker <= allowed - CONNECTION_HEADROOM:
        return None
    return (
        f"warning: {workers} workers × (STORE_DB_POOL_SIZE {settings.db.pool_size} + "
        f"STORE_DB_MAX_OVERFLOW {settings.db.max_overflow}) = {workers * per_worker} connections, "
        f"but PostgreSQL allows {allowed} (and {CONNECTION_HEADROOM} should stay free): under load "
        "some requests would be refused connections. Lower the pool settings or the workers, or "
        "raise max_connections."
    )


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    server: str,
    reload: bool = False,
    log_config: dict[str, Any] | None = None,
) -> None:
    """Run the server until it is stopped. ``--reload`` (development) always uses uvicorn."""
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}")
    if server == "granian" and not reload:
        _granian(settings, host=host, port=port, workers=workers, log_config=log_config)
    else:
        _uvicorn(settings, host=host, port=port, workers=workers, reload=reload, log_config=log_config)


def _uvicorn(
    settings: Settings, *, host: str, port: int, workers: int, reload: bool, log_config: dict[str, Any] | None
) -> None:
    import uvicorn

    options: dict[str, Any] = {"log_config": log_config, "access_log": False} if log_config else {}
    uvicorn.run(
        "store.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if not reload else 1,
        reload=reload,
        # X-Forwarded-For/-Proto from the proxies in FORWARDED_ALLOW_IPS (default 127.0.0.1)
        proxy_headers=True,
        http=_uvicorn_protocol(),
        timeout_keep_alive=settings.server.keep_alive_seconds,
        timeout_graceful_shutdown=settings.server.shutdown_grace_seconds,
        log_level="info",
        **options,
    )


def _granian(
    settings: Settings, *, host: str, port: int, workers: int, log_config: dict[str, Any] | None
) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    # granian has one timer for both (hyper's header_read_timeout): it runs while a connection
    # waits for a request's headers, whether it is idle between requests or receiving them. The
    # longer of the two, so a slow client still gets the header time it was promised.
    header_ms = 1000 * max(settings.server.keep_alive_seconds, settings.server.header_timeout_seconds)
    Granian(
        "store.serving:granian_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        # HTTP/1 only, as uvicorn: in the default "auto" mode granian first waits, with no timer,
        # for bytes that tell HTTP/1 from HTTP/2, so a client that connects and sends nothing is
        # held for ever. Nothing is lost: HTTP/2 without TLS is spoken only by clients that know
        # in advance (browsers never do); TLS, and HTTP/2 with it, ends at the proxy in front.
        http=HTTPModes.http1,
        workers=workers,
        http1_settings=HTTP1Settings(header_read_timeout=header_ms),
        # uvicorn restarts a dead worker; granian's default is to stop the whole server
        respawn_failed_workers=True,
        # a worker still busy after the grace period is killed (uvicorn cancels its requests)
        workers_kill_timeout=settings.server.shutdown_grace_seconds,
        log_dictconfig=log_config,
        log_access=False,
    ).serve()


def granian_app() -> Any:
    """``store.app:create_app`` for granian, with the X-Forwarded-For/-Proto handling uvicorn
    applies itself (``proxy_headers``): from the proxies in ``FORWARDED_ALLOW_IPS``, default
    127.0.0.1, the client's address is the one the proxy saw (logs, the /metrics allow-list)."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    from store.app import create_app

    return wrap_asgi_with_proxy_headers(
        create_app(), trusted_hosts=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    )


def _uvicorn_protocol() -> Any:
    """The protocol class for uvicorn: httptools' with the header deadline, or uvicorn's own
    choice where httptools is missing."""
    return HeaderDeadlineProtocol if HeaderDeadlineProtocol is not None else "auto"


def _header_timeout_seconds() -> int:
    from store.settings import get_settings

    return get_settings().server.header_timeout_seconds


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is uvicorn's optional fast parser
    HeaderDeadlineProtocol: Any = None
else:

    class HeaderDeadlineProtocol(HttpToolsProtocol):  # type: ignore[no-redef]
        """uvicorn's httptools protocol with a deadline and a size limit for each request's
        headers. uvicorn times idle connections between requests only: without this, a client
        that connects and sends nothing, or sends its headers a byte at a time, holds its
        connection for ever; and httptools takes headers of any size (uvicorn's h11 limit does not
        apply to it): a client could fill a worker's memory for as long as the deadline lasts.
        Module-level: uvicorn hands its config, this class included, to workers pickled."""

        _header_timer: asyncio.TimerHandle | None = None
        _header_bytes = 0

        def _arm(self) -> None:
            self._disarm()
            self._header_bytes = 0
            self._header_timer = self.loop.call_later(_header_timeout_seconds(), self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()  # from the connection's first moment: a silent client is timed too

        def data_received(self, data: bytes) -> None:
            reading_headers = self._header_timer is not None
            if reading_headers:
                self._header_bytes += len(data)
            super().data_received(data)
            # Still in the headers after this piece, and too many of them: refuse, and hang up.
            if reading_headers and self._header_timer is not None and self._header_bytes > MAX_HEADER_BYTES:
                self._disarm()
                if not self.transport.is_closing():
                    self.transport.write(HEADERS_TOO_LARGE)
                    self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()  # each request's first byte (between requests the keep-alive timer runs)

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)
