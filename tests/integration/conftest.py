"""Storage fixtures: one real SeaweedFS for the session, a fresh bucket or directory per test.

SeaweedFS starts only when a test asks for it (``seaweed`` or ``s3_storage``), so the local
half of the storage suite runs without it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from store.lib.storage._local import LocalStorage
from store.lib.storage._s3 import S3Storage
from tests.services import SeaweedS3


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedS3]:
    """A throw-away SeaweedFS S3 gateway, shared by the whole run."""
    with SeaweedS3() as service:
        yield service


def make_s3_storage(seaweed: SeaweedS3, bucket: str, **options: Any) -> S3Storage:
    return S3Storage(
        endpoint=seaweed.endpoint,
        bucket=bucket,
        access_key=seaweed.access_key,
        secret_key=seaweed.secret_key,
        region=seaweed.region,
        **options,
    )


def empty_bucket(seaweed: SeaweedS3, bucket: str) -> None:
    """Delete every object and pending multipart upload, then the bucket (frees its volume)."""
    client = seaweed.client()
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
async def s3_storage(seaweed: SeaweedS3) -> AsyncIterator[S3Storage]:
    """S3Storage on a bucket of its own, created by prepare() and removed afterwards."""
    bucket = f"store-test-{uuid.uuid4().hex[:16]}"
    storage = make_s3_storage(seaweed, bucket)
    await storage.prepare()
    yield storage
    empty_bucket(seaweed, bucket)


@pytest.fixture
async def local_storage(tmp_path: Path) -> LocalStorage:
    """LocalStorage in the test's own temporary directory, created by prepare()."""
    storage = LocalStorage(tmp_path / "artifacts")
    await storage.prepare()
    return storage
