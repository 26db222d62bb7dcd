"""`store run`'s choices (workers, settings), the 503 rule for an unreachable database, and the
request-body deadline — without a server or a database (tests/e2e/test_serving.py runs both
servers for real)."""

from __future__ import annotations

import asyncio
import pickle
import sqlite3
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from store import serving
from store.lib.deadlines import BodyDeadline
from store.lib.errors import RequestTimeout, is_unavailable
from store.settings import AppSettings, ServerSettings, Settings, SettingsError, load_settings


def _settings(env: str = "development", workers: int = 0) -> Settings:
    return Settings(app=AppSettings(env=env), server=ServerSettings(workers=workers))


@pytest.mark.parametrize(
    ("env", "setting", "asked", "cpus", "expected"),
    [
        ("development", 0, None, 16, 1),  # make run: one process, whatever the machine
        ("test", 0, None, 16, 1),
        ("production", 0, None, 2, 2),  # one per CPU
        ("production", 0, None, 1, 1),
        ("production", 0, None, 32, serving.MAX_DEFAULT_WORKERS),  # capped
        ("production", 3, None, 32, 3),  # STORE_WORKERS wins over the default
        ("development", 3, None, 32, 3),
        ("production", 3, 5, 32, 5),  # --workers wins over everything
    ],
)
def test_how_many_workers(env: str, setting: int, asked: int | None, cpus: int, expected: int) -> None:
    assert serving.workers_for(_settings(env, setting), asked, cpus=cpus) == expected


def test_available_cpus_is_at_least_one_and_at_most_the_affinity() -> None:
    import os

    assert 1 <= serving.available_cpus() <= len(os.sched_getaffinity(0))


def test_serving_settings_are_read_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "STORE_SERVER": "Granian",
        "STORE_WORKERS": "4",
        "STORE_SHUTDOWN_GRACE_SECONDS": "90",
        "STORE_KEEP_ALIVE_SECONDS": "15",
        "STORE_HEADER_TIMEOUT_SECONDS": "20",
        "STORE_BODY_TIMEOUT_SECONDS": "120",
        "STORE_DB_POOL_SIZE": "8",
        "STORE_DB_MAX_OVERFLOW": "0",
        "STORE_DB_POOL_TIMEOUT": "3",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    settings.check()
    assert settings.server == ServerSettings("granian", 4, 90, 15, 20, 120)
    assert (settings.db.pool_size, settings.db.max_overflow, settings.db.pool_timeout) == (8, 0, 3)


def test_empty_workers_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_WORKERS", "")
    assert load_settings().server.workers == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORE_SERVER", "gunicorn"),
        ("STORE_WORKERS", "-1"),
        ("STORE_SHUTDOWN_GRACE_SECONDS", "0"),
        ("STORE_KEEP_ALIVE_SECONDS", "61"),  # granian's header timer takes at most 60 s
        ("STORE_HEADER_TIMEOUT_SECONDS", "0"),
        ("STORE_BODY_TIMEOUT_SECONDS", "0"),
        ("STORE_DB_POOL_SIZE", "0"),
        ("STORE_DB_MAX_OVERFLOW", "-1"),
        ("STORE_DB_POOL_TIMEOUT", "0"),
    ],
)
def test_bad_serving_settings_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings().check()


def test_the_pool_settings_reach_the_postgresql_engine_but_not_sqlite() -> None:
    from store.db.engine import engine_options
    from store.settings import DatabaseSettings

    pg = engine_options(DatabaseSettings(url="postgresql+asyncpg://x@h/d", pool_size=7, max_overflow=2))
    assert (pg["pool_size"], pg["max_overflow"], pg["pool_timeout"], pg["pool_pre_ping"]) == (7, 2, 10, True)
    assert pg["connect_args"]["timeout"] > 0
    sqlite = engine_options(DatabaseSettings(url="sqlite+aiosqlite:///x.db", pool_size=7))
    assert sqlite == {"connect_args": {"timeout": 30}}


def test_the_uvicorn_protocol_reaches_worker_processes_by_name() -> None:
    # uvicorn pickles its config, the protocol class included, into each worker process.
    assert serving.HeaderDeadlineProtocol is not None
    pickled = pickle.dumps(serving.HeaderDeadlineProtocol)
    assert pickle.loads(pickled) is serving.HeaderDeadlineProtocol  # noqa: S301 - our own bytes
    assert serving._uvicorn_protocol() is serving.HeaderDeadlineProtocol


