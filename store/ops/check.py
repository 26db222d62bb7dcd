"""``store check``: an fsck for the store, streaming, so it works on terabytes of files.

Three walks, none of which holds the store in memory:

1. Rows to objects. Every live artifact, screenshot and thumbnail, in keyset pages of rows: its
   object is there, with the size and (unless ``hashes`` is off) the SHA-256 its row recorded,
   read in chunks, ``jobs`` objects at a time. Screenshots uploaded before migration 0009 have
   none recorded: their images and thumbnails are checked present and not empty, and counted;
   ``fix`` reads them and records what it measured (trusted on first sight: they were never
   checked before, and an object is never rewritten). A row removed while the check runs is not
   reported as a missing object.
2. Objects to rows. The storage listing, page by page; one indexed lookup per page says which of
   its keys a row points to. The others are orphans — unless written less than ``min_age`` ago:
   an upload stores its object a moment before its row commits, and a local upload's temporary
   file grows for as long as the upload runs, so young objects are skipped and counted. ``fix``
   deletes orphans, each re-checked (still no row, still old enough) just before. Objects outside
   the store's folders (``artifacts/``, ``screenshots/``) are not the store's: counted, left alone.
   Not a sorted merge of the two key lists: that needs both in one order, and S3 stores do not
   share one (SeaweedFS lists folder by folder, ``a/b`` before ``a-c``; AWS sorts whole keys).
   ``fix`` also records the checksums of screenshots that have none (walk 1).
3. The search indexes against the database: ``store reindex --check``'s comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from search import reindex as search_reindex
from search.errors import SearchUnavailable
from search.meili import MeiliEngine
from store.db.engine import create_engine, session_maker
from store.lib.storage import ListedObject, ObjectNotFound, Storage, build_storage
from store.settings import Settings

from .objects import (
    STORE_PREFIXES,
    ObjectKind,
    Reader,
    Reference,
    engine_reader,
    for_each,
    measure,
    pages,
    record_statement,
    referenced_among,
    references,
    still_referenced,
)

Say = Callable[[str], None]
#: objects outside the store's folders named in the summary (the rest are counted)
FOREIGN_SHOWN = 5


@dataclass
class CheckSummary:
    checked: dict[str, int] = field(default_factory=lambda: {kind.value: 0 for kind in ObjectKind})
    hashed_bytes: int = 0
    missing: int = 0
    wrong_size: int = 0
    wrong_sha256: int = 0
    unrecorded: int = 0  # screenshots and thumbnails whose rows record no size or SHA-256 (before 0009)
    recorded: int = 0  # of those, measured and recorded now (``fix``)
    listed: int = 0
    foreign: list[str] = field(default_factory=list)  # outside the store's folders: left alone
    foreign_count: int = 0
    orphans: int = 0
    removed: int = 0
    recent: int = 0  # unreferenced but younger than min_age: skipped
    search: search_reindex.CheckReport | None = None
    search_error: str = ""

    @property
    def ok(self) -> bool:
        """All is well: nothing missing or damaged, no orphan left, the indexes in step."""
        objects_ok = not (self.missing or self.wrong_size or self.wrong_sha256)
        orphans_ok = self.orphans == self.removed
        return objects_ok and orphans_ok and not self.search_error and bool(self.search and self.search.clean)


async def check(
    settings: Settings,
    *,
    meili: MeiliEngine | None,
    fix: bool,
    min_age: timedelta,
    hashes: bool,
    jobs: int,
    say: Say,
) -> CheckSummary:
    storage = build_storage(settings.storage)
    await storage.check()
    engine = create_engine(settings.db)
    summary = CheckSummary()
    try:
        read = engine_reader(engine)
        record = engine if fix and hashes else None
        await _rows_to_objects(summary, read, storage, record=record, hashes=hashes, jobs=jobs, say=say)
        await _objects_to_rows(summary, read, storage, fix=fix, min_age=min_age, say=say)
        try:
            summary.search = await search_reindex.check(session_maker(engine), meili)
        except SearchUnavailable as exc:
            summary.search_error = f"Meilisearch cannot be reached: {exc}"
    finally:
        await engine.dispose()
    return summary


async def _rows_to_objects(
    summary: CheckSummary,
    read: Reader,
    storage: Storage,
    *,
    record: AsyncEngine | None,
    hashes: bool,
    jobs: int,
    say: Say,
) -> None:
    """Walk 1; with ``record``, the measured checksums of rows that have none are written there."""

    async def verify(ref: Reference) -> None:
        sha256 = None
        try:
            if hashes and (ref.recorded or record is not None):
                size, sha256 = await measure(storage, ref.key)
                summary.hashed_bytes += size
            else:
                size = (await storage.stat(ref.key)).size
        except ObjectNotFound:
            if await still_referenced(read, ref):
                summary.missing += 1
                say(f"MISSING {ref.key} ({ref.describe()}): no such object in storage")
            return
        summary.checked[ref.kind.value] += 1
        if not ref.recorded:
            await _unrecorded(ref, size, sha256)
        elif size != ref.size:
            summary.wrong_size += 1
            say(f"WRONG SIZE {ref.key} ({ref.describe()}): {size} bytes, the row says {ref.size}")
        elif sha256 is not None and sha256 != ref.sha256:
            summary.wrong_sha256 += 1
            say(f"WRONG SHA-256 {ref.key} ({ref.describe()}): {sha256}, the row says {ref.sha256}")

    async def _unrecorded(ref: Reference, size: int, sha256: str | None) -> None:
        summary.unrecorded += 1
        if size == 0:
            summary.wrong_size += 1
            say(f"WRONG SIZE {ref.key} ({ref.describe()}): the object is empty")
        elif record is not None and sha256 is not None:
            async with record.begin() as conn:
                done = (await conn.execute(record_statement(ref, size, sha256))).rowcount
            if done:
                summary.recorded += 1

    await for_each(references(read), verify, jobs=jobs)


def _age(listed: ListedObject) -> timedelta:
    return datetime.now(UTC) - listed.modified


async def _objects_to_rows(
    summary: CheckSummary, read: Reader, storage: Storage, *, fix: bool, min_age: timedelta, say: Say
) -> None:
    async for page in pages(storage.list_objects()):
        summary.listed += len(page)
        referenced = await referenced_among(read, [listed.key for listed in page])
        for listed in page:
            if listed.key in referenced:
                continue
            if not listed.key.startswith(STORE_PREFIXES):
                summary.foreign_count += 1
                if len(summary.foreign) < FOREIGN_SHOWN:
                    summary.foreign.append(listed.key)
                continue
            if _age(listed) < min_age:
                summary.recent += 1
                continue
            summary.orphans += 1
            written = listed.modified.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            say(f"ORPHAN {listed.key} ({listed.size} bytes, written {written} UTC): no row points to it")
            if fix and await _remove(read, storage, listed.key, min_age, say):
                summary.removed += 1
                say(f"  removed {listed.key}")


async def _remove(read: Reader, storage: Storage, key: str, min_age: timedelta, say: Say) -> bool:
    """Delete an orphan after looking again: a row may have come, or the object been rewritten."""
    try:
        if await referenced_among(read, [key]):
            say(f"  kept {key}: a row points to it now")
            return False
        if _age(await storage.stat(key)) < min_age:
            say(f"  kept {key}: written again since it was listed")
            return False
        await storage.delete(key)
    except ObjectNotFound:
        return True  # gone already
    except ValueError as exc:  # a file name that is no valid key (put there by hand)
        say(f"  kept {key}: {exc}; remove it by hand")
        return False
    return True
