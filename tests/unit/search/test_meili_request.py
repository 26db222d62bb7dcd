"""How a search becomes a Meilisearch request, and when the index settings need changing."""

from __future__ import annotations

import pytest

from search.meili._request import (
    PINYIN_FIELDS,
    filters,
    homophone_query,
    quoted,
    search_request,
    sort_rules,
    suggest_request,
    text_variants,
)
from search.meili._settings import index_settings, settings_to_change
from search.query import parse_query
from search.types import FACETS, SearchQuery


def test_filters_quote_values_and_combine() -> None:
    query = SearchQuery(kind="component", region="440100", tag='a"b\\c', xinchuang="any", exclude_ids=(3, 4))
    assert filters(query) == [
        'kind = "component"',
        'regions = "440100"',
        'tags = "a\\"b\\\\c"',
        "xinchuang IS NOT EMPTY",
        "id NOT IN [3, 4]",
    ]
    assert filters(SearchQuery(xinchuang="鲲鹏")) == ['xinchuang = "鲲鹏"']
    assert filters(SearchQuery()) == []
    assert quoted("社保") == '"社保"'


@pytest.mark.parametrize(
    ("sort", "has_text", "rules"),
    [
        ("relevance", True, []),
        ("relevance", False, ["live_adoptions:desc", "published_at:desc"]),
        ("reuse", True, ["live_adoptions:desc"]),
        ("reuse", False, ["live_adoptions:desc", "published_at:desc"]),
        ("newest", True, ["published_at:desc"]),
    ],
)
def test_sort_rules(sort: str, has_text: bool, rules: list[str]) -> None:
    assert sort_rules(SearchQuery(sort=sort), has_text) == rules  # type: ignore[arg-type]


def test_each_combination_of_thesaurus_terms_is_a_query_of_its_own() -> None:
    assert text_variants(parse_query("社保 火星")) == ["社保 火星"]  # synonyms are Meilisearch's
    assert text_variants(parse_query("办身份证 预约")) == ["户籍 预约", "居民身份证 预约"]
    assert len(text_variants(parse_query("开公司 办营业执照 结婚"))) == 4  # capped


@pytest.mark.parametrize(
    ("q", "pinyin"),
    [
        ("社宝卡", '"she bao ka"'),  # syllables in a row, whole
        ("yue sheng shi", '"yue sheng shi"'),
        ("yues", "yues"),  # still being typed: a prefix
        ("社", None),  # one syllable matches half the catalog
        ("", None),
    ],
)
def test_homophone_query(q: str, pinyin: str | None) -> None:
    assert homophone_query(parse_query(q)) == pinyin


def test_one_query_goes_to_the_index_with_exact_pages() -> None:
    path, body = search_request(
        "yue_apps", SearchQuery(kind="component", page=3, per_page=10), parse_query("")
    )
    assert path == "indexes/yue_apps/search"
    assert (body["q"], body["page"], body["hitsPerPage"], body["facets"]) == ("", 3, 10, list(FACETS))
    assert body["filter"] == ['kind = "component"']
    assert body["sort"] == ["live_adoptions:desc", "published_at:desc"]


def test_text_and_pinyin_queries_go_federated() -> None:
    path, body = search_request(
        "yue_apps", SearchQuery(q="社宝卡", page=2, per_page=5), parse_query("社宝卡")
    )
    assert path == "multi-search"
    assert body["federation"] == {
        "offset": 5,
        "limit": 5,
        "facetsByIndex": {"yue_apps": list(FACETS)},
        "mergeFacets": {},
    }
    text, pinyin = body["queries"]
    assert text["q"] == "社 宝 卡" and "py_text" not in text["attributesToSearchOn"]
    assert pinyin["q"] == '"she bao ka"' and pinyin["attributesToSearchOn"] == list(PINYIN_FIELDS)
    assert pinyin["federationOptions"] == {"weight": 0.9}
    assert {q["matchingStrategy"] for q in body["queries"]} == {"last"}


def test_suggestions_spell_han_prefixes_in_pinyin() -> None:
    path, body = suggest_request("yue_apps", parse_query("粤省"), 8)
    assert path == "multi-search"
    assert [q["q"] for q in body["queries"]] == ["粤省", "yuesheng"]
    path, body = suggest_request("yue_apps", parse_query("yues"), 8)
    assert (path, body["q"], body["limit"]) == ("indexes/yue_apps/search", "yues", 8)


def test_settings_change_only_what_differs() -> None:
    wanted = index_settings()
    current = {
        **wanted,
        "filterableAttributes": list(reversed(wanted["filterableAttributes"])),  # answered sorted
        "typoTolerance": {**wanted["typoTolerance"], "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        "displayedAttributes": ["*"],
    }
    assert settings_to_change(current, wanted) == {}
    assert settings_to_change({**current, "rankingRules": ["words"]}, wanted) == {
        "rankingRules": wanted["rankingRules"]
    }
    stale = {**current, "synonyms": {**wanted["synonyms"], "旧词": ["废词"]}}
    assert settings_to_change(stale, wanted) == {"synonyms": wanted["synonyms"]}
    assert set(settings_to_change({}, wanted)) == set(wanted)