def _dbapi_error(cls: type[sa_exc.DBAPIError], orig: BaseException, invalidated: bool = False) -> Exception:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


def _raised_from(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),  # opening a connection
        (OSError(113, "No route to host"), False),  # an OSError that is not about connecting
        (TimeoutError(), True),  # asyncpg's connect timeout
        (sa_exc.TimeoutError("QueuePool limit reached"), True),  # every connection in use
        (_dbapi_error(sa_exc.OperationalError, Exception("gone"), invalidated=True), True),
        (
            _dbapi_error(
                sa_exc.DBAPIError,
                _raised_from(Exception("adapted"), asyncpg.ConnectionDoesNotExistError("closed")),
            ),
            True,
        ),
        (_dbapi_error(sa_exc.OperationalError, asyncpg.CannotConnectNowError("starting up")), True),
        (_dbapi_error(sa_exc.OperationalError, asyncpg.AdminShutdownError("terminating")), True),
        (_dbapi_error(sa_exc.OperationalError, asyncpg.TooManyConnectionsError("too many")), True),
        (
            _dbapi_error(
                sa_exc.InternalError,
                asyncpg.InternalClientError(
                    "cannot switch to state 12; another operation (2) is in progress"
                ),
            ),
            True,
        ),
        (_dbapi_error(sa_exc.OperationalError, sqlite3.OperationalError("database is locked")), True),
        # the request or the code is wrong: a 500 or a 4xx, never "try again"
        (_dbapi_error(sa_exc.OperationalError, sqlite3.OperationalError("no such table: apps")), False),
        (_dbapi_error(sa_exc.IntegrityError, asyncpg.UniqueViolationError("duplicate")), False),
        (_dbapi_error(sa_exc.ProgrammingError, asyncpg.UndefinedTableError("no table")), False),
        (_dbapi_error(sa_exc.OperationalError, asyncpg.QueryCanceledError("statement timeout")), False),
        (ValueError("bad"), False),
    ],
)
def test_which_errors_mean_the_database_is_unavailable(error: Exception, unavailable: bool) -> None:
    assert is_unavailable(error) is unavailable


def test_a_cycle_of_causes_ends() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__cause__, second.__cause__ = second, first
    assert is_unavailable(first) is False


class _Client:
    """What the server hands the app as ``receive``: the body in ``chunks``, each after a pause,
    then (once the body is complete) a wait for the client to hang up."""

    def __init__(self, chunks: list[tuple[float, bytes]], hang_up_after: float = 0.0) -> None:
        self.chunks = list(chunks)
        self.hang_up_after = hang_up_after

    async def __call__(self) -> dict[str, Any]:
        if self.chunks:
            pause, body = self.chunks.pop(0)
            await asyncio.sleep(pause)
            return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}
        await asyncio.sleep(self.hang_up_after)
        return {"type": "http.disconnect"}


async def _read_body_then_wait_for_hang_up(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    scope["read"] = body
    scope["then"] = (await receive())["type"]


async def test_a_body_that_keeps_coming_is_read_whole_however_long_it_takes() -> None:
    scope: dict[str, Any] = {"type": "http"}
    client = _Client([(0.03, b"a"), (0.03, b"b"), (0.03, b"c"), (0.03, b"d")], hang_up_after=0.2)
    # each pause is under the deadline, the whole body and the wait for the hang-up are not
    await BodyDeadline(_read_body_then_wait_for_hang_up, seconds=0.1)(scope, client, None)  # type: ignore[arg-type]
    assert scope["read"] == b"abcd"
    assert scope["then"] == "http.disconnect"


async def test_a_body_that_stalls_fails_with_request_timeout() -> None:
    scope: dict[str, Any] = {"type": "http"}
    client = _Client([(0.0, b"a"), (1.0, b"b")])
    with pytest.raises(RequestTimeout):
        await BodyDeadline(_read_body_then_wait_for_hang_up, seconds=0.1)(scope, client, None)  # type: ignore[arg-type]
    assert "read" not in scope
    assert RequestTimeout.status_code == 408
    assert RequestTimeout.headers == {"Connection": "close"}


async def test_other_scopes_pass_untouched() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(receive)

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    await BodyDeadline(app, seconds=0.1)({"type": "lifespan"}, receive, None)  # type: ignore[arg-type]
    assert seen == [receive]


def test_default_settings_keep_make_run_as_it_was() -> None:
    settings = replace(_settings(), server=ServerSettings())
    assert serving.workers_for(settings) == 1
    assert settings.server.server in serving.SERVERS
