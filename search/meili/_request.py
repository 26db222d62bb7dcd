"""A ``SearchQuery`` as a Meilisearch request: filters, sort and the queries.

One text query per thesaurus variant (开饭店 → 食品经营许可), plus one pinyin query for
homophones and typed pinyin, merged by a federated multi-search. All use the matching strategy
"last" (all words first, then words dropped from the end): that is the store's one relaxation
rule, and a federated search with a sort demands the same strategy in every query.
"""

from __future__ import annotations

from itertools import islice, product
from typing import Any

from ..documents import SEARCHABLE_FIELDS
from ..query import ParsedQuery, PinyinQuery, Word, pinyin_query
from ..types import FACETS, MAX_OFFSET, SearchQuery

MAX_VARIANTS = 4
PINYIN_WEIGHT = 0.9  # a homophone ranks below the same match in the characters typed
PINYIN_FIELDS = ("py_full", "py_ini", "py_syl", "py_text")
MIN_HOMOPHONE_SYLLABLES = 2
# Meilisearch reads the first ten words of a query and ignores the rest.
MEILI_MAX_WORDS = 10
# What a hit needs to become a ``Hit``.
DISPLAY_FIELDS = (
    "id", "slug", "name", "name_en", "summary", "kind", "category", "region_code", "region_name",
    "city", "zone", "maturity", "status", "tags", "live_adoptions", "published_at",
)  # fmt: skip
# What relaxation needs to tell the words a document matches.
MATCH_FIELDS = (
    "name_n", "name_en_n", "tags_n", "summary_n", "words", "body_n", "department_n",
    "py_full", "py_syl", "py_ini", "py_text",
)  # fmt: skip


def quoted(value: str) -> str:
    """A string literal of Meilisearch's filter syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filters(query: SearchQuery) -> list[str]:
    """The query's filters, all of which must hold."""
    equal = {
        "kind": query.kind,
        "category": query.category,
        "regions": query.region,  # a city's code is in the regions of its districts' apps too
        "zone": query.zone,
        "tags": query.tag,
        "maturity": query.maturity,
    }
    conditions = [f"{field} = {quoted(value)}" for field, value in equal.items() if value]
    if query.xinchuang == "any":
        conditions.append("xinchuang IS NOT EMPTY")
    elif query.xinchuang:
        conditions.append(f"xinchuang = {quoted(query.xinchuang)}")
    if query.exclude_ids:
        conditions.append(f"id NOT IN [{', '.join(str(int(i)) for i in query.exclude_ids)}]")
    return conditions


def sort_rules(query: SearchQuery, has_text: bool) -> list[str]:
    if query.sort == "newest":
        return ["published_at:desc"]
    if query.sort == "reuse":
        return ["live_adoptions:desc"] if has_text else ["live_adoptions:desc", "published_at:desc"]
    # relevance: the ranking rules decide; without words to rank by, reuse then novelty
    return [] if has_text else ["live_adoptions:desc", "published_at:desc"]


def _from_thesaurus(word: Word) -> bool:
    # A need's alternatives are the terms it stands for; a plain word's start with itself, and
    # its synonyms are Meilisearch's business (the synonyms setting).
    return bool(word.alternatives) and word.alternatives[0] != word.norm


def text_variants(parsed: ParsedQuery) -> list[str]:
    """The query as text, once per combination of thesaurus terms (at most ``MAX_VARIANTS``)."""
    choices = [word.alternatives if _from_thesaurus(word) else (word.norm,) for word in parsed.words]
    return [" ".join(words) for words in islice(product(*choices), MAX_VARIANTS)]


def homophone_query(parsed: ParsedQuery) -> str | None:
    """The pinyin query, or None when it would only add noise.

    Several syllables go as one phrase: a homophone is the same syllables in a row (社宝卡 →
    "she bao ka" finds 社保卡, not a text with 社会 here and 低保 there), each whole (ka is not
    kai), and a phrase is never relaxed to one syllable matching every homophone of it. One word
    typed in Latin letters may be pinyin still being typed, so it stays a prefix (yues →
    yueshengshi); one Han character's syllable alone would match half the catalog.
    """
    pinyin: PinyinQuery | None = pinyin_query(parsed)
    if pinyin is None:
        return None
    syllables = pinyin.spaced.split()
    if len(syllables) >= MIN_HOMOPHONE_SYLLABLES:
        return f'"{" ".join(syllables[:MEILI_MAX_WORDS])}"'
    return syllables[0] if syllables and all(word.is_latin for word in parsed.words) else None


