"""The settings of the apps index, applied by code (start-up, worker, reindex), never by hand."""

from __future__ import annotations

from typing import Any

from .. import vocabulary
from ..documents import FILTERABLE_FIELDS, SEARCHABLE_FIELDS, SORTABLE_FIELDS
from ..types import FACETS, MAX_OFFSET, MAX_PER_PAGE

# Relevance first; among equally relevant apps the one reused by more regions wins. "sort" comes
# right after "words": a chosen order (reuse, newest) ranks full matches before partial ones.
RANKING_RULES = ("words", "sort", "typo", "proximity", "attribute", "exactness", "live_adoptions:desc")
# Chinese text, pinned to Chinese: a short name in Han characters is otherwise read as Japanese
# and segmented into single characters.
CHINESE_FIELDS = ("name_n", "tags_n", "summary_n", "words", "department_n", "body_n")
# Typos are forgiven only in Latin-script names and in pinyin typed as one word (yueshengsi for
# yueshengshi). In Han text a "typo" is another character, and a different word.
TYPO_FIELDS = ("name_en_n", "py_full")
# Filters the engine sends beyond the facets: regions (a city with its districts), id (exclusions).
FILTER_FIELDS = ("regions", "id")
MAX_FACET_VALUES = 200


def filterable_fields() -> list[str]:
    return sorted({*FILTERABLE_FIELDS, *FACETS, *FILTER_FIELDS})


def index_settings() -> dict[str, Any]:
    """The settings, in the JSON shape of ``PATCH /indexes/{uid}/settings``."""
    return {
        "searchableAttributes": list(SEARCHABLE_FIELDS),
        "filterableAttributes": filterable_fields(),
        "sortableAttributes": sorted(SORTABLE_FIELDS),
        "rankingRules": list(RANKING_RULES),
        "typoTolerance": {
            "enabled": True,
            "disableOnAttributes": sorted(set(SEARCHABLE_FIELDS) - set(TYPO_FIELDS)),
        },
        "localizedAttributes": [{"attributePatterns": list(CHINESE_FIELDS), "locales": ["cmn"]}],
        "synonyms": vocabulary.meilisearch_synonyms(),
        # No custom "dictionary": with even one word in it, Meilisearch 1.21 spends ~3.5 ms more
        # on every query (measured, a fixed cost whatever the query), and a federated search
        # pays that per query. Our own segmentation, with our dictionary, is indexed in ``words``
        # and queries are sent segmented the same way, so both sides still agree on words.
        "dictionary": [],
        "faceting": {"maxValuesPerFacet": MAX_FACET_VALUES, "sortFacetValuesBy": {"*": "count"}},
        # Totals and the last reachable page are exact up to this many hits.
        "pagination": {"maxTotalHits": MAX_OFFSET + MAX_PER_PAGE},
        "facetSearch": False,  # facet values are counted, never searched: less work when indexing
    }


# Settings whose order Meilisearch ignores (it answers them sorted).
_UNORDERED = frozenset({"filterableAttributes", "sortableAttributes"})


def _comparable(name: str, value: Any) -> Any:
    if name in _UNORDERED and isinstance(value, list):
        return sorted(value)
    if name == "synonyms" and isinstance(value, dict):
        return {term: sorted(others) for term, others in value.items()}
    return value


def _subset_equal(wanted: Any, current: Any) -> bool:
    """``wanted`` equals ``current`` on every key ``wanted`` sets (Meilisearch adds defaults)."""
    if isinstance(wanted, dict) and isinstance(current, dict):
        return all(key in current and _subset_equal(value, current[key]) for key, value in wanted.items())
    return bool(wanted == current)


def settings_to_change(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The part of ``wanted`` that differs from the index's ``current`` settings."""
    changes = {}
    for name, value in wanted.items():
        if name == "synonyms":
            # compared whole: a leftover synonym must go too
            same = _comparable(name, value) == _comparable(name, current.get(name))
        else:
            same = _subset_equal(_comparable(name, value), _comparable(name, current.get(name)))
        if not same:
            changes[name] = value
    return changes
