"""Object storage for artifacts, behind one small interface.

Uploaded files (up to 2 GiB) never pass through memory whole: ``put_stream`` hashes and stores a
stream chunk by chunk, enforces the size limit as soon as it is crossed and checks the expected
SHA-256 *before* the object becomes visible, so a failed upload leaves nothing behind. Two
implementations pass the same tests: a local directory (the embedded default) and any
S3-compatible store through boto3 (production). ``build_storage`` picks one from the settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import anyio.to_thread

if TYPE_CHECKING:
    from store.settings import StorageSettings

__all__ = [
    "ChecksumMismatch",
    "ListedObject",
    "ObjectNotFound",
    "ObjectTooLarge",
    "Storage",
    "StorageError",
    "StoredObject",
    "batches",
    "build_storage",
    "hash_stream",
    "validate_key",
]

#: S3's limit on key length, in UTF-8 bytes; applied to both backends so they agree.
MAX_KEY_BYTES = 1024
#: bytes gathered before each hashing or writing thread hop: big enough to make hops cheap
BATCH_BYTES = 4 * 1024 * 1024


class StorageError(Exception):
    """The object store failed or is unreachable (mapped to HTTP 503 by callers)."""


class ObjectTooLarge(Exception):
    """A stream grew past ``max_bytes``; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"object larger than {limit} bytes")
        self.limit = limit


class ChecksumMismatch(Exception):
    """The stream's SHA-256 is not the one the client announced; nothing was stored."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"sha256 mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class ObjectNotFound(LookupError):
    """No object under this key (callers answer 404, not 503)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class StoredObject:
    """What ``put_stream`` stored: the key, its size in bytes and its SHA-256 (lower-case hex)."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ListedObject:
    """An object as the store lists it: key, size in bytes and when it was last written (UTC)."""

    key: str
    size: int
    modified: datetime


class Storage(Protocol):
    """The operations the app needs from an object store; keys are made by the app."""

    backend: str  # "local" or "s3"

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int,
        expected_sha256: str | None = None,
    ) -> StoredObject:
        """Store a stream; raise ObjectTooLarge / ChecksumMismatch / StorageError leaving nothing."""
        ...

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store a small object (a thumbnail) in one call."""
        ...

    async def get_bytes(self, key: str) -> bytes:
        """Read a small object whole; raise ObjectNotFound if it is missing."""
        ...

    def open(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Stream an object; ObjectNotFound surfaces on the first iteration."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    async def stat(self, key: str) -> ListedObject:
        """Size and last write of one object; raise ObjectNotFound if it is missing."""
        ...

    def list_objects(self, *, page_size: int = 1000) -> AsyncIterator[ListedObject]:
        """Every object, fetched page by page (a folder at a time locally), so memory does not
        grow with the store. The order is the backend's own: SeaweedFS walks its folders rather
        than sorting whole keys as AWS does, so callers must not rely on one."""
        ...

    async def delete(self, key: str) -> None:
        """Remove an object; deleting a missing object is not an error."""
        ...

    async def presigned_url(self, key: str, *, filename: str, content_type: str, expires: int) -> str | None:
        """A time-limited download URL, or None when the caller must stream the object itself."""
        ...

    async def check(self) -> None:
        """Health probe: raise StorageError if the store cannot be used."""
        ...

    async def prepare(self) -> None:
        """Create the directory or bucket if it is missing (startup, tests)."""
        ...


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise ValueError.

    Keys come from the app, but part of them from user-supplied file names; refusing traversal,
    absolute paths, backslashes and control characters keeps both backends equivalent and keeps
    the local one inside its directory.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("storage key must be a non-empty string")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise ValueError(f"storage key longer than {MAX_KEY_BYTES} bytes")
    if ".." in key:
        raise ValueError(f"storage key must not contain '..': {key!r}")
    if key.startswith("/") or key.endswith("/"):
        raise ValueError(f"storage key must not start or end with '/': {key!r}")
    if "\\" in key:
        raise ValueError(f"storage key must not contain backslashes: {key!r}")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in key):
        raise ValueError(f"storage key must not contain control characters: {key!r}")
    if any(part in {"", "."} for part in key.split("/")):
        raise ValueError(f"storage key must not contain empty or '.' segments: {key!r}")
    return key


def check_sha256(expected: str | None, actual: str) -> None:
    """Raise ChecksumMismatch unless ``expected`` (any case) is ``actual``, or is None."""
    if expected is not None and expected.strip().lower() != actual:
        raise ChecksumMismatch(expected=expected, actual=actual)


def update_hash(hasher: hashlib._Hash, chunks: Iterable[bytes]) -> None:
    """Feed chunks to a hasher; run in a worker thread (hashlib releases the GIL on big inputs)."""
    for chunk in chunks:
        hasher.update(chunk)


async def batches(chunks: AsyncIterator[bytes], *, max_bytes: int) -> AsyncIterator[list[bytes]]:
    """Regroup a stream into batches of about BATCH_BYTES, so each thread hop does real work.

    Raises ObjectTooLarge as soon as more than ``max_bytes`` arrived, before that data is used.
    """
    size = 0
    batch: list[bytes] = []
    batch_len = 0
    async for chunk in chunks:
        if not chunk:
            continue
        size += len(chunk)
        if size > max_bytes:
            raise ObjectTooLarge(max_bytes)
        batch.append(bytes(chunk))
        batch_len += len(chunk)
        if batch_len >= BATCH_BYTES:
            yield batch
            batch, batch_len = [], 0
    if batch:
        yield batch


async def hash_stream(chunks: AsyncIterator[bytes], *, max_bytes: int) -> tuple[int, str]:
    """Size and SHA-256 (lower-case hex) of a stream, consumed without storing it.

    Raises ObjectTooLarge as soon as more than ``max_bytes`` arrived. Hashing runs in a worker
    thread on batches of a few MiB so the event loop stays free.
    """
    hasher = hashlib.sha256()
    size = 0
    async for batch in batches(chunks, max_bytes=max_bytes):
        size += sum(len(chunk) for chunk in batch)
        await anyio.to_thread.run_sync(update_hash, hasher, batch)
    return size, hasher.hexdigest()


def build_storage(settings: StorageSettings) -> Storage:
    """The storage the settings ask for (``local`` directory or ``s3``)."""
    if settings.backend == "local":
        from store.lib.storage._local import LocalStorage

        return LocalStorage(settings.local_dir)
    if settings.backend == "s3":
        from store.lib.storage._s3 import S3Storage

        return S3Storage(
            endpoint=settings.s3_endpoint,
            bucket=settings.s3_bucket,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    raise ValueError(f"unknown storage backend {settings.backend!r}")
