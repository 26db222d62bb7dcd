"""One behaviour, two object stores: every test here runs on the local directory and on S3.

The S3 half talks to a real SeaweedFS (tests/services.py). "Nothing left behind" is checked at
the source: the files under the local root, or the bucket's objects and pending multipart uploads.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from email.message import Message
from pathlib import Path

import anyio
import httpx
import pytest

from store.lib.storage import (
    ChecksumMismatch,
    ObjectNotFound,
    ObjectTooLarge,
    Storage,
    StorageError,
    StoredObject,
    build_storage,
    hash_stream,
)
from store.lib.storage._local import LocalStorage
from store.lib.storage._s3 import PART_SIZE, S3Storage
from store.settings import StorageSettings
from tests.integration.conftest import make_s3_storage
from tests.services import SeaweedS3, free_port

MiB = 1024 * 1024
KEY = "artifacts/ab12cd/部署包 v1.zip"

Leftovers = Callable[[], Awaitable[list[str]]]


class Boom(Exception):
    """The upload's source failed (a client disconnect, a broken proxy...)."""


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def storage(request: pytest.FixtureRequest) -> Storage:
    """Each test once per backend; SeaweedFS is started only for the S3 half."""
    backend: Storage = request.getfixturevalue(f"{request.param}_storage")
    return backend


