"""The same upload and download flow with a real S3 store (SeaweedFS), including its failure."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

from store.app import create_app
from store.db import models as m
from tests.conftest import serve
from tests.factories import auth_headers, make_user, upload
from tests.factories import create_app as create_catalog_app
from tests.integration.conftest import empty_bucket
from tests.services import SeaweedS3, free_port

pytestmark = pytest.mark.services


def s3_settings(settings, seaweed, bucket: str, endpoint: str | None = None):
    storage = replace(
        settings.storage,
        backend="s3",
        s3_endpoint=endpoint or seaweed.endpoint,
        s3_bucket=bucket,
        s3_access_key=seaweed.access_key,
        s3_secret_key=seaweed.secret_key,
        s3_region=seaweed.region,
        max_upload_bytes=64 * 1024 * 1024,
    )
    return replace(settings, storage=storage)


@pytest.fixture
async def s3_app(settings, seaweed):
    bucket = f"app-test-{uuid.uuid4().hex[:12]}"
    app = create_app(s3_settings(settings, seaweed, bucket))
    await app.state["storage"].prepare()
    yield app
    await app.state["engine"].dispose()
    empty_bucket(seaweed, bucket)


async def test_upload_to_s3_and_download_through_a_presigned_redirect(s3_app, db, seaweed) -> None:
    shenzhen = await auth_headers(db, await make_user(db, "city_staff", "440300", username="s3user"))
    content = bytes(range(256)) * 40_000  # ~10 MiB: a multipart upload
    async with serve(s3_app) as client:
        created = await create_catalog_app(client, shenzhen)
        response = await upload(client, shenzhen, created["slug"], content=content, filename="部署包.zip")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["sha256"] == hashlib.sha256(content).hexdigest()
        health = (await client.get("/health")).json()
        assert health["checks"]["storage"] == {"status": "ok", "backend": "s3"}
        redirect = await client.get(body["download_url"], headers=shenzhen)
    assert redirect.status_code == 302
    assert redirect.headers["x-checksum-sha256"] == body["sha256"]
    location = redirect.headers["location"]
    assert location.startswith(seaweed.endpoint)
    async with httpx.AsyncClient() as plain:
        fetched = await plain.get(location)
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).hexdigest() == body["sha256"]
    assert "filename*=UTF-8''" in fetched.headers.get("content-disposition", "")


async def test_unreachable_s3_gives_503_and_writes_nothing(settings, db, seaweed) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    app = create_app(s3_settings(settings, seaweed, "never-created", endpoint=dead))
    shenzhen = await auth_headers(db, await make_user(db, "city_staff", "440300", username="s3dead"))
    try:
        async with serve(app) as client:
            created = await create_catalog_app(client, shenzhen)
            response = await upload(client, shenzhen, created["slug"], content=b"x" * 100_000)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "service_unavailable"
            health = await client.get("/health")
            assert health.status_code == 503
            assert health.json()["checks"]["storage"]["status"] == "error"
    finally:
        await app.state["engine"].dispose()
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Artifact)) == 0
    assert await db.scalar(select(func.count()).select_from(m.Version)) == 0


async def test_s3_dying_in_the_middle_of_an_upload_gives_503_and_no_rows(settings, db) -> None:
    """A SeaweedFS of its own is stopped while the bytes are arriving."""
    with SeaweedS3() as doomed:
        bucket = "dies-mid-upload"
        app = create_app(s3_settings(settings, doomed, bucket))
        await app.state["storage"].prepare()
        shenzhen = await auth_headers(db, await make_user(db, "city_staff", "440300", username="s3mid"))

        async def body():
            for index in range(12):  # 12 MiB: parts are 8 MiB, so the first part is sent before the stop
                if index == 10:
                    await asyncio.to_thread(doomed.stop)
                yield b"m" * (1024 * 1024)

        try:
            async with serve(app) as client:
                created = await create_catalog_app(client, shenzhen)
                response = await client.post(
                    f"/api/v1/apps/{created['slug']}/versions/1.0.0/artifacts",
                    params={"filename": "big.zip", "kind": "package"},
                    content=body(),
                    headers={**shenzhen, "content-type": "application/octet-stream"},
                )
                assert response.status_code == 503, response.text
                assert response.json()["error"]["code"] == "service_unavailable"
        finally:
            await app.state["engine"].dispose()
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Artifact)) == 0
    assert await db.scalar(select(func.count()).select_from(m.Version)) == 0
