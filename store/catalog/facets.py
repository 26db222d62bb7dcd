"""The filter options the catalog page shows beside the results, each with its count.

Counts come from the search result (every app matching the query and the other filters). An
option that would find nothing is not shown, except the one chosen, which the page offers to
remove; the templates name the options (labels are translated there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from search.types import SearchQuery, SearchResult
from store.db import models as m

from . import constants

TAGS_SHOWN = (
    12  # the most frequent tags of the results; any other is typed in the URL or followed from a card
)


@dataclass(frozen=True)
class FacetOption:
    value: str
    count: int | None  # None where it is not counted (信创 "any platform", a district)
    active: bool


@dataclass(frozen=True)
class FacetGroup:
    key: str  # the filter's query parameter
    options: list[FacetOption]


def _group(key: str, counts: dict[str, int], values: Sequence[str], chosen: str | None) -> FacetGroup:
    options = [FacetOption(v, counts.get(v, 0), v == chosen) for v in values]
    shown = [option for option in options if option.active or option.count]
    if chosen and not any(option.active for option in shown):
        shown.insert(0, FacetOption(chosen, counts.get(chosen), True))
    return FacetGroup(key, shown)


def facet_groups(result: SearchResult, query: SearchQuery, city_codes: Sequence[str]) -> list[FacetGroup]:
    """The groups of options in the page's order; a group with nothing to offer is left out."""
    facets = result.facets
    tags = sorted(facets.get("tags", {}).items(), key=lambda item: (-item[1], item[0]))[:TAGS_SHOWN]
    xinchuang_counts = facets.get("xinchuang", {})
    platforms = (*constants.XC_CPUS, *constants.XC_OS, *constants.XC_DATABASES)
    any_platform = query.xinchuang == "any"
    xinchuang = _group("xinchuang", xinchuang_counts, platforms, None if any_platform else query.xinchuang)
    if any(xinchuang_counts.values()) or any_platform:
        xinchuang.options.insert(0, FacetOption("any", None, any_platform))
    groups = [
        _group("category", facets.get("category", {}), list(m.Category), query.category),
        _group("kind", facets.get("kind", {}), list(m.AppKind), query.kind),
        _group("region", facets.get("city", {}), city_codes, query.region),
        _group("zone", facets.get("zone", {}), list(m.Zone), query.zone),
        _group("maturity", facets.get("maturity", {}), list(m.Maturity), query.maturity),
        xinchuang,
        _group("tag", facets.get("tags", {}), [tag for tag, _count in tags], query.tag),
    ]
    return [group for group in groups if group.options]
