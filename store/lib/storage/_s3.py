"""Artifacts in an S3-compatible object store (SeaweedFS in tests and in docker-compose).

boto3 is synchronous, so every call runs in a worker thread, limited to the size of the
connection pool. A stream that fits in one part is buffered and sent with one ``put_object``;
a larger one becomes a multipart upload whose parts (8 MiB) are sent up to three at a time while
the next part is being read, which keeps memory at about (3 + 1) x 8 MiB per upload and the
throughput close to boto3's own ``upload_file``. The SHA-256 of the whole stream is checked
before ``complete_multipart_upload``, and any failure aborts the upload, so nothing is left.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import anyio
import anyio.to_thread
import boto3
from anyio.abc import TaskGroup
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from store.lib.storage import (
    ListedObject,
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    StoredObject,
    check_sha256,
    validate_key,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: size of every multipart part but the last; also the largest object sent with one put_object
PART_SIZE = 8 * 1024 * 1024
#: parts uploaded concurrently by one put_stream
PARTS_IN_FLIGHT = 3
#: HTTP connections (and so worker threads) per S3Storage
MAX_POOL_CONNECTIONS = 16

_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class S3Storage:
    """Objects in one bucket of an S3-compatible store, addressed path-style."""

    backend = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        connect_timeout: float = 10,
        read_timeout: float = 60,
        max_attempts: int = 3,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            # boto3 >= 1.36 adds CRC checksums to every upload by default; several S3-compatible
            # stores reject them, and we check our own SHA-256 anyway.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": max_attempts, "mode": "standard"},
            max_pool_connections=MAX_POOL_CONNECTIONS,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        # a session of our own: the default one is process-global and not thread-safe to set up
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=config,
        )
        # our own limiter: S3 calls must not queue behind (or starve) the app's other threads
        self._limiter = anyio.CapacityLimiter(MAX_POOL_CONNECTIONS)

    def __repr__(self) -> str:
        return f"S3Storage(endpoint={self.endpoint!r}, bucket={self.bucket!r})"

    async def _call(self, method: Callable[..., T], /, **kwargs: Any) -> T:
        """Run one boto3 call in a worker thread; transport and service errors become StorageError."""
        try:
            return await anyio.to_thread.run_sync(lambda: method(**kwargs), limiter=self._limiter)
        except ClientError as exc:
            raise StorageError(f"S3 {_error_code(exc)}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable or failing: {exc}") from exc

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
        """Upload a stream with one put_object, or as a pipelined multipart upload if it is big.

        Chunks are copied once, into part-sized buffers that are reused once their part is
        uploaded; no more than PARTS_IN_FLIGHT + 1 buffers ever exist for one upload.
        """
        validate_key(key)
        upload = _MultipartUpload(self, key, content_type)
        hasher = hashlib.sha256()
        size = 0
        # The first buffer grows with the data, so a small upload stays small.
        buffer = bytearray()
        filled = 0
        try:
            try:
                async with anyio.create_task_group() as tg:
                    async for chunk in chunks:
                        if not chunk:
                            continue
                        size += len(chunk)
                        if size > max_bytes:
                            raise ObjectTooLarge(max_bytes)
                        view = memoryview(chunk)
                        while view:
                            # a full buffer becomes a part only once more data shows up: a
                            # stream of exactly one part goes out as a single put_object
                            if filled == PART_SIZE:
                                await anyio.to_thread.run_sync(hasher.update, buffer)
                                await upload.send(tg, buffer)
                                buffer, filled = upload.spare_buffer(), 0
                            n = min(len(view), PART_SIZE - filled)
                            buffer[filled : filled + n] = view[:n]
                            filled += n
                            view = view[n:]
                    del buffer[filled:]
                    await anyio.to_thread.run_sync(hasher.update, buffer)
                    digest = hasher.hexdigest()
                    check_sha256(expected_sha256, digest)
                    if upload.started:
                        await upload.send(tg, buffer)
            except BaseExceptionGroup as group:
                raise _first_error(group) from None
            if upload.started:
                await upload.complete()
            else:
                await self._call(
                    self._client.put_object,
                    Bucket=self.bucket,
                    Key=key,
                    Body=buffer,
                    ContentType=content_type,
                )
        except BaseException:
            with anyio.CancelScope(shield=True):
                await upload.abort()
            raise
        return StoredObject(key=key, size=size, sha256=digest)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        validate_key(key)
        await self._call(
            self._client.put_object, Bucket=self.bucket, Key=key, Body=bytes(data), ContentType=content_type
        )

    # -- reading ---------------------------------------------------------------------------------
    async def get_bytes(self, key: str) -> bytes:
        validate_key(key)

        def read() -> bytes:
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with body:
                data: bytes = body.read()
                return data

        return await self._call_or_missing(read, key)

    async def open(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Yield the object in pieces of at most ``chunk_size``, each read in a worker thread."""
        validate_key(key)
        response = await self._call_or_missing(
            lambda: self._client.get_object(Bucket=self.bucket, Key=key), key
        )
        body = response["Body"]
        try:
            while chunk := await self._call(body.read, amt=chunk_size):
                yield chunk
        finally:
            body.close()

    async def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            await self._call_or_missing(lambda: self._client.head_object(Bucket=self.bucket, Key=key), key)
        except ObjectNotFound:
            return False
        return True

    async def stat(self, key: str) -> ListedObject:
        validate_key(key)
        head = await self._call_or_missing(lambda: self._client.head_object(Bucket=self.bucket, Key=key), key)
        return ListedObject(key, int(head["ContentLength"]), head["LastModified"])

    async def list_objects(self, *, page_size: int = 1000) -> AsyncIterator[ListedObject]:
        """ListObjectsV2, one page (at most ``page_size`` keys) per request."""
        token = ""
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "MaxKeys": page_size}
            if token:
                kwargs["ContinuationToken"] = token
            page = await self._call(self._client.list_objects_v2, **kwargs)
            for item in page.get("Contents", []):
                yield ListedObject(item["Key"], int(item["Size"]), item["LastModified"])
            token = page.get("NextContinuationToken", "")
            if not page.get("IsTruncated") or not token:
                return

    async def _call_or_missing(self, func: Callable[[], T], key: str) -> T:
        """Like ``_call``, but a missing object raises ObjectNotFound instead of StorageError."""
        try:
            return await anyio.to_thread.run_sync(func, limiter=self._limiter)
        except ClientError as exc:
            if _error_code(exc) in _MISSING_CODES:
                raise ObjectNotFound(key) from None
            raise StorageError(f"S3 {_error_code(exc)}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable or failing: {exc}") from exc

    # -- housekeeping ----------------------------------------------------------------------------
    async def delete(self, key: str) -> None:
        """S3's delete_object already succeeds for a missing key."""
        validate_key(key)
        await self._call(self._client.delete_object, Bucket=self.bucket, Key=key)

    async def presigned_url(self, key: str, *, filename: str, content_type: str, expires: int) -> str:
        """A GET URL whose response carries our file name and type, so the browser saves it well.

        The name goes in RFC 6266/5987 form (``filename*=UTF-8''…``) so Chinese names survive.
        """
        validate_key(key)
        disposition = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
        url: str = await self._call(
            self._client.generate_presigned_url,
            ClientMethod="get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires,
        )
        return url

    async def check(self) -> None:
        """The bucket must exist and answer to our credentials."""
        await self._call(self._client.head_bucket, Bucket=self.bucket)

    async def prepare(self) -> None:
        """Create the bucket unless it is there already."""
        try:
            await anyio.to_thread.run_sync(
                lambda: self._client.head_bucket(Bucket=self.bucket), limiter=self._limiter
            )
            return
        except ClientError as exc:
            if _error_code(exc) not in _MISSING_CODES:
                raise StorageError(f"S3 {_error_code(exc)}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable or failing: {exc}") from exc
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            await anyio.to_thread.run_sync(
                lambda: self._client.create_bucket(**kwargs), limiter=self._limiter
            )
        except ClientError as exc:
            if _error_code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise StorageError(f"S3 {_error_code(exc)}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable or failing: {exc}") from exc


