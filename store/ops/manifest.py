"""What a backup folder holds, and reading and writing it.

::

    backup.json        the header: format, store version, Alembic revision, database kind,
                       created_at, row counts, object counts, checksums of the two files below.
                       Written last: a folder without it is not a (complete) backup.
    database.pgdump    ``pg_dump --format=custom``   (PostgreSQL)
    database.sqlite3   a copy made by SQLite's online backup API   (SQLite)
    manifest.jsonl     one object a line: {"key", "kind", "size", "sha256"}
    objects/<key>      the objects themselves, with ``--with-files``
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from store.lib.storage import validate_key

from .errors import OpsError
from .objects import ObjectKind

FORMAT = "yue-store-backup"
FORMAT_VERSION = 1
HEADER_FILE = "backup.json"
MANIFEST_FILE = "manifest.jsonl"
OBJECTS_DIR = "objects"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
HASH_CHUNK = 1 << 20
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Entry:
    """One object of the backup: its key, the kind of row that points to it, size and SHA-256."""

    key: str
    kind: ObjectKind
    size: int
    sha256: str

    def line(self) -> str:
        record = {"key": self.key, "kind": self.kind.value, "size": self.size, "sha256": self.sha256}
        return json.dumps(record, ensure_ascii=False) + "\n"

    @classmethod
    def parse(cls, line: str, number: int) -> Entry:
        try:
            record = json.loads(line)
            entry = cls(
                key=validate_key(record["key"]),
                kind=ObjectKind(record["kind"]),
                size=int(record["size"]),
                sha256=str(record["sha256"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise OpsError(f"{MANIFEST_FILE} line {number} is not a valid entry: {exc}") from exc
        if entry.size < 0 or len(entry.sha256) != 64:
            raise OpsError(f"{MANIFEST_FILE} line {number} has an impossible size or SHA-256")
        return entry


@dataclass
class FileSum:
    """A file of the backup: name, size and SHA-256, so a damaged copy is found before use."""

    file: str
    size: int
    sha256: str


@dataclass
class Header:
    """``backup.json``."""

    store_version: str
    alembic_revision: str
    database_kind: str
    created_at: str
    with_files: bool
    database: FileSum
    manifest: FileSum
    rows: dict[str, int]
    objects: dict[str, int] = field(default_factory=dict)  # per kind, plus "count" and "bytes"
    problems: int = 0  # objects that could not be backed up (listed when the backup ran)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def write(self, directory: Path) -> None:
        """Write ``backup.json`` whole or not at all (temporary file, then rename)."""
        temp = directory / f".{HEADER_FILE}.partial"
        temp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(temp, directory / HEADER_FILE)

    @classmethod
    def read(cls, directory: Path) -> Header:
        path = directory / HEADER_FILE
        if not path.is_file():
            raise OpsError(
                f"{directory} holds no {HEADER_FILE}: it is not a backup, or the backup did not finish"
            )
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise OpsError(f"{path} is not valid JSON: {exc}") from exc
        if raw.get("format") != FORMAT:
            raise OpsError(f"{path} is not a 粤复用 store backup")
        if raw.get("format_version") != FORMAT_VERSION:
            raise OpsError(
                f"{path} has backup format {raw.get('format_version')!r}; this store reads format "
                f"{FORMAT_VERSION}: restore it with the store version that made it "
                f"({raw.get('store_version')})"
            )
        try:
            raw["database"] = FileSum(**raw["database"])
            raw["manifest"] = FileSum(**raw["manifest"])
            header = cls(**raw)
        except (KeyError, TypeError) as exc:
            raise OpsError(f"{path} is incomplete or damaged: {exc}") from exc
        if (
            header.database_kind not in DATABASE_FILES
            or header.database.file != DATABASE_FILES[header.database_kind]
        ):
            raise OpsError(f"{path} names an unknown database kind or file")
        if not all(TABLE_NAME.fullmatch(name) for name in header.rows):
            raise OpsError(f"{path} names a table that cannot be one of the store's")
        return header


class ManifestWriter:
    """Appends entries to ``manifest.jsonl`` and keeps the counts for the header."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO = path.open("w", encoding="utf-8")
        self.counts: dict[str, int] = {kind.value: 0 for kind in ObjectKind} | {"count": 0, "bytes": 0}

    def add(self, entry: Entry) -> None:
        self._file.write(entry.line())
        self.counts[entry.kind.value] += 1
        self.counts["count"] += 1
        self.counts["bytes"] += entry.size

    def close(self) -> None:
        self._file.close()


def read_entries(path: Path) -> Iterator[Entry]:
    """The manifest's entries, one line at a time."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield Entry.parse(line, number)


def file_sum(path: Path) -> FileSum:
    """Size and SHA-256 of a file, read in chunks (run it in a worker thread)."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(HASH_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return FileSum(file=path.name, size=size, sha256=hasher.hexdigest())


def verify_file(directory: Path, expected: FileSum) -> None:
    """Raise OpsError unless the backup's file is there with the size and SHA-256 recorded."""
    path = directory / expected.file
    if not path.is_file():
        raise OpsError(f"the backup's {expected.file} is missing from {directory}")
    actual = file_sum(path)
    if (actual.size, actual.sha256) != (expected.size, expected.sha256):
        raise OpsError(
            f"the backup's {expected.file} is damaged: {actual.size} bytes with SHA-256 {actual.sha256}, "
            f"{HEADER_FILE} recorded {expected.size} bytes with {expected.sha256}"
        )
