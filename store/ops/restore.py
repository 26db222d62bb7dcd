"""``store restore DIR``: a backup into an empty database and storage, every object verified.

Refusals come first and change nothing: a folder that is not a whole backup, a damaged dump or
manifest (their SHA-256 are in the header), a backup made by a newer store (an Alembic revision
this code does not know), a database kind other than the configured one, a pg_restore missing or
too old to read the dump, a target database with any table in it, and — when the backup carries
its objects — a target storage holding any object.
Without ``objects/`` the objects are expected in the target storage already (a bucket that
survived, or one restored by other means) and are verified where they are.

Then the database (``pg_restore`` in one transaction, or the SQLite copy put in place), its row
counts compared with the header's, and every object of the manifest: copied from ``objects/``
with its SHA-256 checked before it becomes visible (a bad copy is not stored), or hashed where it
already is. Last the search index: Meilisearch, when configured, is rebuilt from the restored
database, and the indexes are compared with it as ``store reindex --check`` does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import func, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from search import reindex as search_reindex
from search.errors import SearchUnavailable
from search.meili import MeiliEngine
from store.db.engine import create_engine, session_maker
from store.db.migrate import alembic_config
from store.lib.storage import (
    ChecksumMismatch,
    ObjectNotFound,
    ObjectTooLarge,
    Storage,
    StorageError,
    build_storage,
)
from store.lib.storage._local import LocalStorage
from store.settings import Settings

from .database import (
    kind_of,
    pg_command,
    postgres_relations,
    require_pg_restore,
    run_tool,
    safe_url,
    sqlite_copy,
    sqlite_path,
    sqlite_tables,
)
from .errors import OpsError
from .manifest import MANIFEST_FILE, OBJECTS_DIR, Entry, Header, read_entries, verify_file
from .objects import engine_reader, for_each, measure

Say = Callable[[str], None]


@dataclass
class RestoreReport:
    header: Header
    objects: int = 0  # verified, copied or found in place
    copied: int = 0
    mismatches: int = 0  # objects that failed (each said when found)
    rows: list[str] = field(default_factory=list)  # tables whose row count differs from the header's
    behind_head: bool = False  # the backup's revision is older than this code's: migrate next
    search: search_reindex.CheckReport | None = None
    search_error: str = ""
    meili_documents: int | None = None

    @property
    def ok(self) -> bool:
        search_ok = self.behind_head or (self.search is not None and self.search.clean)
        return not self.mismatches and not self.rows and search_ok and not self.search_error


async def restore(
    settings: Settings, directory: Path, *, jobs: int, meili: MeiliEngine | None, say: Say
) -> RestoreReport:
    header = Header.read(directory)
    url = settings.db.url
    kind = kind_of(url)
    if header.database_kind != kind:
        raise OpsError(
            f"this is a backup of a {header.database_kind} database and STORE_DATABASE_URL points to "
            f"{kind}: restore into the same kind of database; nothing was changed"
        )
    behind = _check_revision(header, url)
    await anyio.to_thread.run_sync(verify_file, directory, header.database)
    await anyio.to_thread.run_sync(verify_file, directory, header.manifest)
    if kind == "postgresql":
        await require_pg_restore(directory / header.database.file, url)
    objects_dir = directory / OBJECTS_DIR
    if header.with_files and not objects_dir.is_dir():
        raise OpsError(
            f"the backup was made with its files, but {objects_dir} is missing; nothing was changed"
        )

    storage = build_storage(settings.storage)
    engine = create_engine(settings.db)
    try:
        await _refuse_unless_empty(settings, engine, storage, copying=header.with_files)
        await storage.prepare()
        say(f"restoring the database ({header.database.file}, {header.database.size} bytes) …")
        await _restore_database(settings, header, directory)
        report = RestoreReport(header, behind_head=behind)
        report.rows = await _compare_rows(engine, header)
        for line in report.rows:
            say(line)
        say(f"verifying {header.objects.get('count', 0)} objects …")
        await _objects(report, storage, directory, jobs, say)
        if behind:
            say(
                f"the backup's schema ({header.alembic_revision}) is older than this store's: run "
                "`store migrate`, then `store reindex`"
            )
        else:
            await _search(report, engine, meili)
        return report
    finally:
        await engine.dispose()


def _check_revision(header: Header, url: str) -> bool:
    """Refuse a backup from a newer store; True when the backup is older than this code."""
    script = ScriptDirectory.from_config(alembic_config(url))
    try:
        known = script.get_revision(header.alembic_revision)
    except (CommandError, ResolutionError):
        known = None
    if known is None:
        raise OpsError(
            f"the backup's database is at revision {header.alembic_revision}, which this store does not "
            f"know: it was made by a newer store ({header.store_version}); restore it with that version"
        )
    return header.alembic_revision != script.get_current_head()


async def _refuse_unless_empty(
    settings: Settings, engine: AsyncEngine, storage: Storage, *, copying: bool
) -> None:
    url = settings.db.url
    if kind_of(url) == "postgresql":
        relations = await postgres_relations(engine, url)
    else:
        relations = await anyio.to_thread.run_sync(sqlite_tables, sqlite_path(url))
    if relations:
        raise OpsError(
            f"the target database {safe_url(url)} is not empty ({relations} tables, views or sequences): "
            "restore needs a new, empty database; nothing was changed"
        )
    if not copying:
        return
    try:
        await storage.check()
    except StorageError:
        return  # no bucket or folder yet: prepare() makes it (or says why it cannot)
    async for listed in storage.list_objects(page_size=1):
        raise OpsError(
            f"the target storage {storage!r} already holds objects (e.g. {listed.key}): restoring a "
            "backup with its files needs an empty bucket or folder; nothing was changed"
        )


async def _restore_database(settings: Settings, header: Header, directory: Path) -> None:
    source = directory / header.database.file
    if header.database_kind == "postgresql":
        argv, env = pg_command(
            "pg_restore",
            settings.db.url,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing
            str(source),
        )
        await run_tool(argv, env)
        return
    target = sqlite_path(settings.db.url)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):  # of the empty file it replaces
        if leftover.exists():
            os.unlink(leftover)
    await anyio.to_thread.run_sync(sqlite_copy, source, target)


async def _compare_rows(engine: AsyncEngine, header: Header) -> list[str]:
    """Tables whose row count differs from the one recorded at backup (by the header's own
    table names, so a backup of an older schema is compared too)."""
    read = engine_reader(engine)
    differ = []
    for name, expected in header.rows.items():
        rows = await read(select(func.count()).select_from(table(name)))
        if int(rows[0][0]) != expected:
            differ.append(f"ROWS {name}: {rows[0][0]} restored, the backup recorded {expected}")
    return differ


async def _entries(path: Path) -> AsyncIterator[Entry]:
    for entry in read_entries(path):
        yield entry


async def _objects(report: RestoreReport, storage: Storage, directory: Path, jobs: int, say: Say) -> None:
    copies = LocalStorage(directory / OBJECTS_DIR)
    copying = report.header.with_files

    def mismatch(line: str) -> None:
        report.mismatches += 1
        say(line)

    async def copy(entry: Entry) -> None:
        try:
            stored = await storage.put_stream(
                entry.key, copies.open(entry.key), max_bytes=entry.size, expected_sha256=entry.sha256
            )
        except ChecksumMismatch as exc:
            mismatch(
                f"WRONG SHA-256 {entry.key} ({entry.kind}): the backup's copy has {exc.actual}, the manifest "
                f"says {exc.expected}; not restored"
            )
            return
        except ObjectTooLarge:
            mismatch(
                f"WRONG SIZE {entry.key} ({entry.kind}): the backup's copy is larger than the manifest's "
                f"{entry.size} bytes; not restored"
            )
            return
        if stored.size != entry.size:  # cannot happen with a matching SHA-256; checked all the same
            await storage.delete(entry.key)
            mismatch(
                f"WRONG SIZE {entry.key} ({entry.kind}): {stored.size} bytes, the manifest says {entry.size}"
            )
            return
        report.copied += 1
        report.objects += 1

    async def verify(entry: Entry) -> None:
        try:
            size, sha256 = await measure(storage, entry.key)
        except ObjectNotFound:
            where = "neither in the backup's objects nor in" if copying else "not in"
            mismatch(f"MISSING {entry.key} ({entry.kind}): {where} the target storage")
            return
        if size != entry.size:
            mismatch(f"WRONG SIZE {entry.key} ({entry.kind}): {size} bytes, the manifest says {entry.size}")
        elif sha256 != entry.sha256:
            mismatch(f"WRONG SHA-256 {entry.key} ({entry.kind}): {sha256}, the manifest says {entry.sha256}")
        else:
            report.objects += 1

    async def work(entry: Entry) -> None:
        if copying and await copies.exists(entry.key):
            await copy(entry)
        else:
            await verify(entry)

    await for_each(_entries(directory / MANIFEST_FILE), work, jobs=jobs)


async def _search(report: RestoreReport, engine: AsyncEngine, meili: MeiliEngine | None) -> None:
    sessions = session_maker(engine)
    try:
        if meili is not None:
            report.meili_documents = await search_reindex.rebuild_meilisearch(sessions, meili)
        report.search = await search_reindex.check(sessions, meili)
    except SearchUnavailable as exc:
        report.search_error = f"Meilisearch cannot be reached: {exc} (run `store reindex` once it can)"