class _MultipartUpload:
    """One multipart upload, started lazily when a stream turns out to need more than one part."""

    def __init__(self, storage: S3Storage, key: str, content_type: str) -> None:
        self._storage = storage
        self._key = key
        self._content_type = content_type
        self._upload_id: str | None = None
        self._etags: dict[int, str] = {}
        self._next_number = 1
        # one slot per part in flight: the reader waits here, which bounds memory
        self._slots = anyio.Semaphore(PARTS_IN_FLIGHT)
        # buffers of parts already uploaded, ready to be filled again
        self._spare: list[bytearray] = []

    @property
    def started(self) -> bool:
        return self._upload_id is not None

    def spare_buffer(self) -> bytearray:
        """A part-sized buffer to fill next: one whose part is done, or a new one."""
        return self._spare.pop() if self._spare else bytearray(PART_SIZE)

    async def send(self, tg: TaskGroup, data: bytearray) -> None:
        """Start uploading the next part in ``tg``, once fewer than PARTS_IN_FLIGHT are running."""
        storage = self._storage
        if self._upload_id is None:
            response = await storage._call(
                storage._client.create_multipart_upload,
                Bucket=storage.bucket,
                Key=self._key,
                ContentType=self._content_type,
            )
            self._upload_id = response["UploadId"]
        number = self._next_number
        self._next_number += 1
        await self._slots.acquire()
        tg.start_soon(self._upload_part, number, data, name=f"upload part {number}")

    async def _upload_part(self, number: int, data: bytearray) -> None:
        storage = self._storage
        try:
            response = await storage._call(
                storage._client.upload_part,
                Bucket=storage.bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=data,
            )
            self._etags[number] = response["ETag"]
            if len(data) == PART_SIZE:
                self._spare.append(data)
        finally:
            self._slots.release()

    async def complete(self) -> None:
        storage = self._storage
        parts = [{"PartNumber": n, "ETag": self._etags[n]} for n in sorted(self._etags)]
        await storage._call(
            storage._client.complete_multipart_upload,
            Bucket=storage.bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": parts},
        )

    async def abort(self) -> None:
        """Drop the parts uploaded so far; failures are logged, not raised over the real error."""
        if self._upload_id is None:
            return
        storage = self._storage
        upload_id, self._upload_id = self._upload_id, None
        try:
            await storage._call(
                storage._client.abort_multipart_upload,
                Bucket=storage.bucket,
                Key=self._key,
                UploadId=upload_id,
            )
        except StorageError:
            logger.warning("could not abort multipart upload %s of %s", upload_id, self._key, exc_info=True)


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The exception to re-raise from a task group: callers expect plain exceptions, not groups."""
    first = group.exceptions[0]
    if isinstance(first, BaseExceptionGroup):
        return _first_error(first)
    return first


def _error_code(exc: ClientError) -> str:
    error: dict[str, Any] = exc.response.get("Error", {})  # type: ignore[assignment]
    return str(error.get("Code", ""))