@pytest.fixture
def leftovers(storage: Storage, request: pytest.FixtureRequest) -> Leftovers:
    """Everything the backend holds: files (including partial ones) or objects and uploads."""

    async def local() -> list[str]:
        assert isinstance(storage, LocalStorage)
        return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file())

    async def s3() -> list[str]:
        assert isinstance(storage, S3Storage)
        client = request.getfixturevalue("seaweed").client()
        objects = client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
        return sorted([o["Key"] for o in objects] + [f"upload:{u['Key']}" for u in uploads])

    return local if storage.backend == "local" else s3


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic, incompressible-looking bytes (so no store can cheat by deduplicating)."""
    block = hashlib.sha256(f"seed-{seed}".encode()).digest() * 2048  # 64 KiB
    blocks = [
        hashlib.sha256(block + i.to_bytes(4, "big")).digest() * 2048 for i in range(size // len(block) + 1)
    ]
    return b"".join(blocks)[:size]


async def feed(data: bytes, chunk_size: int = MiB) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk_size):
        yield data[start : start + chunk_size]
        await anyio.lowlevel.checkpoint()


async def feed_sizes(data: bytes, sizes: Iterable[int]) -> AsyncIterator[bytes]:
    """Chunks of the given sizes, cycling, which never line up with part boundaries."""
    sizes = list(sizes)
    start = i = 0
    while start < len(data):
        step = sizes[i % len(sizes)]
        yield data[start : start + step]
        start += step
        i += 1


async def read_all(storage: Storage, key: str, chunk_size: int = MiB) -> bytes:
    return b"".join([chunk async for chunk in storage.open(key, chunk_size)])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- round trips ---------------------------------------------------------------------------------


async def test_put_stream_then_read_back(storage: Storage, leftovers: Leftovers) -> None:
    data = payload(300_000)
    stored = await storage.put_stream(
        KEY, feed(data, 64 * 1024), content_type="application/zip", max_bytes=MiB
    )
    assert stored == StoredObject(key=KEY, size=len(data), sha256=sha(data))
    assert await storage.exists(KEY)
    assert await storage.get_bytes(KEY) == data
    assert await read_all(storage, KEY) == data
    pieces = [chunk async for chunk in storage.open(KEY, chunk_size=100_000)]
    assert [len(p) for p in pieces] == [100_000, 100_000, 100_000]
    assert await leftovers() == [KEY]


async def test_put_bytes_then_get_bytes(storage: Storage) -> None:
    await storage.put_bytes("shots/1-thumb.jpg", b"\xff\xd8thumb", content_type="image/jpeg")
    assert await storage.get_bytes("shots/1-thumb.jpg") == b"\xff\xd8thumb"


async def test_twenty_mib_in_one_mib_chunks(storage: Storage, leftovers: Leftovers) -> None:
    data = payload(20 * MiB, seed=1)
    stored = await storage.put_stream(KEY, feed(data), max_bytes=2 * 1024**3)
    assert (stored.size, stored.sha256) == (len(data), sha(data))
    assert await read_all(storage, KEY) == data
    assert await leftovers() == [KEY]


async def test_chunks_that_straddle_part_boundaries(storage: Storage) -> None:
    data = payload(3 * PART_SIZE + 12345, seed=2)
    stored = await storage.put_stream(
        KEY, feed_sizes(data, [1, 3 * MiB + 7, 65_536, 5 * MiB]), max_bytes=len(data)
    )
    assert (stored.size, stored.sha256) == (len(data), sha(data))
    assert await read_all(storage, KEY) == data


@pytest.mark.parametrize("size", [0, 1, PART_SIZE, PART_SIZE + 1, 2 * PART_SIZE])
async def test_part_boundary_sizes(storage: Storage, size: int, request: pytest.FixtureRequest) -> None:
    data = payload(size, seed=size)
    stored = await storage.put_stream(KEY, feed(data), max_bytes=size)
    assert (stored.size, stored.sha256) == (size, sha(data))
    assert await storage.get_bytes(KEY) == data
    if isinstance(storage, S3Storage):
        # one put_object up to a part; a multipart upload (ETag "<md5>-<parts>") beyond
        etag = request.getfixturevalue("seaweed").client().head_object(Bucket=storage.bucket, Key=KEY)["ETag"]
        assert ("-" in etag) == (size > PART_SIZE), etag


async def test_put_replaces_an_existing_object(storage: Storage, leftovers: Leftovers) -> None:
    await storage.put_stream(KEY, feed(b"old version"), max_bytes=MiB)
    await storage.put_stream(KEY, feed(b"new"), max_bytes=MiB)
    assert await storage.get_bytes(KEY) == b"new"
    assert await leftovers() == [KEY]


async def test_content_type_is_kept_on_s3(s3_storage: S3Storage, seaweed: SeaweedS3) -> None:
    await s3_storage.put_stream(KEY, feed(b"PK"), content_type="application/zip", max_bytes=MiB)
    await s3_storage.put_stream(
        "big.bin", feed(payload(PART_SIZE + 1)), content_type="application/x-tar", max_bytes=PART_SIZE + 1
    )
    client = seaweed.client()
    assert client.head_object(Bucket=s3_storage.bucket, Key=KEY)["ContentType"] == "application/zip"
    assert client.head_object(Bucket=s3_storage.bucket, Key="big.bin")["ContentType"] == "application/x-tar"


# -- failed uploads leave nothing ----------------------------------------------------------------


@pytest.mark.parametrize("size", [100, 20 * MiB])
async def test_too_large_is_refused_early_and_leaves_nothing(
    storage: Storage, leftovers: Leftovers, size: int
) -> None:
    limit = size // 2
    consumed = 0

    async def counting() -> AsyncIterator[bytes]:
        nonlocal consumed
        async for chunk in feed(payload(size), chunk_size=max(1, size // 20)):
            consumed += len(chunk)
            yield chunk

    with pytest.raises(ObjectTooLarge) as caught:
        await storage.put_stream(KEY, counting(), max_bytes=limit)
    assert caught.value.limit == limit
    assert consumed <= limit + size // 20  # stopped at the first chunk past the limit
    assert await leftovers() == []
    assert not await storage.exists(KEY)


async def test_exactly_max_bytes_is_accepted(storage: Storage) -> None:
    stored = await storage.put_stream(KEY, feed(b"x" * 1000, 100), max_bytes=1000)
    assert stored.size == 1000


@pytest.mark.parametrize("size", [1000, 20 * MiB])
async def test_wrong_checksum_leaves_nothing(storage: Storage, leftovers: Leftovers, size: int) -> None:
    data = payload(size, seed=3)
    wrong = sha(b"something else")
    with pytest.raises(ChecksumMismatch) as caught:
        await storage.put_stream(KEY, feed(data), max_bytes=size, expected_sha256=wrong)
    assert (caught.value.expected, caught.value.actual) == (wrong, sha(data))
    assert await leftovers() == []


async def test_wrong_checksum_keeps_the_previous_object(storage: Storage, leftovers: Leftovers) -> None:
    await storage.put_bytes(KEY, b"good", content_type="application/zip")
    with pytest.raises(ChecksumMismatch):
        await storage.put_stream(KEY, feed(b"evil"), max_bytes=MiB, expected_sha256=sha(b"good"))
    assert await storage.get_bytes(KEY) == b"good"
    assert await leftovers() == [KEY]


async def test_expected_checksum_is_compared_case_insensitively(storage: Storage) -> None:
    data = payload(PART_SIZE + 5, seed=4)
    stored = await storage.put_stream(KEY, feed(data), max_bytes=len(data), expected_sha256=sha(data).upper())
    assert stored.sha256 == sha(data)


@pytest.mark.parametrize("fail_after", [0, 3 * MiB, 20 * MiB])
async def test_failing_source_propagates_and_leaves_nothing(
    storage: Storage, leftovers: Leftovers, fail_after: int
) -> None:
    async def broken() -> AsyncIterator[bytes]:
        async for chunk in feed(payload(fail_after, seed=5)):
            yield chunk
        raise Boom("client went away")

    with pytest.raises(Boom, match="client went away"):
        await storage.put_stream(KEY, broken(), max_bytes=2 * 1024**3)
    assert await leftovers() == []


async def test_cancelled_upload_leaves_nothing(storage: Storage, leftovers: Leftovers) -> None:
    stalled = anyio.Event()

    async def slow_client() -> AsyncIterator[bytes]:
        async for chunk in feed(payload(20 * MiB, seed=6)):
            yield chunk
        stalled.set()
        await anyio.sleep_forever()
        yield b""  # pragma: no cover

    async with anyio.create_task_group() as tg:

        async def upload() -> None:
            await storage.put_stream(KEY, slow_client(), max_bytes=2 * 1024**3)

        tg.start_soon(upload)
        with anyio.fail_after(30):
            await stalled.wait()
        await anyio.sleep(0.2)  # let the parts in flight get going
        tg.cancel_scope.cancel()
    assert await leftovers() == []


# -- the rest of the interface --------------------------------------------------------------------


async def test_exists_and_idempotent_delete(storage: Storage, leftovers: Leftovers) -> None:
    assert not await storage.exists(KEY)
    await storage.put_bytes(KEY, b"x", content_type="application/zip")
    assert await storage.exists(KEY)
    assert not await storage.exists("artifacts/ab12cd")  # a prefix is not an object
    await storage.delete(KEY)
    assert not await storage.exists(KEY)
    await storage.delete(KEY)
    await storage.delete("never/was/here.zip")
    assert await leftovers() == []


async def test_missing_object_is_object_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        await storage.get_bytes("no/such.zip")
    with pytest.raises(ObjectNotFound):
        await read_all(storage, "no/such.zip")


async def test_list_objects_pages_through_every_object_once(storage: Storage) -> None:
    """The listing `store check` walks: every object once, with its size and a recent write
    time, page by page; folders and prefixes are not objects. Its order is the backend's own."""
    keys = ["a-c", "a/b", "a/b2/c", "a0", "artifacts/1/y", "artifacts/1-z", "artifacts/10/x", "中/文件.zip"]
    for size, key in enumerate(keys, start=1):
        await storage.put_bytes(key, b"x" * size, content_type="application/octet-stream")
    before = time.time() - 600
    for page_size in (2, 1000):
        listed = [item async for item in storage.list_objects(page_size=page_size)]
        assert sorted(item.key for item in listed) == sorted(keys)
        assert {item.key: item.size for item in listed} == {key: n for n, key in enumerate(keys, start=1)}
        assert all(item.modified.timestamp() > before for item in listed)
    stat = await storage.stat("a/b2/c")
    assert (stat.key, stat.size) == ("a/b2/c", 3)
    with pytest.raises(ObjectNotFound):
        await storage.stat("a/b2")  # a folder
    with pytest.raises(ObjectNotFound):
        await storage.stat("no/such.zip")


