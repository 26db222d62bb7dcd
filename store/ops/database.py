"""The database side of backups: PostgreSQL's own tools, SQLite's online backup, and what a
snapshot records about itself (row counts, Alembic revision).

``pg_dump``/``pg_restore`` get host, port, user and database name as arguments built from the
SQLAlchemy URL; the password only ever travels in ``PGPASSWORD`` in the child's environment, never
on a command line (visible to every user in ``ps``) or in a message. Both are checked before
anything is written: present, pg_dump not older than the server, pg_restore able to read the dump.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import models as m

from .errors import OpsError
from .objects import Reader

#: what libpq accepts as PGSSLMODE; asyncpg's ``ssl=true`` means ``require``
SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
#: lines of a failing tool's error output shown to the operator
STDERR_LINES = 20
#: ``pg_dump (PostgreSQL) 17.9 (Debian 17.9-0+deb13u1)``: the major version
_TOOL_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")

# Empty means no relation of our own: system schemas hold nothing we restore.
_USER_RELATIONS = text(
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
)


def kind_of(url: str) -> str:
    """``sqlite`` or ``postgresql``; other databases are not supported by the store."""
    backend = make_url(url).get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise OpsError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def safe_url(url: str) -> str:
    """The URL for messages: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise OpsError(f"{safe_url(url)} is not a SQLite database file that can be backed up or restored")
    return Path(database)


# --- PostgreSQL --------------------------------------------------------------------------------


def pg_command(tool: str, url: str, *arguments: str) -> tuple[list[str], dict[str, str]]:
    """The argv and environment to run ``tool`` (pg_dump, pg_restore) against ``url``."""
    binary = shutil.which(tool)
    if binary is None:
        raise OpsError(
            f"{tool} was not found on PATH: install the PostgreSQL client tools, of the server's "
            "major version or newer (Debian/Ubuntu: apt install postgresql-client)"
        )
    parsed: URL = make_url(url)
    argv = [binary, "--no-password"]
    host = parsed.host or _query_value(parsed, "host")
    if host:
        argv.append(f"--host={host}")
    if parsed.port:
        argv.append(f"--port={parsed.port}")
    if parsed.username:
        argv.append(f"--username={parsed.username}")
    if not parsed.database:
        raise OpsError(f"{safe_url(url)} names no database")
    argv.append(f"--dbname={parsed.database}")
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    ssl = _query_value(parsed, "sslmode") or _query_value(parsed, "ssl")
    if ssl:
        mode = "require" if ssl.lower() in {"true", "1", "on"} else ssl.lower()
        if mode in SSL_MODES:
            env["PGSSLMODE"] = mode
    return [*argv, *arguments], env


def _query_value(url: URL, name: str) -> str:
    value = url.query.get(name)
    if isinstance(value, tuple):
        value = value[0] if value else None
    return value or ""


async def _output(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    return process.returncode or 0, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-STDERR_LINES:])


async def client_major(binary: str) -> int:
    """The PostgreSQL major version a client tool belongs to (from ``--version``)."""
    status, stdout, stderr = await _output([binary, "--version"])
    match = _TOOL_VERSION.search(stdout)
    if status != 0 or match is None:
        said = _tail(stdout + stderr)
        raise OpsError(f"{binary} --version does not say which PostgreSQL it is from:\n{said}")
    return int(match.group(1))


async def server_major(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SHOW server_version_num")) or 0) // 10000


async def require_pg_dump(engine: AsyncEngine, url: str) -> None:
    """Refuse, before anything is written, a pg_dump that is missing or older than the server:
    pg_dump would refuse the server itself ("server version mismatch"), after the backup folder
    was prepared and the snapshot taken."""
    argv, _ = pg_command("pg_dump", url)
    client, server = await client_major(argv[0]), await server_major(engine)
    if client < server:
        raise OpsError(
            f"{argv[0]} is PostgreSQL {client}'s, older than the server (PostgreSQL {server}), and cannot "
            f"dump it: install the client tools of PostgreSQL {server} (Debian/Ubuntu: "
            f"postgresql-client-{server}) and put them first on PATH; nothing was written"
        )


async def require_pg_restore(dump: Path, url: str) -> None:
    """Refuse, before anything changes, a pg_restore that is missing or cannot read ``dump``
    (made by a newer pg_dump: its archive format is unknown to an older pg_restore)."""
    argv, _ = pg_command("pg_restore", url)
    status, _stdout, stderr = await _output([argv[0], "--list", str(dump)])
    if status != 0:
        client = await client_major(argv[0])
        raise OpsError(
            f"{argv[0]} (PostgreSQL {client}) cannot read {dump.name}:\n{_tail(stderr)}\nA dump is read "
            "only by a pg_restore of its pg_dump's major version or newer: install the client tools of "
            "the server it was dumped from; nothing was changed"
        )


async def run_tool(argv: list[str], env: dict[str, str]) -> None:
    """Run a client tool to its end; on failure raise OpsError with the end of its errors. If
    the caller is cancelled, the tool is killed rather than left running."""
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, stderr = await process.communicate()
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        tail = "\n".join(stderr.decode("utf-8", "replace").strip().splitlines()[-STDERR_LINES:])
        name = Path(argv[0]).name
        raise OpsError(f"{name} failed (exit status {process.returncode}):\n{tail}")


async def postgres_relations(engine: AsyncEngine, url: str) -> int:
    """How many tables, views and sequences the target database already has (0: empty)."""
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(_USER_RELATIONS) or 0)
    except (SQLAlchemyError, OSError) as exc:
        raise OpsError(
            f"cannot connect to the target database {safe_url(url)}: {exc.__class__.__name__}: {exc}. "
            "Create it first (an empty database, e.g. `createdb`), then restore into it."
        ) from exc


# --- SQLite ------------------------------------------------------------------------------------


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database with its online backup API (consistent while the store
    writes: the copy is one read transaction), into a single self-contained file.

    The copy is written beside ``target`` and renamed into place, so ``target`` is either
    absent or whole. Run it in a worker thread.
    """
    temp = target.with_name(f".{target.name}.partial")
    temp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst)
            # the source may be in WAL mode; the copy is one file with no -wal beside it
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(temp, target)


def sqlite_tables(path: Path) -> int:
    """How many tables and views the SQLite file has; a missing or zero-length file has none."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise OpsError(
            f"{path} exists and is not an SQLite database ({exc}); restore needs a new file"
        ) from exc
    return int(row[0])


# --- what a snapshot says about itself ---------------------------------------------------------


def tables() -> list[Table]:
    return list(m.Base.metadata.sorted_tables)


async def row_counts(read: Reader) -> dict[str, int]:
    """Rows per table of the store's schema (the header records them; restore compares)."""
    counts = {}
    for table in tables():
        rows = await read(select(func.count()).select_from(table))
        counts[table.name] = int(rows[0][0])
    return counts


async def alembic_revision(read: Reader) -> str:
    rows = await read(select(text("version_num")).select_from(text("alembic_version")))
    if len(rows) != 1:
        raise OpsError("the database has no single Alembic revision; run `store migrate` first")
    return str(rows[0][0])
