"""Screenshots: check an upload really is a PNG, JPEG or WebP of sane size and make its thumbnail.

Decoding is CPU work an attacker controls (a 300 KB PNG can declare 6300 × 6300 16-bit pixels),
so the caller authorizes first and :func:`decode_screenshot` runs the work in the bounded CPU
pool. The pixel limit is checked from the header, before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from store.lib.errors import PayloadTooLarge, ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.offload import run_cpu_bound

MAX_SCREENSHOT_BYTES = 10 * 1024 * 1024
MAX_SCREENSHOT_PIXELS = 40_000_000  # e.g. 8000 × 5000: any real screen, even a long page
THUMBNAIL_SIZE = (480, 300)
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

# Pillow refuses images over twice this (DecompressionBombError) and only warns between one and
# two times; set it to our own limit and make the warning an error too, so an image past the limit
# is refused from its header, whichever check sees it first.
Image.MAX_IMAGE_PIXELS = MAX_SCREENSHOT_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)

NOT_AN_IMAGE = _("Upload a PNG, JPEG or WebP image.")
TOO_MANY_PIXELS = _("The image is too large: at most %(max)s million pixels are allowed.")


@dataclass(frozen=True)
class PreparedImage:
    image: bytes
    thumbnail: bytes
    content_type: str
    width: int
    height: int


def _refuse(message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(details=[field_error("image", message, **params)])


def prepare_screenshot(data: bytes) -> PreparedImage:
    """Check ``data`` and make the thumbnail. CPU-bound: call :func:`decode_screenshot` from requests."""
    if len(data) > MAX_SCREENSHOT_BYTES:
        raise PayloadTooLarge(_("Screenshots may be at most %(limit)s."), limit="10 MiB")
    too_many = _refuse(TOO_MANY_PIXELS, max=MAX_SCREENSHOT_PIXELS // 1_000_000)
    formats = tuple(IMAGE_TYPES)  # no other decoder ever sees the bytes
    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            if probe.width * probe.height > MAX_SCREENSHOT_PIXELS:
                raise too_many
            probe.verify()
        with Image.open(io.BytesIO(data), formats=formats) as image:
            kind = image.format or ""
            if kind not in IMAGE_TYPES:
                raise _refuse(NOT_AN_IMAGE)
            width, height = image.size
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG decodes at a reduced scale: much less work
            thumb = image.convert("RGB")
            thumb.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            thumb.save(out, format="JPEG", quality=82)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _refuse(NOT_AN_IMAGE) from exc
    return PreparedImage(data, out.getvalue(), IMAGE_TYPES[kind], width, height)


async def decode_screenshot(data: bytes) -> PreparedImage:
    """:func:`prepare_screenshot` in the bounded CPU pool, off the event loop."""
    return await run_cpu_bound(prepare_screenshot, data)
