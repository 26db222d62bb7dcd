"""The database's search index follows the catalog, on SQLite and PostgreSQL.

Every change of an app rewrites its row of ``search_documents`` (and its ``search_facets``) in the
change's own transaction, through the domain-event subscriber: approval indexes an app, an edit of
a published app updates it, deprecation marks it, a return or a draft removes it, and a change
that is rolled back leaves the index as it was. The full-text index (FTS5 triggers, generated
tsvectors) follows the rows; ``rebuild`` and ``check`` repair and report drift.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from search import index_db
from search.database import DatabaseEngine
from search.documents import document_for
from search.query import parse_query
from search.types import SearchQuery
from store.catalog.schemas import AppIn
from store.catalog.services import AppService
from store.db import models as m
from store.db.engine import session_maker
from store.lib import events
from tests.factories import app_payload, auth_headers, make_user, published_app, upload
from tests.factories import create_app as create_catalog_app

DOCS = index_db.DOCUMENTS


async def row_of(db: AsyncSession, app_id: int) -> dict[str, Any] | None:
    await db.commit()  # see what the requests committed
    row = (await db.execute(select(DOCS).where(DOCS.c.app_id == app_id))).first()
    return dict(row._mapping) if row else None


async def facets_of(db: AsyncSession, app_id: int) -> set[tuple[str, str]]:
    rows = await db.execute(
        select(m.SearchFacet.facet, m.SearchFacet.value).where(m.SearchFacet.app_id == app_id)
    )
    return {(facet, value) for facet, value in rows}


async def found(db: AsyncSession, q: str, **filters: Any) -> list[str]:
    """Slugs the database engine finds for ``q``: the full-text index, not only the rows."""
    await db.commit()
    result = await DatabaseEngine().search(db, SearchQuery(q=q, per_page=100, **filters), parse_query(q))
    return [hit.slug for hit in result.hits]


async def app_id_of(db: AsyncSession, slug: str) -> int:
    app_id = await db.scalar(select(m.App.id).where(m.App.slug == slug))
    assert app_id is not None
    return app_id


@pytest.fixture
async def people(db: AsyncSession) -> dict[str, dict[str, str]]:
    return {
        "publisher": await auth_headers(db, await make_user(db, "city_staff", "440300", username="ix_sz")),
        "reviewer": await auth_headers(db, await make_user(db, "province_reviewer", username="ix_rev")),
    }


async def test_the_index_follows_an_app_through_its_life(
    client: httpx.AsyncClient, db: AsyncSession, people: dict[str, dict[str, str]]
) -> None:
    publisher, reviewer = people["publisher"], people["reviewer"]
    base = "/api/v1/apps/ix-river"

    async def ok(response: Any) -> None:
        answer = await response
        assert answer.status_code in (200, 201), answer.text

    def review(decision: str, comment: str = "") -> Any:
        return client.post(
            f"{base}/review", json={"decision": decision, "comment": comment}, headers=reviewer
        )

    await create_catalog_app(
        client,
        publisher,
        slug="ix-river",
        name="河长制巡河管理系统",
        summary="河长巡河打卡、问题上报与整改闭环。",
        tags=["河长制", "巡河"],
        xinchuang={"cpus": ["鲲鹏"], "os": [], "databases": ["达梦"]},
    )
    app_id = await app_id_of(db, "ix-river")
    assert await row_of(db, app_id) is None  # a draft is not indexed
    await ok(upload(client, publisher, "ix-river"))
    await ok(client.post(f"{base}/submit", headers=publisher))
    assert await row_of(db, app_id) is None  # nor is a submission
    assert await found(db, "河长制") == []

    await ok(review("approve"))
    row = await row_of(db, app_id)
    assert row is not None
    assert (row["status"], row["kind"], row["category"], row["city"], row["zone"]) == (
        "published", "application", "services", "440300", "core",
    )  # fmt: skip
    assert row["doc"]["name"] == "河长制巡河管理系统" and row["doc"]["slug"] == "ix-river"
    assert "河长制" in row["t_name"].split() and "hezhangzhi" in row["t_pyx"].split()
    assert await facets_of(db, app_id) == {
        ("tags", "河长制"), ("tags", "巡河"), ("xinchuang", "鲲鹏"), ("xinchuang", "达梦"),
        ("regions", "440300"),
    }  # fmt: skip
    assert await found(db, "河长制") == ["ix-river"]
    assert await found(db, "hzz") == ["ix-river"]

    await ok(
        client.patch(
            base, json={"summary": "湖长巡湖，水质监测预警。", "tags": ["湖长制"]}, headers=publisher
        )
    )
    row = await row_of(db, app_id)
    assert row is not None and row["doc"]["summary"] == "湖长巡湖，水质监测预警。"
    assert {value for facet, value in await facets_of(db, app_id) if facet == "tags"} == {"湖长制"}
    assert await found(db, "水质监测") == ["ix-river"]
    assert await found(db, "打卡") == []  # the old summary is gone from the full-text index
    assert await found(db, "", tag="巡河") == [] and await found(db, "", tag="湖长制") == ["ix-river"]

    await ok(review("return", "请补充材料"))
    assert await row_of(db, app_id) is None
    assert await facets_of(db, app_id) == set()
    assert await found(db, "河长制") == []

    await ok(client.post(f"{base}/submit", headers=publisher))
    await ok(review("approve"))
    assert await found(db, "河长制") == ["ix-river"]

    await ok(client.post(f"{base}/deprecate", json={"reason": "已由省级平台替代"}, headers=publisher))
    row = await row_of(db, app_id)
    assert row is not None and row["status"] == "deprecated" and row["doc"]["status"] == "deprecated"
    result = await DatabaseEngine().search(db, SearchQuery(q="河长制"), parse_query("河长制"))
    assert [hit.status for hit in result.hits] == ["deprecated"]
    assert result.facets["status"] == {"deprecated": 1}


def _sent(**overrides: Any) -> dict[str, Any]:
    """An app as the service takes it from the API."""
    return msgspec.convert(app_payload(**overrides), AppIn).sent()


async def submitted_app(engine: AsyncEngine, db: AsyncSession, slug: str) -> tuple[m.User, m.User, int]:
    """Its publisher, a reviewer and the id of an app waiting for review (arranged unindexed)."""
    publisher = await make_user(db, "city_staff", "440300", username=f"{slug}_pub")
    reviewer = await make_user(db, "province_reviewer", username=f"{slug}_rev")
    async with session_maker(engine)() as session:
        app = await AppService(session).create(publisher, _sent(slug=slug, name="森林防火监测平台"))
        app.status = m.AppStatus.SUBMITTED
        await session.commit()
        return publisher, reviewer, app.id


def indexing_sessions(engine: AsyncEngine) -> Any:
    return session_maker(engine, info=events.session_info([index_db.index_subscriber]))


async def test_a_rolled_back_approval_is_never_indexed(engine: AsyncEngine, db: AsyncSession) -> None:
    publisher, reviewer, app_id = await submitted_app(engine, db, "ix-rollback")
    async with indexing_sessions(engine)() as session:
        service = AppService(session)
        await service.review(reviewer, await service.get("ix-rollback", reviewer), "approve", "")
        await session.flush()
        await session.rollback()
        # the same session commits other work afterwards: the rolled-back approval stays unheard
        await AppService(session).create(publisher, _sent(slug="ix-other", name="另一个应用"))
        await session.commit()
    assert await row_of(db, app_id) is None
    assert await found(db, "森林防火") == []

    async with indexing_sessions(engine)() as session:
        service = AppService(session)
        await service.review(reviewer, await service.get("ix-rollback", reviewer), "approve", "")
        await session.commit()
    assert await row_of(db, app_id) is not None
    assert await found(db, "森林防火") == ["ix-rollback"]


async def test_an_app_is_indexed_once_per_commit_however_many_changes(
    engine: AsyncEngine, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher, reviewer, app_id = await submitted_app(engine, db, "ix-once")
    synced: list[int] = []
    original = index_db.sync_app

    def counting(session: Session, app: int) -> None:
        synced.append(app)
        original(session, app)

    monkeypatch.setattr(index_db, "sync_app", counting)
    async with indexing_sessions(engine)() as session:
        service = AppService(session)
        app = await service.get("ix-once", reviewer)
        await service.review(reviewer, app, "approve", "")
        await service.update(publisher, app, _sent(slug="ix-once", name="森林防火监测预警平台"))
        await session.commit()
        assert synced == [app_id]  # approved and edited: two events, one sync after both
        await service.deprecate(publisher, app, "停止维护", None)
        await session.commit()
    assert synced == [app_id, app_id]  # the next commit syncs again
    row = await row_of(db, app_id)
    assert row is not None and row["status"] == "deprecated" and row["doc"]["name"] == "森林防火监测预警平台"


async def test_sync_is_idempotent_and_removes_what_is_no_longer_public(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession, people: dict[str, dict[str, str]]
) -> None:
    await published_app(
        client, people["publisher"], people["reviewer"], slug="ix-idem", tags=["医保", "结算"]
    )
    app_id = await app_id_of(db, "ix-idem")
    before, facets_before = await row_of(db, app_id), await facets_of(db, app_id)
    async with session_maker(engine)() as session:
        await session.run_sync(index_db.sync_app, app_id)
        await session.run_sync(index_db.sync_app, app_id)
        await session.commit()
    assert await row_of(db, app_id) == before
    assert await facets_of(db, app_id) == facets_before
    assert await found(db, "医保") == ["ix-idem"]

    async with session_maker(engine)() as session:  # unpublished behind the index's back, then synced
        await session.execute(update(m.App).where(m.App.id == app_id).values(status=m.AppStatus.DRAFT))
        await session.run_sync(index_db.sync_app, app_id)
        await session.commit()
    assert await row_of(db, app_id) is None and await facets_of(db, app_id) == set()
    assert await found(db, "医保") == []

    async with session_maker(engine)() as session:  # an app that is gone entirely
        await session.run_sync(index_db.sync_app, 987654)
        await session.commit()


async def test_check_reports_drift_and_rebuild_repairs_it(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession, people: dict[str, dict[str, str]]
) -> None:
    for slug, name in [("ix-a", "不动产登记预约"), ("ix-b", "电子证照共享平台"), ("ix-c", "犬只登记管理")]:
        await published_app(client, people["publisher"], people["reviewer"], slug=slug, name=name)
    await create_catalog_app(client, people["publisher"], slug="ix-draft", name="草稿应用")
    a, b, c, draft = [await app_id_of(db, slug) for slug in ("ix-a", "ix-b", "ix-c", "ix-draft")]
    async with session_maker(engine)() as session:
        assert (await index_db.check(session)).clean

        # missing: a's row deleted; stale: b's row older than the app; extra: a row for the draft
        await session.execute(delete(m.SearchFacet).where(m.SearchFacet.app_id == a))
        await session.execute(delete(DOCS).where(DOCS.c.app_id == a))
        await session.execute(update(DOCS).where(DOCS.c.app_id == b).values(updated_at=1))
        c_row = (await session.execute(select(DOCS).where(DOCS.c.app_id == c))).one()._mapping
        await session.execute(insert(DOCS).values({**c_row, "app_id": draft}))
        await session.commit()
        drift = await index_db.check(session)
        assert (drift.missing, drift.stale, drift.extra, drift.clean) == ([a], [b], [draft], False)

        progress: list[tuple[int, int]] = []
        assert (
            await index_db.rebuild(session, lambda done, total: progress.append((done, total)), batch_size=2)
            == 3
        )
        await session.commit()
        assert progress == [(2, 3), (3, 3)]
        assert (await index_db.check(session)).clean
    assert sorted(await found(db, "登记")) == ["ix-a", "ix-c"]
    assert await found(db, "电子证照") == ["ix-b"]
    assert await found(db, "草稿") == []
    assert await db.scalar(select(func.count()).select_from(DOCS)) == 3


async def test_documents_for_meilisearch_come_in_batches_from_the_apps_table(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession, people: dict[str, dict[str, str]]
) -> None:
    slugs = ["ix-m1", "ix-m2", "ix-m3"]
    for slug in slugs:
        await published_app(client, people["publisher"], people["reviewer"], slug=slug)
    await create_catalog_app(client, people["publisher"], slug="ix-m-draft")
    async with session_maker(engine)() as session:
        batches = [batch async for batch in index_db.documents_in_batches(session, batch_size=2)]
        assert [len(batch) for batch in batches] == [2, 1]
        assert [doc["slug"] for batch in batches for doc in batch] == slugs
        app = await AppService(session).get("ix-m2", None)
        region = await session.get(m.Region, app.region_code)
        assert region is not None
        assert batches[0][1] == document_for(app)
