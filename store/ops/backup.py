"""``store backup DIR``: the database, and a manifest of the objects its rows point to.

Consistency. The manifest must describe the objects of the dumped database, while the store
keeps serving:

- PostgreSQL: one REPEATABLE READ, read-only transaction exports its snapshot
  (``pg_export_snapshot()``); ``pg_dump --snapshot`` dumps exactly that snapshot, and the same
  transaction reads the rows that point to objects. Dump and manifest see one database state,
  and nothing is locked beyond what pg_dump takes anyway.
- SQLite: the online backup API copies the database in one read transaction; the rows are then
  read from the copy itself.

Under the snapshot the rows are only listed (into a scratch file in DIR), so the transaction
lasts as long as pg_dump and no longer; the objects are read afterwards, which may take hours
for a big store. That is safe because an object is never rewritten (every upload gets a new key):
what is read later is what the snapshot's rows point to. An object deleted in between (its file
removed after the snapshot) is reported, and the backup exits non-zero.

Without ``--with-files`` an object is checked for presence and size, and its SHA-256 is the one
its row recorded (measured as it was stored; ``store check`` re-reads them); screenshots and
thumbnails uploaded before migration 0009, whose rows record neither, are read and hashed. With
``--with-files`` every object is copied to DIR/objects/ and hashed on the way, against its row's
SHA-256 where it has one. ``store restore`` then checks every object against the manifest.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TextIO

import anyio.to_thread
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import create_async_engine

from store.db.engine import create_engine
from store.lib.storage import ChecksumMismatch, ObjectNotFound, Storage, build_storage
from store.lib.storage._local import LocalStorage
from store.settings import Settings

from .database import (
    alembic_revision,
    kind_of,
    pg_command,
    require_pg_dump,
    row_counts,
    run_tool,
    sqlite_copy,
    sqlite_path,
)
from .errors import OpsError
from .manifest import (
    DATABASE_FILES,
    HEADER_FILE,
    MANIFEST_FILE,
    OBJECTS_DIR,
    Entry,
    Header,
    ManifestWriter,
    file_sum,
)
from .objects import (
    UNLIMITED,
    ObjectKind,
    Reader,
    Reference,
    connection_reader,
    for_each,
    measure,
    references,
)

Say = Callable[[str], None]
REFERENCES_FILE = ".references.jsonl"


def store_version() -> str:
    try:
        return metadata.version("yue-store")
    except metadata.PackageNotFoundError:
        return "unknown"


async def backup(
    settings: Settings, directory: Path, *, with_files: bool, force: bool, jobs: int, say: Say
) -> Header:
    """Write a backup of the configured store into ``directory``; problems are said as found and
    counted in the header (``problems``), which is written last."""
    kind = kind_of(settings.db.url)
    if kind == "sqlite" and not sqlite_path(settings.db.url).is_file():
        raise OpsError(f"the database file {sqlite_path(settings.db.url)} does not exist")
    storage = build_storage(settings.storage)
    await storage.check()
    if kind == "postgresql":
        engine = create_engine(settings.db)
        try:
            await require_pg_dump(engine, settings.db.url)
        finally:
            await engine.dispose()
    _prepare(directory, force)
    database_file = directory / DATABASE_FILES[kind]
    scratch = directory / REFERENCES_FILE
    try:
        with scratch.open("w", encoding="utf-8") as refs:
            if kind == "postgresql":
                rows, revision = await _postgres_snapshot(settings, database_file, refs)
            else:
                rows, revision = await _sqlite_snapshot(settings, database_file, refs)
        manifest = ManifestWriter(directory / MANIFEST_FILE)
        try:
            problems = await _objects(
                storage, scratch, manifest, directory / OBJECTS_DIR if with_files else None, jobs, say
            )
        finally:
            manifest.close()
    finally:
        scratch.unlink(missing_ok=True)
    header = Header(
        store_version=store_version(),
        alembic_revision=revision,
        database_kind=kind,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        with_files=with_files,
        database=await anyio.to_thread.run_sync(file_sum, database_file),
        manifest=await anyio.to_thread.run_sync(file_sum, manifest.path),
        rows=rows,
        objects=manifest.counts,
        problems=problems,
    )
    header.write(directory)
    return header


def _prepare(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise OpsError(f"{directory} is a file, not a folder")
    if directory.exists() and any(directory.iterdir()):
        if not force:
            raise OpsError(
                f"{directory} is not empty: back up into a new or empty folder, "
                "or pass --force to write over it"
            )
        # the backup there is no longer whole until this one finishes
        (directory / HEADER_FILE).unlink(missing_ok=True)
    directory.mkdir(parents=True, exist_ok=True)


async def _read_snapshot(read: Reader, refs: TextIO) -> tuple[dict[str, int], str]:
    revision = await alembic_revision(read)
    rows = await row_counts(read)
    async for ref in references(read):
        refs.write(json.dumps([ref.key, ref.kind.value, ref.row_id, ref.size, ref.sha256]) + "\n")
    return rows, revision


async def _postgres_snapshot(settings: Settings, target: Path, refs: TextIO) -> tuple[dict[str, int], str]:
    """pg_dump and our reads share one exported snapshot (see the module's docstring)."""
    url = settings.db.url
    engine = create_engine(settings.db)
    try:
        async with engine.connect() as conn:
            snapshot_conn = await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with snapshot_conn.begin():
                snapshot = await snapshot_conn.scalar(text("SELECT pg_export_snapshot()"))
                argv, env = pg_command(
                    "pg_dump", url, "--format=custom", f"--file={target}", f"--snapshot={snapshot}"
                )
                dump = asyncio.ensure_future(run_tool(argv, env))
                try:
                    result = await _read_snapshot(connection_reader(snapshot_conn), refs)
                except BaseException:
                    dump.cancel()  # kills pg_dump
                    await asyncio.gather(dump, return_exceptions=True)
                    raise
                # pg_dump must import the snapshot while this transaction is open: keep it open
                # until the dump is done
                await dump
                return result
    finally:
        await engine.dispose()


async def _sqlite_snapshot(settings: Settings, target: Path, refs: TextIO) -> tuple[dict[str, int], str]:
    await anyio.to_thread.run_sync(sqlite_copy, sqlite_path(settings.db.url), target)
    # The copy, opened without the app's pragmas (they would put it back into WAL mode).
    engine = create_async_engine(URL.create("sqlite+aiosqlite", database=str(target)))
    try:
        async with engine.connect() as conn:
            return await _read_snapshot(connection_reader(conn), refs)
    finally:
        await engine.dispose()


async def _scratch_references(path: Path) -> AsyncIterator[Reference]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            key, kind, row_id, size, sha256 = json.loads(line)
            yield Reference(key, ObjectKind(kind), row_id, size, sha256)


async def _objects(
    storage: Storage, scratch: Path, manifest: ManifestWriter, copies_dir: Path | None, jobs: int, say: Say
) -> int:
    """Check (and with ``copies_dir``, copy) every referenced object; returns the problems."""
    copies = LocalStorage(copies_dir) if copies_dir is not None else None
    if copies is not None:
        await copies.prepare()
    problems = 0

    def problem(line: str) -> None:
        nonlocal problems
        problems += 1
        say(line)

    async def copy(ref: Reference, copies: LocalStorage) -> None:
        try:
            if ref.size is not None and (size := (await storage.stat(ref.key)).size) != ref.size:
                problem(f"WRONG SIZE {ref.key} ({ref.describe()}): {size} bytes, the row says {ref.size}")
                return
            stored = await copies.put_stream(
                ref.key, storage.open(ref.key), max_bytes=UNLIMITED, expected_sha256=ref.sha256
            )
        except ObjectNotFound:
            problem(f"MISSING {ref.key} ({ref.describe()}): not in storage, not backed up")
            return
        except ChecksumMismatch as exc:
            problem(f"WRONG SHA-256 {ref.key} ({ref.describe()}): {exc.actual}, the row says {exc.expected}")
            return
        if ref.size is not None and stored.size != ref.size:
            await copies.delete(ref.key)
            problem(f"WRONG SIZE {ref.key} ({ref.describe()}): {stored.size} bytes, the row says {ref.size}")
            return
        manifest.add(Entry(ref.key, ref.kind, stored.size, stored.sha256))

    async def check(ref: Reference) -> None:
        try:
            if ref.size is not None and ref.sha256 is not None:
                size = (await storage.stat(ref.key)).size
                if size != ref.size:
                    problem(f"WRONG SIZE {ref.key} ({ref.describe()}): {size} bytes, the row says {ref.size}")
                    return
                sha256 = ref.sha256
            else:
                size, sha256 = await measure(storage, ref.key)
        except ObjectNotFound:
            problem(f"MISSING {ref.key} ({ref.describe()}): not in storage, not in the manifest")
            return
        manifest.add(Entry(ref.key, ref.kind, size, sha256))

    async def work(ref: Reference) -> None:
        await (copy(ref, copies) if copies is not None else check(ref))

    await for_each(_scratch_references(scratch), work, jobs=jobs)
    return problems
