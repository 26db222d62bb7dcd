"""Request-level helpers shared by the artifacts API (controllers.py) and pages (pages.py).

Private to this package: object storage, downloads and screenshot uploads are the artifacts'
business, and no other feature reaches into them (the catalog sits below and cannot).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Stream
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import mediatypes
from store.lib.errors import NotFound, ServiceUnavailable, ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.policy import current_user
from store.lib.storage import Storage, StorageError
from store.settings import Settings

from .images import NOT_AN_IMAGE, PreparedImage, decode_screenshot
from .services import ArtifactService, ScreenshotService

logger = logging.getLogger("store.artifacts")


def storage_of(request: Request[Any, Any, Any]) -> Storage:
    return request.app.state["storage"]


def max_upload_bytes(request: Request[Any, Any, Any]) -> int:
    settings: Settings = request.app.state["settings"]
    return settings.storage.max_upload_bytes


async def forget_object(storage: Storage, key: str) -> None:
    try:
        await storage.delete(key)
    except StorageError:
        logger.warning("could not delete orphaned object %s", key)


async def commit_then_forget(db_session: AsyncSession, storage: Storage, keys: list[str]) -> None:
    """Commit a removal, then delete its objects: if the commit fails, the rows and their files
    are both still there (an object left behind is only logged, never a broken row)."""
    await db_session.commit()
    for key in keys:
        await forget_object(storage, key)


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def download_response(
    request: Request[Any, Any, Any], db_session: AsyncSession, artifact_id: int
) -> Response[Any]:
    storage = storage_of(request)
    artifact = await ArtifactService(db_session, storage).get_for_download(artifact_id, current_user(request))
    await db_session.commit()  # count the download even though the answer is a redirect or a stream
    settings: Settings = request.app.state["settings"]
    headers = {"X-Checksum-SHA256": artifact.sha256}
    # Checked again on the way out: rows recorded before the upload side decided the type.
    content_type = mediatypes.download_type(artifact.content_type)
    try:
        url = await storage.presigned_url(
            artifact.object_key,
            filename=artifact.filename,
            content_type=content_type,
            expires=settings.storage.presign_seconds,
        )
    except StorageError as exc:
        raise ServiceUnavailable() from exc
    if url is not None:
        return Redirect(path=url, status_code=302, headers=headers)
    if not await storage.exists(artifact.object_key):
        raise NotFound(_("No file with this id."))
    return Stream(
        storage.open(artifact.object_key),
        media_type=content_type,
        headers={
            **headers,
            "Content-Disposition": content_disposition(artifact.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Length": str(artifact.size),
        },
    )


async def receive_screenshot(
    request: Request[Any, Any, Any], service: ScreenshotService, user: m.User | None, app: m.App
) -> tuple[PreparedImage, str]:
    """Authorize, then read and decode a multipart screenshot upload (fields ``image``, ``caption``).

    In that order: a request that will be refused costs neither form parsing nor image decoding,
    and decoding runs in the bounded CPU pool.
    """
    await service.check_can_add(user, app)
    form = await request.form()
    upload = form.get("image")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed(details=[field_error("image", NOT_AN_IMAGE)])
    image = await decode_screenshot(await upload.read())
    caption = form.get("caption")
    return image, caption if isinstance(caption, str) else ""
