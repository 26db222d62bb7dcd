"""Artifacts in a local directory: the embedded default (``make run``) and the tests' twin of S3.

An upload goes to ``<final>.partial-<uuid>`` next to its final path and is renamed over it only
once size and checksum are known good, so readers never see a half-written object. File I/O runs
in worker threads, in batches of a few MiB so the thread hops stay cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import stat
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import anyio
import anyio.to_thread

from store.lib.storage import (
    ListedObject,
    ObjectNotFound,
    StorageError,
    StoredObject,
    batches,
    check_sha256,
    update_hash,
    validate_key,
)

if TYPE_CHECKING:
    from os import _ScandirIterator

T = TypeVar("T")

PARTIAL_MARKER = ".partial-"
_NOT_FOUND = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class LocalStorage:
    """Objects as files under ``root``; key ``a/b.zip`` is the file ``root/a/b.zip``."""

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path_for(self, key: str) -> Path:
        """The file that holds ``key`` (after validating the key)."""
        return self.root.joinpath(*validate_key(key).split("/"))

    def _temp_for(self, final: Path) -> Path:
        return final.with_name(f"{final.name}{PARTIAL_MARKER}{uuid.uuid4().hex}")

    # -- writing ---------------------------------------------------------------------------------
    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int,
        expected_sha256: str | None = None,
    ) -> StoredObject:
        """Stream into a temporary file, then rename it into place once it checks out.

        ``content_type`` is not kept: downloads from a local store are served by the app, which
        knows the type from its own records.
        """
        final = self.path_for(key)
        temp = self._temp_for(final)
        hasher = hashlib.sha256()
        size = 0
        file: BinaryIO | None = None
        try:
            file = await _io(_create_exclusive, temp)
            async for batch in batches(chunks, max_bytes=max_bytes):
                size += sum(len(chunk) for chunk in batch)
                await _io(_hash_and_write, file, hasher, batch)
            await _io(file.close)
            digest = hasher.hexdigest()
            check_sha256(expected_sha256, digest)
            await _io(os.replace, temp, final)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_discard, file, temp)
            raise
        return StoredObject(key=key, size=size, sha256=digest)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Write a small object whole, by the same temp-file-and-rename route."""
        final = self.path_for(key)
        temp = self._temp_for(final)
        try:
            await _io(_write_whole, temp, final, bytes(data))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_discard, None, temp)
            raise

    # -- reading ---------------------------------------------------------------------------------
    async def get_bytes(self, key: str) -> bytes:
        return await _io(_read_whole, self.path_for(key), key)

    async def open(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Yield the file in ``chunk_size`` pieces, each read in a worker thread."""
        file = await _io(_open_for_reading, self.path_for(key), key)
        try:
            while chunk := await _io(file.read, chunk_size):
                yield chunk
        finally:
            file.close()

    async def exists(self, key: str) -> bool:
        return await _io(self.path_for(key).is_file)

    async def stat(self, key: str) -> ListedObject:
        return await _io(_stat, self.path_for(key), key)

    async def list_objects(self, *, page_size: int = 1000) -> AsyncIterator[ListedObject]:
        """Walk the folders, reading at most ``page_size`` entries per thread hop, so a folder of
        any size is never held whole. Upload temporaries (``.partial-``) are listed too: callers
        judge them by age, as they judge any object no row points to yet."""
        pending = [self.root]
        while pending:
            folder = pending.pop()
            entries = await _io(_open_folder, folder)
            if entries is None:
                continue
            try:
                done = False
                while not done:
                    files, folders, done = await _io(_scan_some, entries, folder, self.root, page_size)
                    pending.extend(folders)
                    for listed in files:
                        yield listed
            finally:
                entries.close()

    # -- housekeeping ----------------------------------------------------------------------------
    async def delete(self, key: str) -> None:
        """Remove the file and the directories it leaves empty (up to ``root``)."""
        await _io(_delete_and_prune, self.path_for(key), self.root)

    async def presigned_url(self, key: str, *, filename: str, content_type: str, expires: int) -> str | None:
        """None: there is no second server to hand the download to, the app streams it."""
        validate_key(key)
        return None

    async def check(self) -> None:
        """The root must be a directory we can write into."""
        if not await _io(_is_writable_dir, self.root):
            raise StorageError(f"artifact directory {self.root} is missing or not writable")

    async def prepare(self) -> None:
        await _io(_make_dirs, self.root)


async def _io(func: Callable[..., T], *args: object) -> T:
    """Run blocking file I/O in a worker thread; OS failures become StorageError."""
    try:
        return await anyio.to_thread.run_sync(func, *args)
    except OSError as exc:
        raise StorageError(f"local storage: {exc}") from exc


# The functions below run in worker threads.


def _make_dirs(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _is_writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def _create_exclusive(path: Path) -> BinaryIO:
    """Open a new file, creating its directory; retry if a concurrent delete pruned it."""
    for _ in range(5):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return path.open("xb")
        except FileNotFoundError:
            continue
    return path.open("xb")


def _hash_and_write(file: BinaryIO, hasher: hashlib._Hash, batch: list[bytes]) -> None:
    update_hash(hasher, batch)
    file.writelines(batch)


def _write_whole(temp: Path, final: Path, data: bytes) -> None:
    with _create_exclusive(temp) as file:
        file.write(data)
    os.replace(temp, final)


def _discard(file: BinaryIO | None, temp: Path) -> None:
    """Best-effort cleanup after a failed upload; never raises over the original error."""
    if file is not None:
        with contextlib.suppress(OSError):
            file.close()
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)


def _stat(path: Path, key: str) -> ListedObject:
    try:
        info = path.stat()
    except _NOT_FOUND:
        raise ObjectNotFound(key) from None
    if not stat.S_ISREG(info.st_mode):
        raise ObjectNotFound(key)
    return ListedObject(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC))


def _open_folder(folder: Path) -> _ScandirIterator[str] | None:
    """A folder's entries, read lazily; None when the folder is missing (an empty store)."""
    try:
        return os.scandir(folder)
    except _NOT_FOUND:
        return None


def _scan_some(
    entries: _ScandirIterator[str], folder: Path, root: Path, count: int
) -> tuple[list[ListedObject], list[Path], bool]:
    """Up to ``count`` more entries of a folder: its files as objects, its subfolders, and
    whether the folder has been read to its end."""
    files: list[ListedObject] = []
    folders: list[Path] = []
    prefix = folder.relative_to(root).as_posix()
    read = 0
    for entry in itertools.islice(entries, count):
        read += 1
        try:
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                key = entry.name if prefix == "." else f"{prefix}/{entry.name}"
                files.append(ListedObject(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC)))
        except FileNotFoundError:  # deleted since the folder was read
            continue
    return files, folders, read < count


def _read_whole(path: Path, key: str) -> bytes:
    try:
        return path.read_bytes()
    except _NOT_FOUND:
        raise ObjectNotFound(key) from None


def _open_for_reading(path: Path, key: str) -> BinaryIO:
    try:
        return path.open("rb", buffering=0)
    except _NOT_FOUND:
        raise ObjectNotFound(key) from None


def _delete_and_prune(path: Path, root: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        return  # a "directory key" is not an object; nothing to delete
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:  # not empty (or already gone, or busy): stop pruning
            return
        parent = parent.parent