async def test_list_objects_of_an_empty_store_is_empty(storage: Storage) -> None:
    assert [item async for item in storage.list_objects()] == []


async def test_check_and_prepare_are_idempotent(storage: Storage) -> None:
    await storage.check()
    await storage.prepare()
    await storage.check()


async def test_hash_stream(storage: Storage) -> None:
    data = payload(9 * MiB + 3, seed=7)
    assert await hash_stream(feed(data), max_bytes=len(data)) == (len(data), sha(data))
    assert await hash_stream(feed(b""), max_bytes=0) == (0, sha(b""))
    with pytest.raises(ObjectTooLarge):
        await hash_stream(feed(data), max_bytes=len(data) - 1)


async def test_presigned_url_downloads_with_the_chinese_file_name(s3_storage: S3Storage) -> None:
    data = payload(PART_SIZE + 100, seed=8)
    await s3_storage.put_stream(KEY, feed(data), max_bytes=len(data))
    url = await s3_storage.presigned_url(
        KEY, filename="部署包.zip", content_type="application/zip", expires=60
    )
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition == "attachment; filename*=UTF-8''%E9%83%A8%E7%BD%B2%E5%8C%85.zip"
    message = Message()
    message["content-disposition"] = disposition
    assert message.get_filename() == "部署包.zip"  # what a mail/HTTP parser makes of it


