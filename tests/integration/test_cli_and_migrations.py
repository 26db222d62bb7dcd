"""The `store` console script and the Alembic migrations, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from store.cli import main
from store.db import models as m
from store.db.migrate import downgrade, upgrade
from store.db.models._search import include_object
from tests.factories import api_login


async def _invoke(monkeypatch, database_url: str, args: list[str], stdin: str | None = None):
    monkeypatch.setenv("STORE_DATABASE_URL", database_url)
    runner = CliRunner()
    # The CLI runs its own event loop, so it runs in a thread here.
    return await asyncio.to_thread(runner.invoke, main, args, input=stdin)


async def test_users_create_then_sign_in(client, db, monkeypatch, database_url) -> None:
    result = await _invoke(
        monkeypatch,
        database_url,
        [
            "users",
            "create",
            "--username",
            "cli_user",
            "--role",
            "city_staff",
            "--region",
            "445100",
            "--password-stdin",
        ],
        "a-password-from-stdin\n",
    )
    assert result.exit_code == 0, result.output
    assert "created cli_user" in result.output
    await api_login(client, "cli_user", "a-password-from-stdin")
    assert (await client.get("/api/v1/me")).json()["region"]["code"] == "445100"


async def test_users_create_reports_bad_input_and_writes_nothing(db, monkeypatch, database_url) -> None:
    result = await _invoke(
        monkeypatch,
        database_url,
        [
            "users",
            "create",
            "--username",
            "cli_bad",
            "--role",
            "city_staff",
            "--region",
            "123456",
            "--password-stdin",
        ],
        "a-password-from-stdin\n",
    )
    assert result.exit_code != 0
    assert "123456" in result.output
    assert await db.scalar(select(func.count()).select_from(m.User)) == 0


async def test_set_password_unlocks_and_replaces(client, db, monkeypatch, database_url) -> None:
    await _invoke(
        monkeypatch,
        database_url,
        ["users", "create", "--username", "forgetful", "--role", "province_reviewer", "--password-stdin"],
        "the-first-password\n",
    )
    result = await _invoke(
        monkeypatch,
        database_url,
        ["users", "set-password", "--username", "forgetful", "--password-stdin"],
        "the-second-password\n",
    )
    assert result.exit_code == 0, result.output
    await api_login(client, "forgetful", "the-second-password")
    missing = await _invoke(
        monkeypatch,
        database_url,
        ["users", "set-password", "--username", "nobody", "--password-stdin"],
        "whatever-password\n",
    )
    assert missing.exit_code != 0


async def test_seed_demo_creates_one_user_per_role_once(db, monkeypatch, database_url, settings) -> None:
    # seed-demo also stores the demo catalog's files: keep them in the test's folder, not ./var.
    monkeypatch.setenv("STORE_STORAGE_DIR", str(settings.storage.local_dir))
    first = await _invoke(monkeypatch, database_url, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "password:" in first.output
    roles = set(await db.scalars(select(m.User.role)))
    assert roles == {"province_admin", "province_reviewer", "city_staff"}
    second = await _invoke(monkeypatch, database_url, ["seed-demo"])
    assert second.exit_code == 0
    assert "password:" not in second.output


async def test_models_and_migrations_agree(engine) -> None:
    def diff(connection):
        context = MigrationContext.configure(
            connection, opts={"render_as_batch": True, "include_object": include_object}
        )
        return compare_metadata(context, m.Base.metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []


async def test_migrations_downgrade_and_upgrade_again(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(downgrade, url, "base")
    await asyncio.to_thread(upgrade, url)
    from store.db.engine import create_engine
    from store.settings import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            cities = await conn.scalar(
                select(func.count()).select_from(m.Region).where(m.Region.level == "city")
            )
        assert {"regions", "users", "user_sessions", "api_tokens"} <= tables
        assert cities == 21
    finally:
        await engine.dispose()


async def test_migrate_fills_an_empty_search_index_from_existing_apps(
    client, db, monkeypatch, database_url
) -> None:
    """A store upgraded to the search index (migration 0005) finds its existing apps at once."""
    from tests.factories import auth_headers, make_user, published_app

    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="cli_pub"))
    reviewer = await auth_headers(db, await make_user(db, "province_reviewer", "440000", username="cli_rev"))
    app = await published_app(client, publisher, reviewer, name="迁移前已发布的社保卡应用")
    # As if the app had been published before the index existed.
    await db.execute(m.SearchDocument.__table__.delete())
    await db.commit()

    result = await _invoke(monkeypatch, database_url, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "search index filled with 1 apps" in result.output
    app_id = await db.scalar(select(m.App.id).where(m.App.slug == app["slug"]))
    assert list(await db.scalars(select(m.SearchDocument.app_id))) == [app_id]
    found = await client.get("/api/v1/search", params={"q": "社保卡"})
    assert [hit["slug"] for hit in found.json()["hits"]] == [app["slug"]]

    again = await _invoke(monkeypatch, database_url, ["migrate"])
    assert "search index filled" not in again.output  # a filled index is left to the subscribers


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_screenshot_checksums_migration_keeps_rows_both_ways(tmp_path, backend: str) -> None:
    """Migration 0009 on a database with a screenshot: the row stays, with no checksum recorded
    (NULL: the objects are not read by a migration); a new row can record them; downgrading drops
    the columns and keeps the rows, and upgrading again works."""
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import text

    from store.db.engine import create_engine
    from store.settings import DatabaseSettings
    from tests.conftest import _create_pg_database, _drop_pg_database, _pg_url

    name = f"store_test_shot_sums_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'before-sums.db'}"
    else:
        await _create_pg_database(name)
        url = _pg_url(name)
    engine = create_engine(DatabaseSettings(url=url))
    now = datetime.now(UTC)
    columns = {"size", "sha256", "thumb_size", "thumb_sha256"}

    async def screenshot_columns() -> set[str]:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("screenshots")}
            )

    try:
        await asyncio.to_thread(upgrade, url, "0008")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO apps (id, slug, kind, name, name_en, summary, description, category,"
                    " region_code, department, contact_name, contact_phone, contact_email, maturity,"
                    " license_type, license_spdx, reuse_terms, offering, reference_prices, tech_stack,"
                    " requirements, docs_url, source_url, status, review_comment, deprecation_reason,"
                    " created_at, updated_at) VALUES (1, 'shot-app', 'application', '截图应用', '', '简介',"
                    " '', 'services', '440300', '部门', '联系人', '', '', 'mature', 'open_source', '', '',"
                    " 'standard_free', '[]', '[]', '', '', '', 'draft', '', '', :now, :now)"
                ),
                {"now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO screenshots (id, app_id, caption, object_key, thumb_key, content_type,"
                    " width, height, review_status, created_at) VALUES (1, 1, '旧截图', 'screenshots/1/a',"
                    " 'screenshots/1/a-thumb.jpg', 'image/png', 10, 10, 'approved', :now)"
                ),
                {"now": now},
            )
        assert not columns & await screenshot_columns()

        await asyncio.to_thread(upgrade, url)
        assert columns <= await screenshot_columns()
        async with engine.begin() as conn:
            old = (
                await conn.execute(
                    text("SELECT caption, size, sha256, thumb_size, thumb_sha256 FROM screenshots")
                )
            ).all()
            assert [tuple(row) for row in old] == [("旧截图", None, None, None, None)]
            await conn.execute(
                text(
                    "INSERT INTO screenshots (id, app_id, caption, object_key, thumb_key, content_type,"
                    " width, height, created_at, size, sha256, thumb_size, thumb_sha256) VALUES (2, 1, '',"
                    " 'screenshots/1/b', 'screenshots/1/b-thumb.jpg', 'image/png', 10, 10, :now,"
                    " 5000000000, :sha, 900, :thumb)"
                ),
                {"now": now, "sha": "a" * 64, "thumb": "b" * 64},
            )
            big = await conn.scalar(text("SELECT size FROM screenshots WHERE id = 2"))
        assert big == 5_000_000_000  # BIGINT, as artifacts' sizes

        await asyncio.to_thread(downgrade, url, "0008")
        assert not columns & await screenshot_columns()
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT id, caption FROM screenshots ORDER BY id"))).all()
        assert [tuple(row) for row in kept] == [(1, "旧截图"), (2, "")]

        await asyncio.to_thread(upgrade, url)
        assert columns <= await screenshot_columns()
    finally:
        await engine.dispose()
        if backend == "postgresql":
            await _drop_pg_database(name)
