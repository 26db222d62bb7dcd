"""The objects the database points to, and walks over them that stay small.

Three kinds of row name an object: a live artifact (its file), a screenshot (its image) and the
screenshot's thumbnail, each with the size and SHA-256 recorded as it was stored. Screenshots
uploaded before migration 0009 have neither (``Reference.recorded`` is false). A removed
artifact's object is deleted after the removal commits, so its row no longer points to anything.

Rows are read by keyset pagination on their ids through a ``Reader``: the check opens a short
read per page (no transaction held for hours), the backup reads every page inside its snapshot.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import anyio
from sqlalchemy import Select, Update, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store.db import models as m
from store.lib.storage import Storage, hash_stream

T = TypeVar("T")

#: rows per keyset page, and keys per storage page looked up at once
BATCH = 1000
#: no object is this large; hashing never stops early
UNLIMITED = 1 << 62

#: the folders the store writes objects into (ArtifactService and ScreenshotService make the
#: keys). Anything else in the bucket or folder is not the store's: never called an orphan, never
#: deleted (a misconfigured STORE_STORAGE_DIR could hold the SQLite database itself).
STORE_PREFIXES = ("artifacts/", "screenshots/")

Reader = Callable[[Select[Any]], Awaitable[Sequence[Row[Any]]]]


class ObjectKind(StrEnum):
    ARTIFACT = "artifact"
    SCREENSHOT = "screenshot"
    THUMBNAIL = "thumbnail"


@dataclass(frozen=True)
class Reference:
    """A row's pointer to an object; ``size`` and ``sha256`` are what the row recorded, if any."""

    key: str
    kind: ObjectKind
    row_id: int
    size: int | None = None
    sha256: str | None = None

    @property
    def recorded(self) -> bool:
        """Whether the row recorded the object's size and SHA-256 (not before migration 0009)."""
        return self.size is not None and self.sha256 is not None

    def describe(self) -> str:
        """Which row points here, for messages: ``artifact 12``, ``screenshot 3 (thumbnail)``."""
        if self.kind == ObjectKind.THUMBNAIL:
            return f"screenshot {self.row_id} (thumbnail)"
        return f"{self.kind.value} {self.row_id}"


def engine_reader(engine: AsyncEngine) -> Reader:
    """Each read on a connection of its own, so no snapshot is held between pages."""

    async def read(statement: Select[Any]) -> Sequence[Row[Any]]:
        async with engine.connect() as conn:
            return (await conn.execute(statement)).all()

    return read


def connection_reader(conn: AsyncConnection) -> Reader:
    """Every read on one connection (and so in its transaction's snapshot)."""

    async def read(statement: Select[Any]) -> Sequence[Row[Any]]:
        return (await conn.execute(statement)).all()

    return read


async def _keyset(read: Reader, query: Select[Any], id_column: Any, batch: int) -> AsyncIterator[Row[Any]]:
    after: int | None = None
    while True:
        page = query if after is None else query.where(id_column > after)
        rows = await read(page.order_by(id_column).limit(batch))
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].id


async def references(read: Reader, *, batch: int = BATCH) -> AsyncIterator[Reference]:
    """Every object the database points to: live artifacts by id, then screenshots by id."""
    artifact = m.Artifact
    live = select(artifact.id, artifact.object_key, artifact.size, artifact.sha256).where(
        artifact.removed_at.is_(None)
    )
    async for row in _keyset(read, live, artifact.id, batch):
        yield Reference(row.object_key, ObjectKind.ARTIFACT, row.id, row.size, row.sha256)
    shot = m.Screenshot
    shots = select(
        shot.id, shot.object_key, shot.thumb_key, shot.size, shot.sha256, shot.thumb_size, shot.thumb_sha256
    )
    async for row in _keyset(read, shots, shot.id, batch):
        yield Reference(row.object_key, ObjectKind.SCREENSHOT, row.id, row.size, row.sha256)
        yield Reference(row.thumb_key, ObjectKind.THUMBNAIL, row.id, row.thumb_size, row.thumb_sha256)


async def referenced_among(read: Reader, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` (one storage page) a row points to: two indexed lookups, not a set of
    every key in the store."""
    if not keys:
        return set()
    artifact, shot = m.Artifact, m.Screenshot
    found = {
        row.object_key
        for row in await read(
            select(artifact.object_key).where(artifact.removed_at.is_(None), artifact.object_key.in_(keys))
        )
    }
    for row in await read(
        select(shot.object_key, shot.thumb_key).where(
            or_(shot.object_key.in_(keys), shot.thumb_key.in_(keys))
        )
    ):
        found.update((row.object_key, row.thumb_key))
    return found & set(keys)


async def still_referenced(read: Reader, ref: Reference) -> bool:
    """Whether ``ref``'s row still points to its object (it may have been removed meanwhile)."""
    if ref.kind == ObjectKind.ARTIFACT:
        query = select(m.Artifact.id).where(
            m.Artifact.id == ref.row_id, m.Artifact.removed_at.is_(None), m.Artifact.object_key == ref.key
        )
    else:
        query = select(m.Screenshot.id).where(m.Screenshot.id == ref.row_id)
    return bool(await read(query))


def record_statement(ref: Reference, size: int, sha256: str) -> Update:
    """Record a screenshot's or thumbnail's measured size and SHA-256 on its row, if the row
    still points to the object and has recorded none meanwhile."""
    shot = m.Screenshot
    if ref.kind == ObjectKind.SCREENSHOT:
        key_column, size_column, sha_column = shot.object_key, "size", "sha256"
    elif ref.kind == ObjectKind.THUMBNAIL:
        key_column, size_column, sha_column = shot.thumb_key, "thumb_size", "thumb_sha256"
    else:
        raise ValueError(f"{ref.describe()}: an artifact's row records its checksum at upload")
    return (
        update(shot)
        .where(shot.id == ref.row_id, key_column == ref.key, getattr(shot, sha_column).is_(None))
        .values({size_column: size, sha_column: sha256})
    )


async def measure(storage: Storage, key: str) -> tuple[int, str]:
    """Size and SHA-256 of a stored object, read in chunks (ObjectNotFound if it is missing)."""
    return await hash_stream(storage.open(key), max_bytes=UNLIMITED)


async def pages(items: AsyncIterable[T], size: int = BATCH) -> AsyncIterator[list[T]]:
    """Regroup a stream into lists of at most ``size``."""
    page: list[T] = []
    async for item in items:
        page.append(item)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


async def for_each(items: AsyncIterable[T], work: Callable[[T], Awaitable[None]], *, jobs: int) -> None:
    """Run ``work`` on every item, at most ``jobs`` at once. Items are drawn only as fast as they
    are worked off, so memory stays at ``jobs`` items however long the stream. The first error
    (say, the object store going away) stops the walk and is raised as itself."""
    slots = anyio.Semaphore(jobs)

    async def run(item: T) -> None:
        try:
            await work(item)
        finally:
            slots.release()

    try:
        async with anyio.create_task_group() as tg:
            async for item in items:
                await slots.acquire()
                tg.start_soon(run, item)
    except BaseExceptionGroup as group:
        raise _first_error(group) from None


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first
