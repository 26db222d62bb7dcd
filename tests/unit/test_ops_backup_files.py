"""The parts of `store backup`/`restore` that need no database: the PostgreSQL tools' command
lines (the password never on them) and the manifest's lines (a bad one is refused, not trusted)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from store.ops.database import kind_of, pg_command, safe_url, sqlite_path
from store.ops.errors import OpsError
from store.ops.manifest import Entry
from store.ops.objects import ObjectKind

needs_pg_dump = pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")


@needs_pg_dump
def test_the_password_goes_in_the_environment_never_on_the_command_line() -> None:
    url = "postgresql+asyncpg://store:s3cr%40t-pw@db.example.gov.cn:6543/yue?ssl=require"
    argv, env = pg_command("pg_dump", url, "--format=custom")
    assert argv[1:] == [
        "--no-password",
        "--host=db.example.gov.cn",
        "--port=6543",
        "--username=store",
        "--dbname=yue",
        "--format=custom",
    ]
    assert not any("s3cr" in arg for arg in argv)
    assert env["PGPASSWORD"] == "s3cr@t-pw"
    assert env["PGSSLMODE"] == "require"
    assert "s3cr" not in safe_url(url)


@needs_pg_dump
def test_a_url_without_password_leaves_pgpassword_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    argv, env = pg_command("pg_restore", "postgresql+asyncpg://postgres@127.0.0.1/store")
    assert "--host=127.0.0.1" in argv and "--dbname=store" in argv
    assert "PGPASSWORD" not in env


def test_database_kinds() -> None:
    assert kind_of("sqlite+aiosqlite:///var/store.db") == "sqlite"
    assert kind_of("postgresql+asyncpg://u@h/d") == "postgresql"
    with pytest.raises(OpsError, match="not mysql"):
        kind_of("mysql+aiomysql://u@h/d")
    assert sqlite_path("sqlite+aiosqlite:////srv/store/store.db") == Path("/srv/store/store.db")
    with pytest.raises(OpsError):
        sqlite_path("sqlite+aiosqlite://")


def test_manifest_lines_round_trip() -> None:
    entry = Entry("artifacts/3/部署包.zip", ObjectKind.ARTIFACT, 12, "a" * 64)
    assert Entry.parse(entry.line(), 1) == entry


@pytest.mark.parametrize(
    "record",
    [
        {"key": "../etc/passwd", "kind": "artifact", "size": 1, "sha256": "a" * 64},
        {"key": "a/b", "kind": "poster", "size": 1, "sha256": "a" * 64},
        {"key": "a/b", "kind": "artifact", "size": -1, "sha256": "a" * 64},
        {"key": "a/b", "kind": "artifact", "size": 1, "sha256": "abc"},
        {"key": "a/b", "kind": "artifact", "size": 1},
    ],
)
def test_a_bad_manifest_line_is_refused(record: dict[str, object]) -> None:
    with pytest.raises(OpsError, match="line 7"):
        Entry.parse(json.dumps(record), 7)
