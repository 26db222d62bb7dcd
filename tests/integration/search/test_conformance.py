"""One conformance suite for every engine: Meilisearch, SQLite FTS5 and PostgreSQL full-text search.

The same sample catalog (``catalog.py``) is indexed by each engine; each case below is a query and
what it must find, asked of all three. The engine-specific modules (``test_meili_engine.py``,
``test_database_engine.py``) test the details; this one shows there is one notion of "matches".
Where the database fallback is weaker than Meilisearch, the case says so in ``weaker_on_database``
and checks the weaker answer there instead of skipping it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from search.database import DatabaseEngine
from search.meili import MeiliEngine
from search.query import parse_query
from search.types import SearchQuery, SearchResult
from store.db.engine import session_maker
from tests.integration.search.catalog import APPS, documents
from tests.integration.search.test_database_engine import UNPUBLISHED, add_apps, remove_everything
from tests.services import Meilisearch

pytestmark = pytest.mark.services


@dataclass(frozen=True)
class Case:
    q: str
    finds: tuple[str, ...]  # slugs that must be among the hits
    first: str | None = None  # the slug that must rank first
    filters: dict[str, Any] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    weaker_on_database: str = ""  # why the fallback answers less, and then it must find nothing


CASES = [
    Case("粤省事", ("yueshengshi",), first="yueshengshi"),
    Case("醫保電子憑證", ("yibao-pingzheng",), first="yibao-pingzheng"),  # Traditional → Simplified
    Case("一網通辦", ("yiwangtongban",), first="yiwangtongban"),
    Case("人才服务", ("dawanqu-rencai",)),  # Simplified finds what was written in Traditional
    Case("yueshengshi", ("yueshengshi",), first="yueshengshi"),  # full pinyin
    Case("yue sheng shi", ("yueshengshi",), first="yueshengshi"),  # spaced pinyin
    Case("yss", ("yueshengshi",), first="yueshengshi"),  # initials
    Case("ＯＡ", ("oa",), first="oa"),  # full-width folded
    Case("OA 协同", ("oa",), first="oa"),
    Case("12345热线", ("hotline-12345",), first="hotline-12345"),
    Case("社宝卡", ("shebaoka",), first="shebaoka"),  # homophone typo
    Case("低保申情", ("dibao",), first="dibao"),
    Case("社会保险", ("shebaoka", "shebaofei")),  # synonym 社保/社会保险
    Case("住房公积金", ("gongjijin",)),
    Case("办身份证", ("shenfenzheng",), first="shenfenzheng"),  # thesaurus need
    Case("开饭店", ("shipin-xuke",), first="shipin-xuke"),
    Case("社保 火星", ("shebaofei",), dropped=("火星",)),  # relaxation, the dropped word named
    Case("Government Data Exchange", ("data-exchange",), first="data-exchange"),  # English name
    Case("社保", ("shebaofei",), filters={"category": "services"}),
    Case("", ("oa",), filters={"kind": "component", "category": "collaboration"}),
    Case(
        "colaboration",
        ("oa",),
        weaker_on_database="no typo tolerance: a misspelt English word finds nothing",
    ),
]
NEVER = {app.slug for app in UNPUBLISHED}  # a draft and a submission that say 社保卡, 粤省事


@pytest.fixture(scope="module")
def meili_server() -> Iterator[Meilisearch]:
    with Meilisearch() as service:
        yield service


@pytest.fixture(scope="module")
async def meili_catalog(meili_server: Meilisearch) -> AsyncIterator[MeiliEngine]:
    engine = MeiliEngine(meili_server.url, meili_server.master_key, "conformance")
    await engine.ensure_index()
    await engine.upsert(documents())
    yield engine
    await engine.close()


@pytest.fixture(scope="module")
async def database_catalog(engine: AsyncEngine) -> AsyncIterator[None]:
    async with session_maker(engine)() as session:
        await add_apps(session, [*APPS, *UNPUBLISHED])
    yield
    await remove_everything(engine)


@pytest.fixture(params=["meilisearch", "database"])
def engine_name(request: pytest.FixtureRequest, database_url: str) -> str:
    # Meilisearch does not depend on the database: ask it once, next to SQLite.
    if request.param == "meilisearch" and not database_url.startswith("sqlite"):
        pytest.skip("Meilisearch is asked once, in the SQLite run")
    return str(request.param)


@pytest.fixture
async def ask(
    engine_name: str, meili_catalog: MeiliEngine, database_catalog: None, engine: AsyncEngine
) -> AsyncIterator[Any]:
    """``ask(query)`` on the engine under test; both catalogs are indexed once per module."""
    if engine_name == "meilisearch":

        async def ask_meili(query: SearchQuery) -> SearchResult:
            return await meili_catalog.search(query, parse_query(query.q))

        yield ask_meili
        return
    database = DatabaseEngine()
    session: AsyncSession
    async with session_maker(engine)() as session:

        async def ask_database(query: SearchQuery) -> SearchResult:
            return await database.search(session, query, parse_query(query.q))

        yield ask_database


@pytest.mark.parametrize("case", CASES, ids=[case.q or "(filters only)" for case in CASES])
async def test_every_engine_finds_the_same_apps(case: Case, engine_name: str, ask: Any) -> None:
    result: SearchResult = await ask(SearchQuery(q=case.q, **case.filters))
    assert result.engine == engine_name
    found = [hit.slug for hit in result.hits]
    assert not NEVER & set(found)
    if case.weaker_on_database and engine_name == "database":
        assert found == [], case.weaker_on_database
        return
    assert set(case.finds) <= set(found), found
    if case.first:
        assert found[0] == case.first
    assert result.dropped_words == list(case.dropped)
    assert result.total >= len(case.finds)
    for hit in result.hits:  # every filter holds on every hit
        for name, value in case.filters.items():
            assert getattr(hit, name) == value


async def test_facet_counts_agree_across_engines(ask: Any) -> None:
    result: SearchResult = await ask(SearchQuery(q="社保"))
    assert sum(result.facets["category"].values()) == result.total
    published = [app for app in APPS if app.status in ("published", "deprecated")]
    everything: SearchResult = await ask(SearchQuery(per_page=100))
    assert everything.total == len(published)
    assert sum(everything.facets["kind"].values()) == len(published)
    assert {hit.slug for hit in everything.hits}.isdisjoint(NEVER)
