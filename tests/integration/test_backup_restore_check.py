"""`store backup`, `store restore` and `store check`, through the CLI, on both kinds of store:
SQLite with a local folder, and PostgreSQL with SeaweedFS (S3).

One source store of each kind is seeded with the demo (plus screenshots, whose rows record the
size and SHA-256 of image and thumbnail) and backed up once with its files; every test restores
into stores of its own, and every store is removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner, Result
from PIL import Image
from sqlalchemy import column, delete, select, table, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from store.app import event_subscribers
from store.artifacts.images import prepare_screenshot
from store.artifacts.services import ScreenshotService
from store.cli import main
from store.db import models as m
from store.db.engine import create_engine, session_maker
from store.db.migrate import upgrade
from store.lib import events
from store.lib.storage import Storage
from store.lib.storage._local import LocalStorage
from store.ops.errors import OpsError
from store.ops.manifest import Header
from store.ops.objects import engine_reader, measure, references
from store.settings import AppSettings, DatabaseSettings, SearchSettings, Settings
from tests.conftest import TEST_SECRET, _create_pg_database, _drop_pg_database, _pg_url
from tests.integration.conftest import empty_bucket, make_s3_storage
from tests.services import SeaweedS3

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)]
ALEMBIC_VERSION = table("alembic_version", column("version_num"))


@dataclass
class Store:
    """A database and an object store, and the STORE_* variables that point the CLI at them."""

    kind: str
    url: str
    storage: Storage
    env: dict[str, str]
    engine: AsyncEngine


@dataclass
class Stores:
    """Makes stores of one kind; removes every one of them at the end."""

    kind: str
    root: Path
    seaweed: SeaweedS3 | None
    made: list[Store] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    buckets: list[str] = field(default_factory=list)

    async def new(self, *, storage_of: Store | None = None) -> Store:
        """An empty store (no tables, no objects), or one sharing ``storage_of``'s object store."""
        name = uuid.uuid4().hex[:12]
        folder = self.root / name
        folder.mkdir()
        env = {
            "STORE_ENV": "test",
            "STORE_SECRET_KEY": TEST_SECRET,
            "STORE_VAR_DIR": str(folder),
            "STORE_SEARCH_BACKEND": "database",
        }
        if self.kind == "sqlite":
            url = f"sqlite+aiosqlite:///{folder / 'store.db'}"
        else:
            await _create_pg_database(f"store_ops_{name}")
            self.databases.append(f"store_ops_{name}")
            url = _pg_url(f"store_ops_{name}")
        env["STORE_DATABASE_URL"] = url
        if storage_of is not None:
            storage = storage_of.storage
            env |= {k: v for k, v in storage_of.env.items() if k.startswith(("STORE_STORAGE", "STORE_S3"))}
        elif self.seaweed is None:
            storage = LocalStorage(folder / "files")
            env |= {"STORE_STORAGE_BACKEND": "local", "STORE_STORAGE_DIR": str(folder / "files")}
        else:
            bucket = f"store-ops-{name}"
            self.buckets.append(bucket)
            storage = make_s3_storage(self.seaweed, bucket)
            env |= {
                "STORE_STORAGE_BACKEND": "s3",
                "STORE_S3_ENDPOINT": self.seaweed.endpoint,
                "STORE_S3_BUCKET": bucket,
                "STORE_S3_ACCESS_KEY": self.seaweed.access_key,
                "STORE_S3_SECRET_KEY": self.seaweed.secret_key,
                "STORE_S3_REGION": self.seaweed.region,
            }
        store = Store(self.kind, url, storage, env, create_engine(DatabaseSettings(url=url)))
        self.made.append(store)
        return store

    async def close(self) -> None:
        for store in self.made:
            await store.engine.dispose()
        for database in self.databases:
            await _drop_pg_database(database)
        for bucket in self.buckets:
            assert self.seaweed is not None
            with contextlib.suppress(ClientError):  # a bucket never made (a refused restore)
                empty_bucket(self.seaweed, bucket)


async def cli(store: Store, *args: str, stdin: str | None = None, path: Path | None = None) -> Result:
    """Run the ``store`` command against ``store`` (its own event loop, so in a thread); with
    ``path``, that folder is the whole PATH (where pg_dump and pg_restore are looked up)."""
    env = store.env | ({"PATH": str(path)} if path is not None else {})
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), input=stdin, env=env)


