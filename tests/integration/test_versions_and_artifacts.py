"""Versions and streamed artifact uploads on the embedded (local) store: immutability, checksums,
size limits, idempotency, yanking and downloads."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from store.app import create_app
from store.db import models as m
from tests.conftest import serve
from tests.factories import auth_headers, make_user, published_app, upload
from tests.factories import create_app as create_catalog_app


@pytest.fixture
async def shenzhen(db):
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="szv"))


@pytest.fixture
async def reviewer(db):
    return await auth_headers(db, await make_user(db, "province_reviewer", username="revv"))


def stored_files(settings) -> list:
    root = settings.storage.local_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def artifact_count(db) -> int:
    await db.commit()
    return await db.scalar(select(func.count()).select_from(m.Artifact))


async def test_versions_are_validated_unique_and_ordered_by_semver(client, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    path = f"/api/v1/apps/{app['slug']}/versions"
    for version in ("1.9.0", "1.10.0", "1.10.0-rc.1", "0.9.0"):
        response = await client.post(
            path, json={"version": version, "release_notes": "修复"}, headers=shenzhen
        )
        assert response.status_code == 201, response.text
    assert (await client.post(path, json={"version": "1.9.0"}, headers=shenzhen)).status_code == 409
    bad = await client.post(path, json={"version": "v2"}, headers=shenzhen)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "version"
    listed = [v["version"] for v in (await client.get(path, headers=shenzhen)).json()]
    assert listed == ["1.10.0", "1.10.0-rc.1", "1.9.0", "0.9.0"]


async def test_upload_streams_and_records_size_and_sha256(client, db, settings, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    content = b"\x00\x01binary" * 50_000
    response = await upload(client, shenzhen, app["slug"], "2.0.0", content, "部署包-v2.zip")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["filename"] == "部署包-v2.zip"
    # The version was created by the upload: one curl publishes a release.
    version = (await client.get(f"/api/v1/apps/{app['slug']}/versions/2.0.0", headers=shenzhen)).json()
    assert [a["sha256"] for a in version["artifacts"]] == [body["sha256"]]
    download = await client.get(body["download_url"], headers=shenzhen)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["x-checksum-sha256"] == body["sha256"]
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    version = (await client.get(f"/api/v1/apps/{app['slug']}/versions/2.0.0", headers=shenzhen)).json()
    assert version["artifacts"][0]["download_count"] == 1
    assert len(stored_files(settings)) == 1


async def test_wrong_expected_sha256_is_422_and_leaves_nothing(client, db, settings, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    response = await upload(client, shenzhen, app["slug"], sha256="0" * 64)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "sha256"
    assert await artifact_count(db) == 0
    assert stored_files(settings) == []
    right = hashlib.sha256(b"deployment package bytes").hexdigest()
    assert (await upload(client, shenzhen, app["slug"], sha256=right.upper())).status_code == 201
    malformed = await upload(client, shenzhen, app["slug"], filename="x.zip", sha256="abc")
    assert malformed.status_code == 422


async def test_same_name_same_bytes_is_a_no_op_and_different_bytes_a_conflict(
    client, db, settings, shenzhen
) -> None:
    app = await create_catalog_app(client, shenzhen)
    first = await upload(client, shenzhen, app["slug"], content=b"v1 bytes")
    assert first.status_code == 201
    retry = await upload(client, shenzhen, app["slug"], content=b"v1 bytes")
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    changed = await upload(client, shenzhen, app["slug"], content=b"other bytes")
    assert changed.status_code == 409
    assert await artifact_count(db) == 1
    assert len(stored_files(settings)) == 1


async def test_a_removed_file_name_stays_used(client, db, settings, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    artifact = (await upload(client, shenzhen, app["slug"], content=b"first")).json()
    removed = await client.delete(f"/api/v1/artifacts/{artifact['id']}", headers=shenzhen)
    assert removed.status_code == 200
    assert stored_files(settings) == []
    assert (await client.get(artifact["download_url"], headers=shenzhen)).status_code == 404
    assert (await upload(client, shenzhen, app["slug"], content=b"first")).status_code == 409
    assert (
        await upload(client, shenzhen, app["slug"], content=b"first", filename="deploy-2.zip")
    ).status_code == 201


async def test_published_files_cannot_be_removed(client, shenzhen, reviewer) -> None:
    app = await published_app(client, shenzhen, reviewer)
    version = (await client.get(f"/api/v1/apps/{app['slug']}/versions/1.0.0")).json()
    artifact_id = version["artifacts"][0]["id"]
    assert (await client.delete(f"/api/v1/artifacts/{artifact_id}", headers=shenzhen)).status_code == 409


@pytest.mark.parametrize("name", ["../../etc/passwd", "dir/file.zip", "", "a\\b.zip", "x" * 201])
async def test_unsafe_file_names_are_refused(client, db, settings, shenzhen, name: str) -> None:
    app = await create_catalog_app(client, shenzhen)
    response = await upload(client, shenzhen, app["slug"], filename=name)
    assert response.status_code in (400, 422)
    assert await artifact_count(db) == 0
    assert stored_files(settings) == []


async def test_unknown_kind_is_refused(client, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    response = await upload(client, shenzhen, app["slug"], kind="virus")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "kind"


async def test_oversize_uploads_get_413_and_leave_nothing(settings, db, shenzhen) -> None:
    small = replace(settings, storage=replace(settings.storage, max_upload_bytes=1024))
    app = create_app(small)
    try:
        async with serve(app) as client:
            created = await create_catalog_app(client, shenzhen)
            declared = await upload(client, shenzhen, created["slug"], content=b"x" * 2048)
            assert declared.status_code == 413
            assert declared.json()["error"]["code"] == "payload_too_large"

            async def chunked():
                for _ in range(4):
                    yield b"y" * 512

            streamed = await client.post(
                f"/api/v1/apps/{created['slug']}/versions/1.0.0/artifacts",
                params={"filename": "big.bin", "kind": "package"},
                content=chunked(),
                headers={**shenzhen, "content-type": "application/octet-stream"},
            )
            assert streamed.status_code == 413
            assert (await upload(client, shenzhen, created["slug"], content=b"z" * 1024)).status_code == 201
    finally:
        await app.state["engine"].dispose()
    assert await artifact_count(db) == 1
    assert len(stored_files(settings)) == 1


async def test_idempotency_key_on_uploads(client, db, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    headers = {**shenzhen, "Idempotency-Key": "release-1.0.0-deploy"}
    first = await upload(client, headers, app["slug"], content=b"once")
    again = await upload(client, headers, app["slug"], content=b"once")
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await artifact_count(db) == 1


async def test_yanked_versions_stay_visible_and_downloadable(client, shenzhen, reviewer) -> None:
    app = await published_app(client, shenzhen, reviewer)
    slug = app["slug"]
    assert (await upload(client, shenzhen, slug, "1.1.0", b"newer")).status_code == 201
    # A release of a published app is public once a reviewer approves it (test_review_gate.py).
    review = {"decision": "approve"}
    assert (
        await client.post(f"/api/v1/apps/{slug}/versions/1.1.0/review", json=review, headers=reviewer)
    ).status_code == 200
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.1.0"
    path = f"/api/v1/apps/{slug}/versions/1.1.0/yank"
    assert (await client.post(path, json={"reason": " "}, headers=shenzhen)).status_code == 422
    yanked = await client.post(path, json={"reason": "数据迁移脚本有缺陷"}, headers=shenzhen)
    assert yanked.status_code == 200
    assert yanked.json()["yanked"] is True
    assert (await client.post(path, json={"reason": "again"}, headers=shenzhen)).status_code == 409
    version = (await client.get(f"/api/v1/apps/{slug}/versions/1.1.0")).json()
    assert version["yank_reason"] == "数据迁移脚本有缺陷"
    assert (await client.get(version["artifacts"][0]["download_url"])).content == b"newer"
    assert (await client.get(f"/api/v1/apps/{slug}")).json()["latest_version"] == "1.0.0"
    assert (await upload(client, shenzhen, slug, "1.1.0", b"fix", filename="fix.zip")).status_code == 409


async def test_drafts_files_are_not_downloadable_by_others(client, db, shenzhen) -> None:
    app = await create_catalog_app(client, shenzhen)
    artifact = (await upload(client, shenzhen, app["slug"])).json()
    assert (await client.get(artifact["download_url"])).status_code == 404
    other = await auth_headers(db, await make_user(db, "city_staff", "440100", username="gzv"))
    assert (await client.get(artifact["download_url"], headers=other)).status_code == 404
    assert (await upload(client, other, app["slug"], filename="mine.zip")).status_code == 404


async def test_screenshots_are_checked_and_thumbnailed(client, db, shenzhen) -> None:
    import io

    from PIL import Image

    app = await create_catalog_app(client, shenzhen)
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 30, 30)).save(buffer, format="PNG")
    added = await client.post(
        f"/api/v1/apps/{app['slug']}/screenshots",
        files={"image": ("screen.png", buffer.getvalue(), "image/png")},
        data={"caption": "首页"},
        headers=shenzhen,
    )
    assert added.status_code == 201, added.text
    thumb = await client.get(added.json()["thumbnail_url"], headers=shenzhen)
    assert thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.width <= 480 and image.height <= 300
    full = await client.get(added.json()["url"], headers=shenzhen)
    assert full.content == buffer.getvalue()
    # The row records what was stored, for `store check` and backups.
    shot = await db.scalar(select(m.Screenshot).where(m.Screenshot.caption == "首页"))
    assert (shot.size, shot.sha256) == (len(full.content), hashlib.sha256(full.content).hexdigest())
    assert (shot.thumb_size, shot.thumb_sha256) == (
        len(thumb.content),
        hashlib.sha256(thumb.content).hexdigest(),
    )
    fake = await client.post(
        f"/api/v1/apps/{app['slug']}/screenshots",
        files={"image": ("evil.png", b"<script>alert(1)</script>", "image/png")},
        headers=shenzhen,
    )
    assert fake.status_code == 422
    shown = (await client.get(f"/api/v1/apps/{app['slug']}", headers=shenzhen)).json()
    assert [s["caption"] for s in shown["screenshots"]] == ["首页"]
