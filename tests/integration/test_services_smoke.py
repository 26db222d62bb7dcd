"""Smoke tests for tests/services.py: the real SeaweedFS and Meilisearch binaries start,
answer, and are cleaned up. Needs `scripts/install-services.sh seaweedfs meilisearch`."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.services import (
    Meilisearch,
    SeaweedS3,
    ServiceNotInstalledError,
    free_port,
    free_ports,
)

pytestmark = pytest.mark.services

MiB = 1024 * 1024


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(8)
    assert len(set(ports)) == 8
    assert 0 < free_port() < 65536


def test_missing_binary_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STORE_CACHE_DIR", str(tmp_path))
    with pytest.raises(ServiceNotInstalledError, match=r"scripts/install-services\.sh seaweedfs"):
        SeaweedS3().start()
    with pytest.raises(ServiceNotInstalledError, match=r"scripts/install-services\.sh meilisearch"):
        Meilisearch().start()


def test_seaweedfs_s3_put_get_and_multipart() -> None:
    with SeaweedS3() as s3:
        assert s3.endpoint.startswith("http://127.0.0.1:")
        assert s3.region == "us-east-1"
        tmp_dir = s3.tmp_dir
        assert tmp_dir is not None and tmp_dir.is_dir()

        bucket = s3.create_bucket("smoke-uploads")
        client = s3.client()
        assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]

        # plain put / get, with a non-ASCII key and metadata
        small = "粤复用 — reusable government apps\n".encode() * 100
        client.put_object(
            Bucket=bucket,
            Key="docs/说明.txt",
            Body=small,
            ContentType="text/plain; charset=utf-8",
            Metadata={"owner": "smoke"},
        )
        got = client.get_object(Bucket=bucket, Key="docs/说明.txt")
        assert got["Body"].read() == small
        assert got["ContentType"] == "text/plain; charset=utf-8"
        assert got["Metadata"] == {"owner": "smoke"}

        # multipart: 12 MiB in 5 MiB parts (5 + 5 + 2)
        data = os.urandom(12 * MiB)
        key = "big/blob.bin"
        upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        parts = []
        for number, offset in enumerate(range(0, len(data), 5 * MiB), start=1):
            response = client.upload_part(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=data[offset : offset + 5 * MiB],
            )
            parts.append({"PartNumber": number, "ETag": response["ETag"]})
        assert len(parts) == 3
        client.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
        assert client.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(data)
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
        # a ranged read across the first part boundary
        ranged = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={5 * MiB - 10}-{5 * MiB + 9}")
        assert ranged["Body"].read() == data[5 * MiB - 10 : 5 * MiB + 10]

        listed = client.list_objects_v2(Bucket=bucket)
        assert sorted(o["Key"] for o in listed["Contents"]) == ["big/blob.bin", "docs/说明.txt"]

        # a wrong secret is refused
        intruder = boto3.client("s3", **(s3.client_kwargs() | {"aws_secret_access_key": "wrong"}))
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            intruder.list_buckets()

    assert not tmp_dir.exists()


def test_two_seaweedfs_instances_run_side_by_side() -> None:
    with SeaweedS3() as one, SeaweedS3() as two:
        assert one.endpoint != two.endpoint
        one.create_bucket("only-in-one")
        one.client().put_object(Bucket="only-in-one", Key="k", Body=b"1")
        two.create_bucket("only-in-two")
        two.client().put_object(Bucket="only-in-two", Key="k", Body=b"2")
        assert [b["Name"] for b in one.client().list_buckets()["Buckets"]] == ["only-in-one"]
        assert [b["Name"] for b in two.client().list_buckets()["Buckets"]] == ["only-in-two"]


def test_meilisearch_index_and_search() -> None:
    with Meilisearch() as meili:
        assert meili.url.startswith("http://127.0.0.1:")
        tmp_dir = meili.tmp_dir
        assert tmp_dir is not None

        # the master key is enforced
        assert httpx.get(f"{meili.url}/indexes", trust_env=False).status_code == 401

        documents = [
            {"id": 1, "title": "粤省事", "summary": "Reusable citizen services app for Guangdong"},
            {"id": 2, "title": "粤商通", "summary": "Business licensing portal"},
        ]
        with meili.client() as http:
            response = http.post("/indexes/apps/documents", params={"primaryKey": "id"}, json=documents)
            assert response.status_code == 202, response.text
            task = meili.wait_for_task(response.json()["taskUid"])
            assert task["status"] == "succeeded", task

            hits = http.post("/indexes/apps/search", json={"q": "reusable"}).json()["hits"]
            assert [h["id"] for h in hits] == [1]

            hits = http.post("/indexes/apps/search", json={"q": "粤商通"}).json()["hits"]
            assert hits and hits[0]["id"] == 2

    assert not tmp_dir.exists()