def png(seed: int) -> bytes:
    image = Image.new("RGB", (320, 200), (seed * 40 % 256, 120, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def add_screenshots(store: Store, count: int) -> None:
    """Screenshots added by the app's publisher through the service, with the app's subscribers
    (so the search index follows, as it would in the web app)."""
    settings = Settings(
        app=AppSettings(env="test", secret_key=TEST_SECRET),
        db=DatabaseSettings(url=store.url),
        search=SearchSettings(backend="database"),
    )
    info = events.session_info(event_subscribers(settings))
    async with session_maker(store.engine, info=info)() as session:
        app = await session.scalar(
            select(m.App).where(m.App.status == m.AppStatus.PUBLISHED).order_by(m.App.id).limit(1)
        )
        assert app is not None and app.created_by_id is not None
        publisher = await session.get(m.User, app.created_by_id)
        service = ScreenshotService(session, store.storage)
        for n in range(count):
            await service.add(publisher, app, prepare_screenshot(png(n)), f"截图 {n}")
        await session.commit()


async def tables_digest(engine: AsyncEngine) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its full content in primary-key order."""
    digest = {}
    async with engine.connect() as conn:
        for tbl in [*m.Base.metadata.sorted_tables, ALEMBIC_VERSION]:
            order = list(tbl.primary_key) or list(tbl.columns)
            rows = (await conn.execute(select(tbl).order_by(*order))).all()
            digest[tbl.name] = (
                len(rows),
                hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest(),
            )
    return digest


async def stored_objects(storage: Storage) -> dict[str, tuple[int, str]]:
    """Every object in the store with its size and SHA-256, read from the store itself."""
    return {item.key: await measure(storage, item.key) async for item in storage.list_objects()}


async def referenced_keys(store: Store) -> dict[str, str]:
    return {ref.key: ref.kind.value async for ref in references(engine_reader(store.engine))}


async def table_names(store: Store) -> list[str]:
    from sqlalchemy import inspect

    async with store.engine.connect() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).get_table_names())


@pytest.fixture(scope="module", params=BACKENDS)
async def stores(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stores]:
    seaweed = request.getfixturevalue("seaweed") if request.param == "postgresql" else None
    made = Stores(request.param, tmp_path_factory.mktemp(f"ops-{request.param}"), seaweed)
    yield made
    await made.close()


@pytest.fixture(scope="module")
async def source(stores: Stores) -> Store:
    """The demo store, with two screenshots (and so two thumbnails)."""
    store = await stores.new()
    await asyncio.to_thread(upgrade, store.url)
    await store.storage.prepare()
    seeded = await cli(store, "seed-demo")
    assert seeded.exit_code == 0, seeded.output
    await add_screenshots(store, 2)
    return store


@pytest.fixture(scope="module")
async def backup_dir(source: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("backup") / "full"
    result = await cli(source, "backup", "--with-files", str(directory))
    assert result.exit_code == 0, result.output
    return directory


def manifest(directory: Path) -> dict[str, dict[str, Any]]:
    lines = (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {entry["key"]: entry for entry in map(json.loads, lines)}


# --- backup and restore ----------------------------------------------------------------------


async def test_backup_then_restore_gives_the_same_store(
    source: Store, backup_dir: Path, stores: Stores
) -> None:
    header = json.loads((backup_dir / "backup.json").read_text(encoding="utf-8"))
    source_tables = await tables_digest(source.engine)
    assert header["database_kind"] == source.kind and header["with_files"] is True and header["problems"] == 0
    assert header["rows"] == {
        name: count for name, (count, _) in source_tables.items() if name != "alembic_version"
    }
    async with source.engine.connect() as conn:
        assert header["alembic_revision"] == await conn.scalar(select(ALEMBIC_VERSION.c.version_num))

    # The manifest lists exactly the objects the rows point to, with their true size and SHA-256.
    source_objects = await stored_objects(source.storage)
    entries = manifest(backup_dir)
    assert {key: entry["kind"] for key, entry in entries.items()} == await referenced_keys(source)
    assert {key: (e["size"], e["sha256"]) for key, e in entries.items()} == {
        key: source_objects[key] for key in entries
    }
    kinds = [entry["kind"] for entry in entries.values()]
    assert kinds.count("artifact") >= 100 and kinds.count("screenshot") == kinds.count("thumbnail") == 2
    assert header["objects"]["count"] == len(entries)

    target = await stores.new()
    result = await cli(target, "restore", str(backup_dir))
    assert result.exit_code == 0, result.output
    assert (
        f"{len(entries)} of {len(entries)} verified ({len(entries)} copied from the backup)" in result.output
    )

    assert await tables_digest(target.engine) == source_tables
    assert await stored_objects(target.storage) == source_objects
    healthy = await cli(target, "check")
    assert healthy.exit_code == 0, healthy.output
    assert "all is well" in healthy.output
    # The restored store takes new rows (PostgreSQL's sequences came along).
    created = await cli(
        target,
        "users",
        "create",
        "--username",
        "after_restore",
        "--role",
        "province_reviewer",
        "--password-stdin",
        stdin="a-password-after-restore\n",
    )
    assert created.exit_code == 0, created.output


async def test_the_source_store_checks_clean(source: Store) -> None:
    result = await cli(source, "check", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "missing: 0, wrong size: 0, wrong SHA-256: 0" in result.output
    assert "screenshots: 2, thumbnails: 2 checked" in result.output
    assert "no checksum recorded" not in result.output
    assert "database index (against the apps table): in step" in result.output


async def test_backup_refuses_a_folder_that_is_not_empty(source: Store, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    result = await cli(source, "backup", str(tmp_path))
    assert result.exit_code != 0
    assert "is not empty" in result.output and "--force" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


async def test_restore_into_a_database_that_is_not_empty_is_refused(source: Store, backup_dir: Path) -> None:
    tables_before = await tables_digest(source.engine)
    objects_before = await stored_objects(source.storage)
    result = await cli(source, "restore", str(backup_dir))
    assert result.exit_code != 0
    assert "is not empty" in result.output and "nothing was changed" in result.output
    assert await tables_digest(source.engine) == tables_before
    assert await stored_objects(source.storage) == objects_before


async def test_restore_into_storage_that_is_not_empty_is_refused(backup_dir: Path, stores: Stores) -> None:
    target = await stores.new()
    await target.storage.prepare()
    await target.storage.put_bytes("left/over.txt", b"already here", content_type="text/plain")
    result = await cli(target, "restore", str(backup_dir))
    assert result.exit_code != 0
    assert "already holds objects" in result.output and "left/over.txt" in result.output
    assert await table_names(target) == []
    assert await stored_objects(target.storage) == {
        "left/over.txt": (12, hashlib.sha256(b"already here").hexdigest())
    }


async def test_a_tampered_object_in_the_backup_is_found_at_restore(
    backup_dir: Path, stores: Stores, tmp_path: Path
) -> None:
    copy = tmp_path / "tampered"
    shutil.copytree(backup_dir, copy)
    entries = manifest(copy)
    key = next(k for k, e in entries.items() if e["kind"] == "artifact")
    path = copy / "objects" / key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(data))

    target = await stores.new()
    result = await cli(target, "restore", str(copy))
    assert result.exit_code == 1, result.output
    assert f"WRONG SHA-256 {key}" in result.output
    assert "1 objects failed verification" in result.output
    restored = await stored_objects(target.storage)
    assert key not in restored  # a bad copy is never stored
    assert set(restored) == set(entries) - {key}


def test_a_folder_without_a_header_is_not_a_backup(tmp_path: Path) -> None:
    with pytest.raises(OpsError, match="not a backup"):
        Header.read(tmp_path)
    (tmp_path / "backup.json").write_text(json.dumps({"format": "yue-store-backup", "format_version": 99}))
    with pytest.raises(OpsError, match="format 99"):
        Header.read(tmp_path)


async def test_a_damaged_dump_is_refused_before_anything_changes(
    backup_dir: Path, stores: Stores, tmp_path: Path
) -> None:
    copy = tmp_path / "damaged"
    shutil.copytree(backup_dir, copy)
    dump = next(p for p in copy.iterdir() if p.name.startswith("database."))
    with dump.open("ab") as file:
        file.write(b"\0")
    target = await stores.new()
    result = await cli(target, "restore", str(copy))
    assert result.exit_code != 0
    assert f"{dump.name} is damaged" in result.output
    assert await table_names(target) == []


async def test_a_backup_from_a_newer_store_is_refused(
    backup_dir: Path, stores: Stores, tmp_path: Path
) -> None:
    copy = tmp_path / "from-the-future"
    shutil.copytree(backup_dir, copy)
    header = json.loads((copy / "backup.json").read_text(encoding="utf-8"))
    header |= {"alembic_revision": "9999", "store_version": "9.0.0"}
    (copy / "backup.json").write_text(json.dumps(header), encoding="utf-8")
    target = await stores.new()
    result = await cli(target, "restore", str(copy))
    assert result.exit_code != 0
    assert "revision 9999" in result.output and "9.0.0" in result.output
    assert await table_names(target) == []


async def test_restore_without_files_verifies_the_objects_where_they_are(
    source: Store, stores: Stores, tmp_path: Path
) -> None:
    directory = tmp_path / "rows-only"
    backed_up = await cli(source, "backup", str(directory))
    assert backed_up.exit_code == 0, backed_up.output
    assert not (directory / "objects").exists()
    count = len(manifest(directory))

    # A new database beside the object store that survived.
    target = await stores.new(storage_of=source)
    result = await cli(target, "restore", str(directory))
    assert result.exit_code == 0, result.output
    assert f"{count} of {count} verified (0 copied from the backup)" in result.output
    assert await tables_digest(target.engine) == await tables_digest(source.engine)


# --- check -----------------------------------------------------------------------------------


async def test_check_names_each_problem_and_fix_removes_only_the_orphan(
    backup_dir: Path, stores: Stores, tmp_path: Path
) -> None:
    store = await stores.new()
    restored = await cli(store, "restore", str(backup_dir))
    assert restored.exit_code == 0, restored.output
    assert (await cli(store, "check")).exit_code == 0

    artifacts = [k for k, e in manifest(backup_dir).items() if e["kind"] == "artifact"]
    gone, shorter, altered = artifacts[:3]
    await store.storage.delete(gone)
    await store.storage.put_bytes(shorter, b"truncated", content_type="application/zip")
    original = bytearray(b"".join([chunk async for chunk in store.storage.open(altered)]))
    original[0] ^= 0xFF
    await store.storage.put_bytes(altered, bytes(original), content_type="application/zip")
    orphan = "artifacts/999999/left-behind"
    await store.storage.put_bytes(orphan, b"no row points here", content_type="application/zip")
    foreign = "notes/readme.txt"  # not in the store's folders: never the store's to judge
    await store.storage.put_bytes(foreign, b"someone else's", content_type="text/plain")
    async with store.engine.begin() as conn:
        dropped = await conn.scalar(
            select(m.SearchDocument.app_id).order_by(m.SearchDocument.app_id).limit(1)
        )
        await conn.execute(delete(m.SearchDocument).where(m.SearchDocument.app_id == dropped))

    result = await cli(store, "check", "--min-age", "0")
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"MISSING {gone} (artifact " in out
    assert f"WRONG SIZE {shorter} (artifact " in out and "9 bytes, the row says" in out
    assert f"WRONG SHA-256 {altered} (artifact " in out
    assert f"ORPHAN {orphan} (18 bytes" in out
    assert "database index (against the apps table): DRIFT" in out
    assert f"missing (public apps not indexed): {dropped}" in out
    assert "missing: 1, wrong size: 1, wrong SHA-256: 1" in out and "PROBLEMS FOUND" in out
    assert (
        f"1 objects outside artifacts/ and screenshots/ are not the store's and were left alone: {foreign}"
        in out
    )
    assert f"ORPHAN {foreign}" not in out

    # Sizes only: no reading, so the altered bytes of the same size go unseen.
    quick = await cli(store, "check", "--sizes-only", "--min-age", "0")
    assert quick.exit_code == 1
    assert f"WRONG SIZE {shorter}" in quick.output and altered not in quick.output

    # A young object without a row may be an upload in progress: skipped, and --fix keeps it.
    before = await stored_objects(store.storage)
    young = await cli(store, "check", "--fix")
    assert young.exit_code == 1  # the other problems remain
    assert "ORPHAN" not in young.output and "1 without a row but younger than 3600 s" in young.output
    assert await stored_objects(store.storage) == before

    fixed = await cli(store, "check", "--fix", "--min-age", "0")
    assert f"removed {orphan}" in fixed.output and "1 orphans (1 removed)" in fixed.output
    assert await stored_objects(store.storage) == {k: v for k, v in before.items() if k != orphan}

    # A backup of the damaged store says which objects it could not take.
    damaged = await cli(store, "backup", "--with-files", str(tmp_path / "of-damaged"))
    assert damaged.exit_code == 1, damaged.output
    for line in (f"MISSING {gone}", f"WRONG SIZE {shorter}", f"WRONG SHA-256 {altered}"):
        assert line in damaged.output
    header = json.loads((tmp_path / "of-damaged" / "backup.json").read_text(encoding="utf-8"))
    assert header["problems"] == 3
    assert {gone, shorter, altered}.isdisjoint(manifest(tmp_path / "of-damaged"))


# --- screenshots: their rows record size and SHA-256 -----------------------------------------


async def screenshot_rows(store: Store) -> list[m.Screenshot]:
    async with session_maker(store.engine)() as session:
        return list(await session.scalars(select(m.Screenshot).order_by(m.Screenshot.id)))


async def test_screenshot_rows_record_what_was_stored_and_the_backup_lists_it(
    source: Store, backup_dir: Path
) -> None:
    shots = await screenshot_rows(source)
    assert len(shots) == 2
    entries = manifest(backup_dir)
    for shot in shots:
        assert (shot.size, shot.sha256) == await measure(source.storage, shot.object_key)
        assert (shot.thumb_size, shot.thumb_sha256) == await measure(source.storage, shot.thumb_key)
        assert shot.size == len(png(shots.index(shot)))
        assert (entries[shot.object_key]["size"], entries[shot.object_key]["sha256"]) == (
            shot.size,
            shot.sha256,
        )
        thumb = entries[shot.thumb_key]
        assert (thumb["kind"], thumb["size"], thumb["sha256"]) == (
            "thumbnail",
            shot.thumb_size,
            shot.thumb_sha256,
        )


async def test_check_finds_a_screenshot_missing_shorter_or_altered(
    backup_dir: Path, stores: Stores, tmp_path: Path
) -> None:
    store = await stores.new()
    restored = await cli(store, "restore", str(backup_dir))
    assert restored.exit_code == 0, restored.output
    first, second = await screenshot_rows(store)
    gone, shorter, altered = first.object_key, second.object_key, first.thumb_key
    await store.storage.delete(gone)
    await store.storage.put_bytes(shorter, b"not a png", content_type="image/png")
    thumb = bytearray(await store.storage.get_bytes(altered))
    thumb[len(thumb) // 2] ^= 0xFF  # same size, other bytes
    await store.storage.put_bytes(altered, bytes(thumb), content_type="image/jpeg")

    result = await cli(store, "check", "--min-age", "0")
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"MISSING {gone} (screenshot {first.id}): no such object in storage" in out
    assert f"WRONG SIZE {shorter} (screenshot {second.id}): 9 bytes, the row says {second.size}" in out
    assert f"WRONG SHA-256 {altered} (screenshot {first.id} (thumbnail)): " in out
    assert f"the row says {first.thumb_sha256}" in out
    assert "missing: 1, wrong size: 1, wrong SHA-256: 1" in out and "PROBLEMS FOUND" in out
    assert "ORPHAN" not in out

    # Sizes only: the altered thumbnail of the same size goes unseen.
    quick = await cli(store, "check", "--sizes-only", "--min-age", "0")
    assert quick.exit_code == 1
    assert f"WRONG SIZE {shorter}" in quick.output and altered not in quick.output

    # A backup with its files takes none of the three, and says so.
    damaged = await cli(store, "backup", "--with-files", str(tmp_path / "of-damaged"))
    assert damaged.exit_code == 1, damaged.output
    for line in (f"MISSING {gone}", f"WRONG SIZE {shorter}", f"WRONG SHA-256 {altered}"):
        assert line in damaged.output
    assert {gone, shorter, altered}.isdisjoint(manifest(tmp_path / "of-damaged"))
    assert not (tmp_path / "of-damaged" / "objects" / altered).exists()
    # Without its files, the manifest takes the row's SHA-256 (a wrong size is still seen).
    listed = await cli(store, "backup", str(tmp_path / "rows-only"))
    assert listed.exit_code == 1, listed.output
    assert f"MISSING {gone}" in listed.output and f"WRONG SIZE {shorter}" in listed.output


async def test_screenshots_from_before_checksums_are_reported_and_fix_records_them(
    backup_dir: Path, stores: Stores
) -> None:
    store = await stores.new()
    restored = await cli(store, "restore", str(backup_dir))
    assert restored.exit_code == 0, restored.output
    recorded = {
        shot.id: (shot.size, shot.sha256, shot.thumb_size, shot.thumb_sha256)
        for shot in await screenshot_rows(store)
    }
    async with store.engine.begin() as conn:  # as uploaded before migration 0009
        await conn.execute(
            update(m.Screenshot).values(size=None, sha256=None, thumb_size=None, thumb_sha256=None)
        )

    result = await cli(store, "check", "--min-age", "0")
    assert result.exit_code == 0, result.output  # nothing is wrong, only unknown
    assert (
        "4 screenshots and thumbnails have no checksum recorded (uploaded before the store recorded them): "
        "checked present and not empty only; `store check --fix` measures and records them"
    ) in result.output
    assert "all is well" in result.output
    assert all(shot.sha256 is None for shot in await screenshot_rows(store))

    fixed = await cli(store, "check", "--fix", "--min-age", "0")
    assert fixed.exit_code == 0, fixed.output
    assert "4 measured and recorded now" in fixed.output
    after = {
        shot.id: (shot.size, shot.sha256, shot.thumb_size, shot.thumb_sha256)
        for shot in await screenshot_rows(store)
    }
    assert after == recorded

    again = await cli(store, "check", "--min-age", "0")
    assert again.exit_code == 0 and "no checksum recorded" not in again.output

    # An old row whose image is empty is damaged all the same.
    first = (await screenshot_rows(store))[0]
    async with store.engine.begin() as conn:
        await conn.execute(
            update(m.Screenshot).where(m.Screenshot.id == first.id).values(size=None, sha256=None)
        )
    await store.storage.put_bytes(first.object_key, b"", content_type="image/png")
    empty = await cli(store, "check", "--fix", "--min-age", "0")
    assert empty.exit_code == 1
    assert f"WRONG SIZE {first.object_key} (screenshot {first.id}): the object is empty" in empty.output
    assert (await screenshot_rows(store))[0].sha256 is None  # nothing recorded for a damaged object


# --- PostgreSQL's client tools ---------------------------------------------------------------


def fake_tool(folder: Path, name: str, version: str, error: str = "") -> None:
    """An executable answering ``--version`` as a PostgreSQL client of ``version`` would (an old
    client cannot be installed beside the real one), and failing with ``error`` otherwise."""
    folder.mkdir(exist_ok=True)
    tool = folder / name
    tool.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{name} (PostgreSQL) {version}"; exit 0; fi\n'
        f'echo "{name}: error: {error}" >&2\nexit 1\n'
    )
    tool.chmod(0o755)


async def test_backup_refuses_a_pg_dump_that_is_missing_or_older_than_the_server(
    source: Store, tmp_path: Path
) -> None:
    if source.kind != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    async with source.engine.connect() as conn:
        server = int(await conn.scalar(text("SHOW server_version_num")) or 0) // 10000
    target = tmp_path / "backup"

    nothing = tmp_path / "no-tools"
    nothing.mkdir()
    missing = await cli(source, "backup", str(target), path=nothing)
    assert missing.exit_code != 0
    assert "pg_dump was not found on PATH" in missing.output
    assert "postgresql-client" in missing.output
    assert not target.exists()

    old = tmp_path / "old-tools"
    fake_tool(old, "pg_dump", f"{server - 1}.3")
    older = await cli(source, "backup", str(target), path=old)
    assert older.exit_code != 0
    assert f"is PostgreSQL {server - 1}'s, older than the server (PostgreSQL {server})" in older.output
    assert f"postgresql-client-{server}" in older.output and "nothing was written" in older.output
    assert not target.exists()


async def test_restore_refuses_a_pg_restore_that_cannot_read_the_dump(
    backup_dir: Path, stores: Stores, tmp_path: Path
) -> None:
    if stores.kind != "postgresql":
        pytest.skip("pg_restore restores PostgreSQL only")
    target = await stores.new()
    old = tmp_path / "old-tools"
    fake_tool(old, "pg_restore", "9.6.24", "unsupported version (1.16) in file header")
    result = await cli(target, "restore", str(backup_dir), path=old)
    assert result.exit_code != 0
    assert "(PostgreSQL 9) cannot read database.pgdump" in result.output
    assert (
        "unsupported version (1.16) in file header" in result.output
        and "nothing was changed" in result.output
    )
    assert await table_names(target) == []

    nothing = tmp_path / "no-tools"
    nothing.mkdir()
    missing = await cli(target, "restore", str(backup_dir), path=nothing)
    assert missing.exit_code != 0 and "pg_restore was not found on PATH" in missing.output
    assert await table_names(target) == []
