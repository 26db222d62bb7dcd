"""The content type the store gives an uploaded file: decided here, not by the uploader.

An upload announces its type (``X-Content-Type``), but a type such as ``text/html`` or
``image/svg+xml`` would let a browser run the file as a page of whichever origin serves it. Only
packaging and document types a browser does not execute are kept; anything else, misspelt or
unknown, becomes ``application/octet-stream``. Downloads are attachments with ``nosniff`` as well.
"""

from __future__ import annotations

DEFAULT = "application/octet-stream"

# Archives and packages, documents and interface specifications: what apps are published as.
DOWNLOAD_TYPES = frozenset(
    {
        DEFAULT,
        "application/gzip",
        "application/java-archive",
        "application/json",
        "application/msword",
        "application/pdf",
        "application/vnd.android.package-archive",
        "application/vnd.debian.binary-package",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.rar",
        "application/x-7z-compressed",
        "application/x-bzip2",
        "application/x-gzip",
        "application/x-rpm",
        "application/x-tar",
        "application/x-xz",
        "application/x-zip-compressed",
        "application/yaml",
        "application/zip",
        "application/zstd",
    }
)


def download_type(declared: str | None) -> str:
    """The type to record and serve for a file announced as ``declared`` (parameters dropped)."""
    essence = (declared or "").split(";", 1)[0].strip().lower()
    return essence if essence in DOWNLOAD_TYPES else DEFAULT