# The text query leaves out the syllable fields: relaxed to one syllable ("yue" of "yue sheng
# shi"), it would match every homophone. The pinyin query searches them, as a phrase.
TEXT_FIELDS = tuple(field for field in SEARCHABLE_FIELDS if field not in ("py_syl", "py_text"))


def _queries(index: str, query: SearchQuery, parsed: ParsedQuery) -> list[dict[str, Any]]:
    has_text = not parsed.is_empty
    common: dict[str, Any] = {
        "indexUid": index,
        "filter": filters(query),
        "attributesToRetrieve": list(DISPLAY_FIELDS),
        "matchingStrategy": "last",
        "showRankingScoreDetails": True,
    }
    if sort := sort_rules(query, has_text):
        common["sort"] = sort
    if not has_text:
        return [{**common, "q": ""}]
    queries = [
        {**common, "q": text, "attributesToSearchOn": list(TEXT_FIELDS)} for text in text_variants(parsed)
    ]
    if homophones := homophone_query(parsed):
        queries.append(
            {
                **common,
                "q": homophones,
                "attributesToSearchOn": list(PINYIN_FIELDS),
                "federationOptions": {"weight": PINYIN_WEIGHT},
            }
        )
    return queries


def search_request(index: str, query: SearchQuery, parsed: ParsedQuery) -> tuple[str, dict[str, Any]]:
    """The path and body that answer ``query``: hits, the exact total and facet counts.

    Several queries go as one federated multi-search (Meilisearch merges the hits and counts the
    union for the total and the facets). A single query goes to the index's search route: a
    federated search costs ~4 ms more on Meilisearch's side even for one query (measured), and
    listing pages (empty ``q``) are the most frequent searches of all.
    """
    queries = _queries(index, query, parsed)
    offset = min(query.offset, MAX_OFFSET)
    if len(queries) == 1:
        single = {key: value for key, value in queries[0].items() if key != "indexUid"}
        # page/hitsPerPage make Meilisearch count the total exactly ("totalHits")
        if offset % query.per_page == 0:
            pagination = {"page": offset // query.per_page + 1, "hitsPerPage": query.per_page}
        else:
            pagination = {"offset": offset, "limit": query.per_page}
        return f"indexes/{index}/search", {**single, **pagination, "facets": list(FACETS)}
    return "multi-search", {
        "federation": {
            "offset": offset,
            "limit": query.per_page,
            "facetsByIndex": {index: list(FACETS)},
            "mergeFacets": {},
        },
        "queries": queries,
    }


def total_of(answer: dict[str, Any]) -> int:
    """The number of hits of an answer of either route (a federated total is exact too: it is
    the size of the union of the queries' candidates)."""
    return int(answer.get("totalHits", answer.get("estimatedTotalHits")) or 0)


def suggest_request(index: str, parsed: ParsedQuery, limit: int) -> tuple[str, dict[str, Any]]:
    """Type-ahead: names (and their pinyin) starting with what was typed so far."""
    common: dict[str, Any] = {
        "attributesToRetrieve": ["slug", "name", "region_name"],
        "matchingStrategy": "all",
    }
    names = {
        **common,
        "q": " ".join(word.norm for word in parsed.words),
        "attributesToSearchOn": ["name_n", "name_en_n", "py_full", "py_ini", "py_syl"],
    }
    pinyin = pinyin_query(parsed)
    if not pinyin or all(word.is_latin for word in parsed.words) or len(pinyin.spaced.split()) < 2:
        return f"indexes/{index}/search", {**names, "limit": limit}
    # 粤省 is not a word of 粤省事, but yuesheng starts yueshengshi
    spelled = {
        **common,
        "q": pinyin.full,
        "attributesToSearchOn": ["py_full"],
        "federationOptions": {"weight": PINYIN_WEIGHT},
    }
    queries = [{"indexUid": index, **names}, {"indexUid": index, **spelled}]
    return "multi-search", {"federation": {"limit": limit}, "queries": queries}