async def test_local_has_no_presigned_url(local_storage: LocalStorage) -> None:
    await local_storage.put_bytes(KEY, b"x", content_type="application/zip")
    assert (
        await local_storage.presigned_url(
            KEY, filename="部署包.zip", content_type="application/zip", expires=60
        )
        is None
    )


BAD_KEYS = [
    "",
    "../etc/passwd",
    "a/../../b",
    "/abs/key",
    "a\\b",
    "a\nb",
    "a\x00b",
    "a\x7fb",
    "a//b",
    "./a",
    "a/",
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_invalid_keys_are_refused(storage: Storage, key: str, leftovers: Leftovers) -> None:
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: storage.put_stream(key, feed(b"x"), max_bytes=10),
        lambda: storage.put_bytes(key, b"x", content_type="text/plain"),
        lambda: storage.get_bytes(key),
        lambda: read_all(storage, key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.presigned_url(key, filename="x", content_type="text/plain", expires=60),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            await call()
    assert await leftovers() == []


# -- an unusable store -----------------------------------------------------------------------------


async def test_unreachable_s3_is_storage_error_quickly() -> None:
    dead = S3Storage(
        endpoint=f"http://127.0.0.1:{free_port()}",
        bucket="nowhere",
        access_key="x",
        secret_key="y",
        connect_timeout=2,
        read_timeout=60,
    )
    started = time.monotonic()
    with pytest.raises(StorageError):
        await dead.check()
    with pytest.raises(StorageError):
        await dead.prepare()
    with pytest.raises(StorageError):
        await dead.put_stream(KEY, feed(b"small"), max_bytes=MiB)
    with pytest.raises(StorageError):
        await dead.put_stream(KEY, feed(payload(3 * PART_SIZE)), max_bytes=2 * 1024**3)
    with pytest.raises(StorageError):
        await dead.get_bytes(KEY)
    assert time.monotonic() - started < 30


@pytest.mark.services
async def test_missing_bucket_or_wrong_secret_fails_check(seaweed: SeaweedS3) -> None:
    with pytest.raises(StorageError):
        await make_s3_storage(seaweed, "bucket-that-is-not-there").check()
    wrong = S3Storage(
        endpoint=seaweed.endpoint, bucket="any", access_key=seaweed.access_key, secret_key="wrong-secret"
    )
    with pytest.raises(StorageError):
        await wrong.check()


async def test_unusable_local_directory_is_storage_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_bytes(b"")
    storage = LocalStorage(not_a_dir)
    with pytest.raises(StorageError):
        await storage.check()
    with pytest.raises(StorageError):
        await storage.put_stream(KEY, feed(b"x"), max_bytes=10)
    assert not_a_dir.read_bytes() == b""


async def test_missing_local_directory_fails_check_until_prepared(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "not" / "yet")
    with pytest.raises(StorageError):
        await storage.check()
    await storage.prepare()
    await storage.check()


async def test_local_delete_prunes_empty_directories(local_storage: LocalStorage) -> None:
    await local_storage.put_bytes("artifacts/7/a.zip", b"a", content_type="application/zip")
    await local_storage.put_bytes("artifacts/8/b.zip", b"b", content_type="application/zip")
    await local_storage.delete("artifacts/7/a.zip")
    assert sorted(os.listdir(local_storage.root / "artifacts")) == ["8"]
    assert local_storage.root.is_dir()


def test_build_storage_follows_the_settings(tmp_path: Path) -> None:
    local = build_storage(StorageSettings(backend="local", local_dir=tmp_path))
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    s3 = build_storage(StorageSettings(backend="s3", s3_endpoint="http://127.0.0.1:1", s3_bucket="b"))
    assert isinstance(s3, S3Storage) and s3.bucket == "b"
    with pytest.raises(ValueError):
        build_storage(StorageSettings(backend="ftp"))
