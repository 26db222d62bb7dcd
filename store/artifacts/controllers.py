"""Versions, streamed artifact uploads, downloads and screenshots — the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog.rules import can_view_unreviewed
from store.catalog.services import AppService
from store.db import models as m
from store.lib.errors import NotFound, ServiceUnavailable
from store.lib.idempotency import idempotent
from store.lib.policy import current_user, signed_in
from store.lib.storage import ObjectNotFound, StorageError

from . import schemas as s
from ._web import (
    commit_then_forget,
    download_response,
    forget_object,
    max_upload_bytes,
    receive_screenshot,
    storage_of,
)
from .services import (
    ArtifactService,
    ScreenshotService,
    UploadPlan,
    VersionService,
)


async def stream_upload(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    app: m.App,
    plan: UploadPlan,
    chunks: AsyncIterator[bytes],
) -> tuple[m.Artifact, bool]:
    """Stream an upload to storage and record it; returns (artifact, created)."""
    user = current_user(request)
    storage = storage_of(request)
    service = ArtifactService(db_session, storage)
    # Nothing is written yet; end the read transaction so none is held while bytes stream.
    await db_session.commit()
    stored = await service.store(plan, chunks)
    if stored is None:
        assert plan.existing is not None
        return plan.existing, False
    try:
        artifact = await service.record_upload(user, app, plan, stored)
        await db_session.commit()
    except BaseException:
        await db_session.rollback()
        await forget_object(storage, stored.key)
        raise
    return artifact, True


class VersionsApi(Controller):
    path = "/api/v1/apps/{slug:str}/versions"
    tags = ["versions"]

    @get("/", name="api_version_list", summary="Versions of an app, newest first by semantic version")
    async def list_versions(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> list[s.VersionOut]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        see_all = can_view_unreviewed(user, app.region_code)
        return [
            s.VersionOut.of(v, unreviewed_visible=see_all)
            for v in await VersionService(db_session).list_for_app(app, user)
        ]

    @post(
        "/",
        name="api_version_create",
        summary="Add a version (then upload its artifacts)",
        guards=[signed_in],
    )
    @idempotent(HTTP_201_CREATED)
    async def create_version(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, data: s.VersionIn
    ) -> s.VersionOut:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        version = await VersionService(db_session).create(
            user,
            app,
            version=data.version,
            release_notes=data.release_notes,
            release_date=data.release_date,
            min_requirements=data.min_requirements,
            security_fix=data.security_fix,
        )
        return s.VersionOut.of(version, unreviewed_visible=True)  # only the publisher creates one

    @get(
        "/{version:str}",
        name="api_version_detail",
        summary="One version with its artifacts and their SHA-256",
    )
    async def get_version(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, version: str
    ) -> s.VersionOut:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        row = await VersionService(db_session).get(app, version, user)
        return s.VersionOut.of(row, unreviewed_visible=can_view_unreviewed(user, app.region_code))

    @post(
        "/{version:str}/yank",
        name="api_version_yank",
        summary="Withdraw a bad version, with a reason (files stay downloadable)",
        guards=[signed_in],
        status_code=200,
    )
    async def yank(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        version: str,
        data: s.YankIn,
    ) -> s.VersionOut:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        service = VersionService(db_session)
        yanked = await service.yank(user, app, await service.get(app, version, user), data.reason)
        return s.VersionOut.of(yanked, unreviewed_visible=True)  # only the publisher yanks

    @post(
        "/{version:str}/artifacts",
        name="api_artifact_upload",
        summary="Upload an artifact: the request body is the file, streamed",
        description=(
            "Send the raw bytes as the body: on Windows `Invoke-RestMethod -Method Post -InFile file` "
            "(PowerShell) or `curl.exe --data-binary @file` (in PowerShell plain `curl` is another "
            "command), elsewhere `curl --data-binary @file`. Query: `filename`, `kind` "
            "(package, source, docs, api_spec), optional `sha256` (422 and nothing kept if it differs). "
            "The version is created if it does not exist. The same name with identical bytes answers 200; "
            "with different bytes 409. Honours `Idempotency-Key`."
        ),
        guards=[signed_in],
        request_max_body_size=None,  # the limit is a setting, enforced while streaming (413)
    )
    @idempotent(streamed=True)  # stream_upload commits the key's claim before the bytes arrive
    async def upload(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        version: str,
        filename: str,
        kind: str = "package",
        sha256: str | None = None,
    ) -> Response[s.ArtifactOut]:
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        length = request.headers.get("content-length")
        plan = await ArtifactService(db_session, storage_of(request)).plan_upload(
            user,
            app,
            version,
            filename=filename,
            kind=kind,
            content_type=request.headers.get("x-content-type") or "application/octet-stream",
            content_length=int(length) if length and length.isdigit() else None,
            expected_sha256=sha256 or request.headers.get("x-checksum-sha256"),
            max_bytes=max_upload_bytes(request),
        )
        artifact, created = await stream_upload(request, db_session, app, plan, request.stream())
        return Response(s.ArtifactOut.of(artifact), status_code=HTTP_201_CREATED if created else 200)


class ArtifactsApi(Controller):
    path = "/api/v1/artifacts"
    tags = ["artifacts"]

    @get(
        "/{artifact_id:int}/download",
        name="api_artifact_download",
        summary="Download: 302 to a short-lived URL, or the bytes (embedded mode)",
    )
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
    ) -> Response[Any]:
        return await download_response(request, db_session, artifact_id)

    @delete(
        "/{artifact_id:int}",
        name="api_artifact_remove",
        summary="Remove a file from a draft (its name stays used)",
        guards=[signed_in],
        status_code=200,
    )
    async def remove(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
    ) -> dict[str, bool]:
        _artifact, key = await ArtifactService(db_session, storage_of(request)).remove(
            current_user(request), artifact_id
        )
        await commit_then_forget(db_session, storage_of(request), [key])
        return {"removed": True}


class ScreenshotsApi(Controller):
    tags = ["screenshots"]

    @post(
        "/api/v1/apps/{slug:str}/screenshots",
        name="api_screenshot_add",
        summary="Add a screenshot (multipart/form-data: image, caption)",
        guards=[signed_in],
        status_code=HTTP_201_CREATED,
        request_max_body_size=11 * 1024 * 1024,
    )
    async def add(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
    ) -> dict[str, Any]:
        # The body is read by receive_screenshot, after the permission check: no `data` parameter.
        user = current_user(request)
        app = await AppService(db_session).get(slug, user)
        service = ScreenshotService(db_session, storage_of(request))
        image, caption = await receive_screenshot(request, service, user, app)
        shot = await service.add(user, app, image, caption)
        return {
            "id": shot.id,
            "url": f"/screenshots/{shot.id}",
            "thumbnail_url": f"/screenshots/{shot.id}/thumbnail",
        }

    @delete(
        "/api/v1/screenshots/{screenshot_id:int}",
        name="api_screenshot_remove",
        summary="Remove a screenshot",
        guards=[signed_in],
        status_code=200,
    )
    async def remove(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> dict[str, bool]:
        keys = await ScreenshotService(db_session, storage_of(request)).remove(
            current_user(request), screenshot_id
        )
        await commit_then_forget(db_session, storage_of(request), keys)
        return {"removed": True}

    @get("/screenshots/{screenshot_id:int}", include_in_schema=False, name="screenshot")
    async def image(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Response[bytes]:
        return await _screenshot_image(request, db_session, screenshot_id, thumbnail=False)

    @get("/screenshots/{screenshot_id:int}/thumbnail", include_in_schema=False, name="screenshot_thumbnail")
    async def thumbnail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int
    ) -> Response[bytes]:
        return await _screenshot_image(request, db_session, screenshot_id, thumbnail=True)


async def _screenshot_image(
    request: Request[Any, Any, Any], db_session: AsyncSession, screenshot_id: int, *, thumbnail: bool
) -> Response[bytes]:
    """A screenshot (or its JPEG thumbnail) as the user may see it, from storage."""
    storage = storage_of(request)
    shot = await ScreenshotService(db_session, storage).get(screenshot_id, current_user(request))
    key, content_type = (shot.thumb_key, "image/jpeg") if thumbnail else (shot.object_key, shot.content_type)
    try:
        data = await storage.get_bytes(key)
    except ObjectNotFound as exc:
        raise NotFound() from exc
    except StorageError as exc:
        raise ServiceUnavailable() from exc
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


ARTIFACT_API = [VersionsApi, ArtifactsApi, ScreenshotsApi]
