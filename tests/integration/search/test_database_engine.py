"""The database engine (the embedded fallback) on SQLite FTS5 and PostgreSQL full-text search.

The sample catalog of the Meilisearch tests (``catalog.py``) is written as real rows (apps, labels,
a district) and indexed by ``index_db.rebuild``, once per database for the module; the tests only
read it. The cases mirror ``test_meili_engine.py`` so both engines answer alike. Where the fallback
is weaker — it forgives no typos — a test says so and checks the weaker answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from search import index_db
from search.database import DatabaseEngine, fts5_expression, tsqueries, typing_terms, word_terms
from search.query import parse_query
from search.types import FACETS, MAX_QUERY_CHARS, SearchQuery, SearchResult, Suggestion
from search.vocabulary import SYNONYM_GROUPS, THESAURUS
from store.db import models as m
from store.db.engine import session_maker
from tests.integration.search.catalog import APPS, EPOCH, REGIONS, SampleApp, app_named, documents

DATABASE = DatabaseEngine()
DISTRICT = REGIONS["440106"]


async def add_apps(session: AsyncSession, apps: list[SampleApp]) -> dict[str, int]:
    """Write ``apps`` as rows (apps and labels) and index them; the slug → id of each."""
    if await session.get(m.Region, DISTRICT.code) is None:
        session.add(
            m.Region(
                code=DISTRICT.code, name=DISTRICT.name, level="district", parent_code="440100", zone=None
            )
        )
    rows = []
    for app in apps:
        labels = [m.AppLabel(kind=m.LabelKind.TAG, value=tag) for tag in app.tags]
        labels += [m.AppLabel(kind=kind, value=v) for kind, values in app.xinchuang.items() for v in values]
        published = EPOCH + timedelta(days=app.published_days)
        rows.append(
            m.App(
                slug=app.slug,
                kind=app.kind,
                name=app.name,
                name_en=app.name_en,
                summary=app.summary,
                description=app.description,
                category=app.category,
                region_code=app.region,
                department=app.department,
                contact_name="李工",
                maturity=app.maturity,
                license_type="gov_free",
                offering="standard_free",
                status=app.status,
                published_at=published if app.status in ("published", "deprecated") else None,
                labels=labels,
            )
        )
    session.add_all(rows)
    await session.flush()
    ids = {row.slug: row.id for row in rows}
    for app_id in ids.values():
        await session.run_sync(index_db.sync_app, app_id)
    # Live adoptions are counted once adoptions exist; until then the index says 0. The sample
    # counts are written into the index directly, as the adoption count will be.
    for app in apps:
        doc = await session.scalar(
            select(index_db.DOCUMENTS.c.doc).where(index_db.DOCUMENTS.c.app_id == ids[app.slug])
        )
        if doc is not None:
            await session.execute(
                update(index_db.DOCUMENTS)
                .where(index_db.DOCUMENTS.c.app_id == ids[app.slug])
                .values(live_adoptions=app.live_adoptions, doc=doc | {"live_adoptions": app.live_adoptions})
            )
    await session.commit()
    return ids


async def remove_everything(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in (m.SearchFacet, m.SearchDocument, m.AppLabel, m.App):
            await conn.execute(delete(table))
        await conn.execute(delete(m.Region).where(m.Region.level == m.RegionLevel.DISTRICT))


# Apps that must never be found: a draft and a submission that say what the queries ask for.
UNPUBLISHED = [
    SampleApp(101, "draft-shebao", "社保卡草稿", "社保卡申领草稿，粤省事", tags=("社保",), status="draft"),
    SampleApp(
        102, "submitted-shebao", "社保卡待审", "社保卡申领待审，粤省事", tags=("社保",), status="submitted"
    ),
]


@pytest.fixture(scope="module")
async def catalog(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    """The sample catalog, indexed once per database, read by every test here."""
    async with session_maker(engine)() as session:
        ids = await add_apps(session, [*APPS, *UNPUBLISHED])
    yield ids
    await remove_everything(engine)


@pytest.fixture
async def session(engine: AsyncEngine, catalog: dict[str, int]) -> AsyncIterator[AsyncSession]:
    async with session_maker(engine)() as session:
        yield session


async def search(session: AsyncSession, q: str = "", **options: Any) -> SearchResult:
    result = await DATABASE.search(session, SearchQuery(q=q, **options), parse_query(q))
    assert result.engine == "database"
    assert result.processing_ms > 0
    return result


def names(result: SearchResult | list[Suggestion]) -> list[str]:
    return [hit.name for hit in (result if isinstance(result, list) else result.hits)]


def slugs(result: SearchResult) -> set[str]:
    return {hit.slug for hit in result.hits}


def sample(slug: str) -> SampleApp:
    return next(app for app in APPS if app.slug == slug)


# --- Chinese that works ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "first"),
    [
        # Traditional and Simplified script, both ways
        ("醫保", "医保电子凭证"),
        ("一網通辦", "一网通办"),
        ("大湾区人才", "粵港澳大灣區人才服務平台"),
        ("粵省事", "粤省事"),
        # pinyin: full, spaced, initials, typed while still typing; tags too
        ("yueshengshi", "粤省事"),
        ("yue sheng shi", "粤省事"),
        ("yss", "粤省事"),
        ("yues", "粤省事"),
        ("ydzw", "粤省事"),  # initials of its tag 移动政务
        ("gongjijin", "公积金查询"),
        ("shebaoka", "社保卡申领"),
        # full width and mixed scripts
        ("ＯＡ", "OA协同办公"),
        ("OA 协同", "OA协同办公"),
        ("12345热线", "12345热线"),
        ("１２３４５", "12345热线"),
        # homophones typed with a pinyin input method
        ("社宝卡", "社保卡申领"),
        ("低保申情", "低保申请"),
        # synonyms: the apps say 医保 and 社保 (in their tags)
        ("医疗保险", "医保电子凭证"),
        ("社会保险", "社保卡申领"),
        ("营商环境", "企业开办一窗通"),
        # everyday words for government terms (thesaurus)
        ("办身份证", "居民身份证办理预约"),
        ("开饭店", "食品经营许可审批"),
        # English names
        ("collaboration", "OA协同办公"),
        ("Data Exchange", "政务数据共享交换平台"),
        ("government data", "政务数据共享交换平台"),
    ],
)
async def test_finds(session: AsyncSession, q: str, first: str) -> None:
    result = await search(session, q)
    assert names(result)[:1] == [first], names(result)
    assert result.dropped_words == []


async def test_synonyms_work_both_ways(session: AsyncSession) -> None:
    # 社保费征缴 says 社会保险 in its summary, 社保卡申领 社保 in its tags: each term finds both
    assert {"社保卡申领", "社保费征缴"} <= set(names(await search(session, "社保")))
    assert {"社保卡申领", "社保费征缴"} <= set(names(await search(session, "社会保险")))


async def test_a_homophone_is_the_same_syllables_in_a_row(session: AsyncSession) -> None:
    # 社 (she) in 社会救助 and 保 (bao) in 低保 are in the same app, apart: not 社保
    assert set(names(await search(session, "she bao"))) == {"社保卡申领", "社保费征缴"}
    assert "低保申请" not in names(await search(session, "设保"))


async def test_the_fallback_forgives_no_typos_where_meilisearch_does(session: AsyncSession) -> None:
    """Weaker than Meilisearch, on purpose: full-text search in SQLite and PostgreSQL has no typo
    tolerance, so a misspelt Latin name finds nothing (Meilisearch finds OA协同办公 and 粤省事)."""
    assert (await search(session, "colaboration")).total == 0
    assert (await search(session, "yueshengsi")).total == 0
    # 公积全 is not 公积金 with a typo on either engine: found by dropping 全 (relaxation)
    result = await search(session, "公积全")
    assert names(result) == ["公积金查询"]
    assert result.dropped_words == ["全"]


# --- relaxation --------------------------------------------------------------------------------


async def test_words_that_match_nothing_are_dropped_and_named(session: AsyncSession) -> None:
    result = await search(session, "社保 火星")
    assert set(names(result)) == {"社保卡申领", "社保费征缴"}
    assert result.total == 2
    assert result.dropped_words == ["火星"]


async def test_the_first_word_is_required(session: AsyncSession) -> None:
    # Words are dropped from the end, as Meilisearch's matchingStrategy "last": 火星 stays.
    result = await search(session, "火星 社保")
    assert result.total == 0 and result.hits == [] and result.dropped_words == []


async def test_apps_matching_every_word_rank_before_partial_matches(session: AsyncSession) -> None:
    result = await search(session, "社保 征缴")
    assert names(result)[:2] == ["社保费征缴", "社保卡申领"]
    assert result.dropped_words == []
    # the longest matched prefix ranks first, even where a later word alone would match more
    result = await search(session, "社保 申领 征缴")
    assert names(result)[:2] == ["社保卡申领", "社保费征缴"]


async def test_dropped_words_are_reported_as_typed(session: AsyncSession) -> None:
    result = await search(session, "社保卡 火星人")
    assert names(result)[0] == "社保卡申领"
    assert result.dropped_words == ["火星人"]
    traditional = await search(session, "醫保 火星")
    assert traditional.dropped_words == ["火星"]
    past_the_first_page = await search(session, "平台 火星", page=2, per_page=1)
    assert past_the_first_page.dropped_words == ["火星"]


# --- filters, facets, sorting, pages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "component"}, {7}),
        ({"category": "support"}, {12}),
        ({"region": "440100"}, {2, 6, 7, 11}),  # the city with its district 天河区
        ({"region": "440106"}, {6, 11}),
        ({"zone": "north"}, {3, 13}),
        ({"zone": "core", "category": "governance"}, {5, 11}),  # 11: a district takes its city's zone
        ({"tag": "社保"}, {2}),
        ({"xinchuang": "any"}, {1, 2, 7, 12}),
        ({"xinchuang": "达梦"}, {7, 12}),
        ({"maturity": "pilot"}, {11}),
        ({"kind": "nothing-like-this"}, set()),
    ],
)
async def test_filters_list_the_matching_apps(
    session: AsyncSession, catalog: dict[str, int], filters: dict[str, Any], expected: set[int]
) -> None:
    result = await search(session, per_page=100, **filters)
    assert {sample(slug).id for slug in slugs(result)} == expected
    assert result.total == len(expected)


async def test_excluded_apps_are_left_out(session: AsyncSession, catalog: dict[str, int]) -> None:
    everything = await search(session, "平台", per_page=100)
    excluded = tuple(catalog[hit.slug] for hit in everything.hits[:2])
    rest = await search(session, "平台", per_page=100, exclude_ids=excluded)
    assert [hit.slug for hit in rest.hits] == [hit.slug for hit in everything.hits[2:]]
    assert rest.total == everything.total - 2


async def test_filters_apply_to_text_queries(session: AsyncSession) -> None:
    assert names(await search(session, "社保", zone="north")) == ["社保费征缴"]
    assert names(await search(session, "社宝", zone="north")) == ["社保费征缴"]  # homophones too
    assert names(await search(session, "社保", tag="社保")) == ["社保卡申领"]
    assert names(await search(session, "平台", region="440106")) == ["智慧社区管理平台"]
    assert names(await search(session, "数据", xinchuang="海光")) == ["政务数据共享交换平台"]
    assert names(await search(session, "办公", kind="component", category="collaboration")) == ["OA协同办公"]


async def test_a_filter_value_with_quotes_is_a_value_not_syntax(session: AsyncSession) -> None:
    result = await search(session, tag='社保" OR tags = "公积金')
    assert result.hits == [] and result.total == 0


def expected_facets(docs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    for doc in docs:
        for facet in FACETS:
            values = doc[facet] if isinstance(doc[facet], list) else [doc[facet]]
            counts[facet].update(value for value in values if value)
    return {facet: dict(found) for facet, found in counts.items()}


async def test_facets_count_every_app_that_matches(session: AsyncSession) -> None:
    result = await search(session, per_page=1)
    assert result.facets == expected_facets(documents())
    assert result.facets["status"] == {"published": 15, "deprecated": 1}
    assert result.total == len(APPS)

    words = await search(session, "社保", per_page=1)
    assert words.total == 2
    assert words.facets["status"] == {"published": 1, "deprecated": 1}
    assert words.facets["tags"] == {"社保卡": 1, "社保": 1, "税费": 1}
    assert words.facets["city"] == {"440100": 1, "441400": 1}
    assert words.facets["xinchuang"] == {"飞腾": 1}

    filtered = await search(session, per_page=1, zone="core", xinchuang="any")
    in_core = [doc for doc in documents() if doc["zone"] == "core" and doc["xinchuang"]]
    assert filtered.facets == expected_facets(in_core)
    assert filtered.total == len(in_core) == 2


async def test_sort_by_reuse_and_by_novelty(session: AsyncSession) -> None:
    by_reuse = await search(session, sort="reuse", per_page=100)
    assert [hit.live_adoptions for hit in by_reuse.hits] == sorted(
        (a.live_adoptions for a in APPS), reverse=True
    )
    newest = await search(session, sort="newest", per_page=100)
    assert names(newest) == [a.name for a in sorted(APPS, key=lambda a: -a.published_days)]
    # with words, a chosen order ranks full matches first, then orders them
    reuse_q = await search(session, "平台", sort="reuse", per_page=100)
    assert [hit.live_adoptions for hit in reuse_q.hits] == sorted(
        (hit.live_adoptions for hit in reuse_q.hits), reverse=True
    )
    assert reuse_q.total >= 3
    newest_q = await search(session, "社保 火星", sort="newest")
    assert names(newest_q) == ["社保费征缴", "社保卡申领"]


async def test_relevance_without_words_lists_the_most_reused_first(session: AsyncSession) -> None:
    result = await search(session, per_page=3)
    assert names(result) == ["粤省事", "政务数据共享交换平台", "一网通办"]


async def test_a_match_in_the_name_ranks_before_one_in_the_summary(session: AsyncSession) -> None:
    # 政务服务 is the tag of 一网通办 and in the summary of 粤省事 and 12345热线
    result = await search(session, "政务服务")
    assert names(result)[0] == "一网通办"
    # 公文 is in the name of one app and the summary of OA协同办公
    assert names(await search(session, "公文"))[:2] == ["<b>公文</b>交换 & 签收", "OA协同办公"]


async def test_ties_in_relevance_go_to_the_most_reused_app(
    engine: AsyncEngine, catalog: dict[str, int]
) -> None:
    """Two apps alike but for their reuse: the more reused first, whichever it is."""
    twin = app_named("公积金查询")
    async with session_maker(engine)() as session:
        ids = await add_apps(session, [replace(twin, slug="gongjijin-twin", live_adoptions=7)])
        try:
            assert [hit.slug for hit in (await search(session, "公积金")).hits] == [
                "gongjijin-twin",
                "gongjijin",
            ]
            await session.execute(
                update(index_db.DOCUMENTS)
                .where(index_db.DOCUMENTS.c.app_id == ids["gongjijin-twin"])
                .values(live_adoptions=1)
            )
            assert [hit.slug for hit in (await search(session, "公积金")).hits] == [
                "gongjijin",
                "gongjijin-twin",
            ]
        finally:
            await session.rollback()
            app_id = ids["gongjijin-twin"]
            await session.execute(delete(m.SearchFacet).where(m.SearchFacet.app_id == app_id))
            await session.execute(delete(m.SearchDocument).where(m.SearchDocument.app_id == app_id))
            await session.execute(delete(m.App).where(m.App.id == app_id))
            await session.commit()


@pytest.mark.parametrize("q", ["", "平台", "社保 火星"])
async def test_pages_partition_the_hits_and_totals_are_exact(session: AsyncSession, q: str) -> None:
    everything = await search(session, q, per_page=100)
    pages = [await search(session, q, page=page, per_page=2) for page in range(1, 6)]
    assert {page.total for page in pages} == {everything.total}
    paged = [hit.slug for page in pages for hit in page.hits]
    assert paged == [hit.slug for hit in everything.hits][:10]
    assert pages[1].page == 2 and pages[1].per_page == 2
    past_the_end = await search(session, q, page=50, per_page=10)
    assert past_the_end.hits == [] and past_the_end.total == everything.total


# --- what is never found -------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "社保卡", "粤省事", "草稿", "待审", "shebaoka"])
async def test_drafts_and_submissions_are_never_found_or_counted(session: AsyncSession, q: str) -> None:
    result = await search(session, q, per_page=100)
    assert not {"draft-shebao", "submitted-shebao"} & slugs(result)
    assert sum(result.facets["status"].values()) == result.total
    assert set(result.facets["status"]) <= {"published", "deprecated"}
    assert result.facets["tags"].get("社保", 0) == (1 if q in ("", "社保卡", "shebaoka") else 0)
    suggested = await DATABASE.suggest(session, parse_query(q or "社保"), limit=20)
    assert not {"社保卡草稿", "社保卡待审"} & set(names(suggested))


HOSTILE = [
    '"',
    '""',
    '社保"',
    "社保*",
    "*",
    "NEAR(社保 卡)",
    "社保 OR 医保",
    "社保 AND NOT 医保",
    "-社保",
    "t_name:社保",
    "{t_name}: 社保",
    "社保 & 医保 | !公积金",
    "(社保",
    "社保)",
    "'社保'",
    "'':*",
    "<->",
    "\\",
    "社保\\'",
    "%_",
    "; DROP TABLE search_documents; --",
    "\x00社保",
    "🙂🙂🙂",
    "ǅ ǲ ᾈ",
    "a" * 300,
    "社" * MAX_QUERY_CHARS,
    "".join(chr(code) for code in range(0x21, 0x7F)),
    "社保 " * 60,
]


@pytest.mark.parametrize("q", HOSTILE)
async def test_hostile_input_is_text_not_syntax(session: AsyncSession, q: str) -> None:
    result = await search(session, q)
    assert result.total >= len(result.hits)
    await DATABASE.suggest(session, parse_query(q))
    words = parse_query(q).words
    if words and words[0].norm == "社保":
        assert "社保卡申领" in names(result), q  # the words in it still count
    assert await session.scalar(select(index_db.DOCUMENTS.c.app_id).limit(1)) is not None


@pytest.mark.parametrize("q", HOSTILE[:20])
def test_match_expressions_quote_every_token(q: str) -> None:
    """Whatever is typed, a token inside an expression is letters and digits only."""
    parsed = parse_query(q)
    searched = [
        word_terms(word, parsed, last=i == len(parsed.words) - 1) for i, word in enumerate(parsed.words)
    ]
    for terms in [*searched, *typing_terms(parsed)]:
        expression = fts5_expression(terms)
        for token in re.findall(r'"([^"]*)"', expression):
            assert all(part.isalnum() for part in token.split(" ")), expression
        for query in tsqueries(terms).values():
            for token in re.findall(r"'((?:[^']|'')*)'", query):
                assert token.isalnum(), query


# --- hits and suggestions ------------------------------------------------------------------------


async def test_hits_carry_what_the_page_shows_with_matches_marked(session: AsyncSession) -> None:
    result = await search(session, "公文")
    escaped = next(hit for hit in result.hits if hit.slug == "html-escape")
    assert escaped.name == "<b>公文</b>交换 & 签收"
    assert escaped.name_html == "&lt;b&gt;<mark>公文</mark>&lt;/b&gt;交换 &amp; 签收"
    assert re.findall(r"<[^>]*>", escaped.summary_html) == ["<mark>", "</mark>"]
    assert "&lt;script&gt;" in escaped.summary_html

    traditional = (await search(session, "人才服务")).hits[0]
    assert traditional.name == "粵港澳大灣區人才服務平台"  # what the publisher wrote
    assert "<mark>人才服務</mark>" in traditional.name_html
    region = (traditional.region_code, traditional.region_name, traditional.city)
    assert region == ("440300", "深圳", "440300")
    assert traditional.tags == ("人才",) and traditional.live_adoptions == 8
    district = (await search(session, "公积金")).hits[0]
    assert (district.region_code, district.city, district.zone) == ("440106", "440100", "core")


async def test_a_deprecated_app_is_found_and_marked_as_such(session: AsyncSession) -> None:
    result = await search(session, "社保费")
    assert result.hits[0].name == "社保费征缴"
    assert result.hits[0].status == "deprecated"


async def test_suggestions_complete_names_and_pinyin(session: AsyncSession) -> None:
    for typed in ["粤省", "yues", "yss", "yueshengshi", "粵省事", "yue sheng"]:
        suggestions = await DATABASE.suggest(session, parse_query(typed))
        assert names(suggestions)[:1] == ["粤省事"], typed
    top = (await DATABASE.suggest(session, parse_query("公积")))[0]
    assert (top.slug, top.region_name, top.name_html) == ("gongjijin", "天河区", "<mark>公积</mark>金查询")
    assert len(await DATABASE.suggest(session, parse_query("平台"), limit=2)) == 2
    assert await DATABASE.suggest(session, parse_query("   ")) == []
    # only names and tags: 督办 is in the summary of 12345热线 and OA协同办公, no name
    assert await DATABASE.suggest(session, parse_query("督办")) == []
    # a deprecated app comes after the published ones
    assert names(await DATABASE.suggest(session, parse_query("社保")))[-1] == "社保费征缴"


# --- every synonym group and thesaurus entry ---------------------------------------------------


def vocabulary_apps() -> list[SampleApp]:
    """One app per synonym group, named with its first term, and one per thesaurus need, named
    with its first term; nothing else in them matches another entry."""
    apps = [
        SampleApp(200 + i, f"synonym-{i}", f"{group[0]}综合服务", "面向群众的一站式服务", tags=())
        for i, group in enumerate(SYNONYM_GROUPS)
    ]
    apps += [
        SampleApp(500 + i, f"need-{i}", f"{terms[0]}综合服务", "面向群众的一站式服务", tags=())
        for i, terms in enumerate(THESAURUS.values())
    ]
    return apps


@pytest.fixture(scope="module")
async def vocabulary_catalog(engine: AsyncEngine, catalog: dict[str, int]) -> AsyncIterator[dict[str, int]]:
    async with session_maker(engine)() as session:
        ids = await add_apps(session, vocabulary_apps())
    yield ids
    async with engine.begin() as conn:
        for column in (m.SearchFacet.app_id, m.SearchDocument.app_id, m.AppLabel.app_id, m.App.id):
            await conn.execute(delete(column.class_).where(column.in_(list(ids.values()))))


@pytest.mark.parametrize(
    ("index", "group"), list(enumerate(SYNONYM_GROUPS)), ids=["/".join(g) for g in SYNONYM_GROUPS]
)
async def test_every_synonym_finds_its_group(
    session: AsyncSession, vocabulary_catalog: dict[str, int], index: int, group: tuple[str, ...]
) -> None:
    for term in group[1:]:
        found = await search(session, term, per_page=100)
        assert f"synonym-{index}" in slugs(found), term


@pytest.mark.parametrize(("index", "need"), list(enumerate(THESAURUS)), ids=list(THESAURUS))
async def test_every_need_finds_its_term(
    session: AsyncSession, vocabulary_catalog: dict[str, int], index: int, need: str
) -> None:
    found = await search(session, need, per_page=100)
    assert f"need-{index}" in slugs(found), need
