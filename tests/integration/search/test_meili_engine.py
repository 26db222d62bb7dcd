"""The Meilisearch engine against the real Meilisearch 1.21: Chinese that works, filters, facets,
sorting, relaxation, index maintenance and outages. One server for the module; each test that
writes gets an index prefix of its own."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from search.documents import SEARCHABLE_FIELDS
from search.errors import IndexingFailed, SearchUnavailable
from search.meili import MeiliEngine
from search.query import parse_query
from search.types import FACETS, SearchQuery, SearchResult
from search.vocabulary import SYNONYM_GROUPS
from tests.integration.search.catalog import APPS, app_named, document, documents
from tests.integration.search.sync_support import RestartableMeilisearch
from tests.services import Meilisearch

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def meili_server() -> Iterator[Meilisearch]:
    with Meilisearch() as service:
        yield service


def new_engine(server: Meilisearch, **options: Any) -> MeiliEngine:
    return MeiliEngine(server.url, server.master_key, f"t{uuid.uuid4().hex[:10]}", **options)


@pytest.fixture(scope="module")
async def catalog(meili_server: Meilisearch) -> AsyncIterator[MeiliEngine]:
    """The sample catalog, indexed once and only read by the tests that use it."""
    engine = new_engine(meili_server)
    await engine.ensure_index()
    await engine.upsert(documents())
    yield engine
    await engine.close()


@pytest.fixture
async def engine(meili_server: Meilisearch) -> AsyncIterator[MeiliEngine]:
    """An engine on an index of its own, for tests that write."""
    engine = new_engine(meili_server)
    yield engine
    await engine.close()


async def search(engine: MeiliEngine, q: str = "", **options: Any) -> SearchResult:
    result = await engine.search(SearchQuery(q=q, **options), parse_query(q))
    assert result.engine == "meilisearch"
    return result


def names(result: SearchResult) -> list[str]:
    return [hit.name for hit in result.hits]


def ids(result: SearchResult) -> set[int]:
    return {hit.id for hit in result.hits}


# --- settings ---------------------------------------------------------------------------------


async def test_settings_are_applied_by_code_and_applying_them_again_changes_nothing(
    catalog: MeiliEngine, meili_server: Meilisearch
) -> None:
    with meili_server.client() as http:
        settings = http.get(f"/indexes/{catalog.index_uid}/settings").json()
        tasks_before = http.get("/tasks", params={"indexUids": catalog.index_uid}).json()["total"]
    assert settings["searchableAttributes"] == list(SEARCHABLE_FIELDS)
    assert {"kind", "category", "regions", "city", "zone", "tags", "maturity", "xinchuang", "status"} <= set(
        settings["filterableAttributes"]
    )
    assert settings["sortableAttributes"] == ["live_adoptions", "published_at", "updated_at"]
    assert settings["rankingRules"][-1] == "live_adoptions:desc"
    assert {"name_n", "tags_n", "summary_n", "words", "body_n"} <= set(
        settings["typoTolerance"]["disableOnAttributes"]
    )
    assert "name_en_n" not in settings["typoTolerance"]["disableOnAttributes"]
    assert settings["localizedAttributes"][0]["locales"] == ["cmn"]
    assert "name_n" in settings["localizedAttributes"][0]["attributePatterns"]
    assert set(settings["synonyms"]["社保"]) == {"社会保险"}
    assert len(SYNONYM_GROUPS) >= 30

    await catalog.ensure_index()
    with meili_server.client() as http:
        assert http.get("/tasks", params={"indexUids": catalog.index_uid}).json()["total"] == tasks_before


# --- Chinese that works ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "first"),
    [
        # Traditional and Simplified script, both ways
        ("醫保", "医保电子凭证"),
        ("一網通辦", "一网通办"),
        ("大湾区人才", "粵港澳大灣區人才服務平台"),
        ("粵省事", "粤省事"),
        # pinyin: full, spaced, initials, typed while still typing, with a typo; tags too
        ("yueshengshi", "粤省事"),
        ("yue sheng shi", "粤省事"),
        ("yss", "粤省事"),
        ("yues", "粤省事"),
        ("yueshengsi", "粤省事"),
        ("ydzw", "粤省事"),  # initials of its tag 移动政务
        ("gongjijin", "公积金查询"),
        # full width and mixed scripts
        ("ＯＡ", "OA协同办公"),
        ("OA 协同", "OA协同办公"),
        ("12345热线", "12345热线"),
        ("１２３４５", "12345热线"),
        # homophones typed with a pinyin input method
        ("社宝卡", "社保卡申领"),
        ("低保申情", "低保申请"),
        # synonyms: the app says 医保, not 医疗保险
        ("医疗保险", "医保电子凭证"),
        ("营商环境", "企业开办一窗通"),
        # everyday words for government terms (thesaurus)
        ("办身份证", "居民身份证办理预约"),
        ("开饭店", "食品经营许可审批"),
        # English names
        ("collaboration", "OA协同办公"),
        ("Data Exchange", "政务数据共享交换平台"),
    ],
)
async def test_finds(catalog: MeiliEngine, q: str, first: str) -> None:
    result = await search(catalog, q)
    assert names(result)[:1] == [first], names(result)
    assert result.dropped_words == []


async def test_a_homophone_is_the_same_syllables_in_a_row(catalog: MeiliEngine) -> None:
    # 社 (she) in 社会救助 and 保 (bao) in 低保 are in the same app, apart: not 社保
    assert set(names(await search(catalog, "she bao"))) == {"社保卡申领", "社保费征缴"}
    assert "低保申请" not in names(await search(catalog, "设保"))


async def test_typos_are_forgiven_in_latin_names_not_in_han_text(catalog: MeiliEngine) -> None:
    assert names(await search(catalog, "colaboration"))[:1] == ["OA协同办公"]
    # 公积全 is not 公积金 with a typo: the app is found only by dropping 全 (relaxation)
    result = await search(catalog, "公积全")
    assert names(result) == ["公积金查询"]
    assert result.dropped_words == ["全"]


# --- relaxation --------------------------------------------------------------------------------


async def test_words_that_match_nothing_are_dropped_and_named(catalog: MeiliEngine) -> None:
    result = await search(catalog, "社保 火星")
    assert set(names(result)) == {"社保卡申领", "社保费征缴"}
    assert result.total == 2
    assert result.dropped_words == ["火星"]


async def test_apps_matching_every_word_rank_before_partial_matches(catalog: MeiliEngine) -> None:
    result = await search(catalog, "社保 征缴")
    assert names(result)[:2] == ["社保费征缴", "社保卡申领"]
    assert result.dropped_words == []


async def test_dropped_words_are_reported_as_typed(catalog: MeiliEngine) -> None:
    result = await search(catalog, "社保卡 火星人")
    assert names(result)[0] == "社保卡申领"
    assert result.dropped_words == ["火星人"]


# --- filters, facets, sorting, pages -----------------------------------------------------------


def _ids(**where: Any) -> set[int]:
    return {app.id for app in APPS if all(getattr(app, key) == value for key, value in where.items())}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "component"}, {7}),
        ({"category": "support"}, {12}),
        ({"region": "440100"}, {2, 6, 7, 11}),  # the city with its district 天河区
        ({"region": "440106"}, {6, 11}),
        ({"zone": "north"}, {3, 13}),
        ({"zone": "core", "category": "governance"}, {5, 11}),
        ({"tag": "社保"}, {2}),
        ({"xinchuang": "any"}, {1, 2, 7, 12}),
        ({"xinchuang": "达梦"}, {7, 12}),
        ({"maturity": "pilot"}, {11}),
        ({"exclude_ids": (1, 2, 3, 4, 5, 6, 7, 8)}, set(range(9, 17))),
    ],
)
async def test_filters_list_the_matching_apps(
    catalog: MeiliEngine, filters: dict[str, Any], expected: set[int]
) -> None:
    result = await search(catalog, per_page=100, **filters)
    assert ids(result) == expected
    assert result.total == len(expected)


async def test_filters_apply_to_text_queries(catalog: MeiliEngine) -> None:
    assert names(await search(catalog, "社保", zone="north")) == ["社保费征缴"]
    assert names(await search(catalog, "社宝", zone="north")) == ["社保费征缴"]  # homophones too
    assert names(await search(catalog, "社保", tag="社保")) == ["社保卡申领"]


async def test_a_filter_value_with_quotes_is_a_value_not_syntax(catalog: MeiliEngine) -> None:
    result = await search(catalog, tag='社保" OR tags = "公积金')
    assert result.hits == [] and result.total == 0


async def test_facets_count_every_app_that_matches(catalog: MeiliEngine) -> None:
    result = await search(catalog, per_page=1)
    expected: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    for doc in documents():
        for facet in FACETS:
            values = doc[facet] if isinstance(doc[facet], list) else [doc[facet]]
            expected[facet].update(value for value in values if value)
    assert result.facets == {facet: dict(counts) for facet, counts in expected.items()}
    assert result.facets["status"] == {"published": 15, "deprecated": 1}
    assert result.total == len(APPS)

    filtered = await search(catalog, "社保", per_page=1)
    assert filtered.total == 2
    assert filtered.facets["status"] == {"published": 1, "deprecated": 1}
    assert filtered.facets["tags"] == {"社保卡": 1, "社保": 1, "税费": 1}
    assert filtered.facets["city"] == {"440100": 1, "441400": 1}


async def test_sort_by_reuse_and_by_novelty(catalog: MeiliEngine) -> None:
    by_reuse = await search(catalog, sort="reuse", per_page=100)
    assert [hit.live_adoptions for hit in by_reuse.hits] == sorted(
        (a.live_adoptions for a in APPS), reverse=True
    )
    newest = await search(catalog, sort="newest", per_page=100)
    assert [hit.name for hit in newest.hits] == [
        a.name for a in sorted(APPS, key=lambda a: -a.published_days)
    ]
    # with words, a chosen order ranks full matches first, then orders them
    reuse_q = await search(catalog, "平台", sort="reuse", per_page=100)
    assert [hit.live_adoptions for hit in reuse_q.hits] == sorted(
        (hit.live_adoptions for hit in reuse_q.hits), reverse=True
    )
    assert reuse_q.total >= 3


async def test_relevance_without_words_lists_the_most_reused_first(catalog: MeiliEngine) -> None:
    result = await search(catalog, per_page=3)
    assert names(result) == ["粤省事", "政务数据共享交换平台", "一网通办"]


async def test_ties_in_relevance_go_to_the_most_reused_app(engine: MeiliEngine) -> None:
    twin = app_named("公积金查询")
    await engine.upsert([document(twin, live_adoptions=1), document(twin, id=99, live_adoptions=5)])
    assert [hit.id for hit in (await search(engine, "公积金")).hits] == [99, 6]
    await engine.upsert([document(twin, live_adoptions=8)])
    assert [hit.id for hit in (await search(engine, "公积金")).hits] == [6, 99]


@pytest.mark.parametrize("q", ["", "平台"])
async def test_pages_partition_the_hits_and_totals_are_exact(catalog: MeiliEngine, q: str) -> None:
    everything = await search(catalog, q, per_page=100)
    pages = [await search(catalog, q, page=page, per_page=2) for page in range(1, 5)]
    assert {page.total for page in pages} == {everything.total}
    paged = [hit.id for page in pages for hit in page.hits]
    assert paged == [hit.id for hit in everything.hits][:8]
    assert pages[1].page == 2 and pages[1].per_page == 2


# --- hits ----------------------------------------------------------------------------------------


async def test_hits_carry_what_the_page_shows_with_matches_marked(catalog: MeiliEngine) -> None:
    result = await search(catalog, "公文")
    escaped = next(hit for hit in result.hits if hit.slug == "html-escape")
    assert escaped.name == "<b>公文</b>交换 & 签收"
    assert escaped.name_html == "&lt;b&gt;<mark>公文</mark>&lt;/b&gt;交换 &amp; 签收"
    assert re.findall(r"<[^>]*>", escaped.summary_html) == ["<mark>", "</mark>"]
    assert "&lt;script&gt;" in escaped.summary_html

    traditional = (await search(catalog, "人才服务")).hits[0]
    assert traditional.name == "粵港澳大灣區人才服務平台"  # what the publisher wrote
    assert "<mark>人才服務</mark>" in traditional.name_html
    region = (traditional.region_code, traditional.region_name, traditional.city)
    assert region == ("440300", "深圳", "440300")
    assert traditional.tags == ("人才",) and traditional.live_adoptions == 8


async def test_a_deprecated_app_is_found_and_marked_as_such(catalog: MeiliEngine) -> None:
    result = await search(catalog, "社保费")
    assert result.hits[0].name == "社保费征缴"
    assert result.hits[0].status == "deprecated"


async def test_suggestions_complete_names_and_pinyin(catalog: MeiliEngine) -> None:
    for typed in ["粤省", "yues", "yss", "粵省事"]:
        suggestions = await catalog.suggest(typed)
        assert [s.name for s in suggestions][:1] == ["粤省事"], typed
    top = (await catalog.suggest("公积"))[0]
    assert (top.slug, top.region_name, top.name_html) == ("gongjijin", "天河区", "<mark>公积</mark>金查询")
    assert len(await catalog.suggest("平台", limit=2)) == 2
    assert await catalog.suggest("   ") == []


# --- index maintenance -------------------------------------------------------------------------


async def test_upsert_replaces_and_delete_removes(engine: MeiliEngine) -> None:
    await engine.upsert([document(app_named("公积金查询"))])  # creates the index with its settings
    await engine.upsert([document(app_named("公积金查询"), name="公积金提取", updated_at=2_000_000_000)])
    assert names(await search(engine, "公积金")) == ["公积金提取"]
    assert await engine.document_ids() == {6: 2_000_000_000}
    assert (await engine.stats()).documents == 1

    await engine.delete([6, 999])
    assert (await search(engine, "公积金")).total == 0
    assert await engine.document_ids() == {}


async def test_a_refused_document_raises_indexing_failed(engine: MeiliEngine) -> None:
    with pytest.raises(IndexingFailed):
        await engine.upsert([{"slug": "no-id", "name": "无主键"}])


async def test_reindex_swaps_in_a_full_index_and_searches_never_see_it_half_built(
    engine: MeiliEngine, meili_server: Meilisearch
) -> None:
    await engine.ensure_index()
    old = [document(app) for app in APPS[:5]]
    await engine.upsert(old)
    seen_during: list[int] = []

    async def batches() -> AsyncIterator[list[dict[str, Any]]]:
        for start in range(0, len(APPS), 4):
            # between batches, the live index is still the old one, whole
            seen_during.append((await search(engine, per_page=100)).total)
            yield [document(app, summary=f"{app.summary}（新版）") for app in APPS[start : start + 4]]

    progress: list[int] = []
    assert await engine.reindex(batches(), progress.append) == len(APPS)
    assert seen_during == [5, 5, 5, 5]
    assert sum(progress) == len(APPS)

    after = await search(engine, per_page=100)
    assert after.total == len(APPS)
    assert all(hit.summary.endswith("（新版）") for hit in after.hits)
    assert set(await engine.document_ids()) == {app.id for app in APPS}
    with meili_server.client() as http:
        uids = [index["uid"] for index in http.get("/indexes", params={"limit": 1000}).json()["results"]]
    assert [uid for uid in uids if uid.startswith(engine.index_uid)] == [engine.index_uid]  # old one gone
    assert names(await search(engine, "社宝卡"))[:1] == ["社保卡申领"]  # settings came along


async def test_an_index_without_documents_is_an_outage_for_search(engine: MeiliEngine) -> None:
    """A fresh install: the index and its settings exist, no app is published yet. Meilisearch
    refuses the fields to search on (none is known before a document has it); the database
    answers meanwhile rather than the visitor getting a 500."""
    await engine.ensure_index()
    with pytest.raises(SearchUnavailable, match="no documents"):
        await search(engine, "社保")
    with pytest.raises(SearchUnavailable, match="no documents"):
        await engine.suggest("社保")
    await engine.upsert(documents()[:1])
    assert (await search(engine, "")).total == 1


async def test_reindex_creates_the_live_index_and_accepts_plain_batches(engine: MeiliEngine) -> None:
    assert await engine.reindex([documents()[:3], [], documents()[3:6]]) == 6
    assert (await engine.stats()).documents == 6


async def test_a_missing_index_is_an_outage_for_search_and_empty_for_maintenance(engine: MeiliEngine) -> None:
    with pytest.raises(SearchUnavailable):
        await search(engine, "社保")
    assert await engine.document_ids() == {}
    assert (await engine.stats()).documents == 0
    assert await engine.is_healthy()


# --- outages -----------------------------------------------------------------------------------


async def test_an_unreachable_server_is_an_outage_until_it_returns() -> None:
    with RestartableMeilisearch() as server:
        engine = MeiliEngine(server.url, server.master_key, "outage")
        try:
            await engine.upsert(documents()[:2])
            server.halt()
            assert not await engine.is_healthy()
            for attempt in (
                search(engine, "粤省事"),
                engine.suggest("粤省"),
                engine.upsert(documents()[2:3]),
                engine.delete([1]),
                engine.stats(),
                engine.document_ids(),
                engine.ensure_index(),
            ):
                with pytest.raises(SearchUnavailable):
                    await attempt
            server.resume()
            assert await engine.is_healthy()
            assert names(await search(engine, "粤省事")) == ["粤省事"]
        finally:
            await engine.close()


async def test_a_slow_answer_is_an_outage(catalog: MeiliEngine, meili_server: Meilisearch) -> None:
    impatient = MeiliEngine(meili_server.url, meili_server.master_key, "unused", search_timeout=1e-6)
    impatient.index_uid = catalog.index_uid
    try:
        with pytest.raises(SearchUnavailable):
            await search(impatient, "社保")
    finally:
        await impatient.close()
