"""API shapes of search: results with facets, type-ahead suggestions, the duplicate check.

``name_html``/``summary_html`` are the name and summary HTML-escaped, with ``<mark>`` around what
matched: the only markup in them, so a client may insert them as HTML.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from search.types import Hit, SearchResult, Suggestion

from .lookalikes import Lookalike


class RegionRefOut(msgspec.Struct):
    code: str
    name: str


class SearchHitOut(msgspec.Struct):
    slug: str
    name: str
    name_en: str
    summary: str
    region: RegionRefOut
    city: str
    zone: str
    kind: str
    category: str
    maturity: str
    status: str  # published or deprecated
    tags: list[str]
    live_adoptions: int
    name_html: str
    summary_html: str
    url: str

    @classmethod
    def of(cls, hit: Hit, url: str) -> SearchHitOut:
        return cls(
            slug=hit.slug,
            name=hit.name,
            name_en=hit.name_en,
            summary=hit.summary,
            region=RegionRefOut(hit.region_code, hit.region_name),
            city=hit.city,
            zone=hit.zone,
            kind=hit.kind,
            category=hit.category,
            maturity=hit.maturity,
            status=hit.status,
            tags=list(hit.tags),
            live_adoptions=hit.live_adoptions,
            name_html=hit.name_html,
            summary_html=hit.summary_html,
            url=url,
        )


class SearchOut(msgspec.Struct):
    hits: list[SearchHitOut]
    total: int
    page: int
    per_page: int
    # facet -> value -> number of matching apps (kind, category, city, zone, tags, maturity,
    # xinchuang, status), over every app that matches the query and the filters.
    facets: dict[str, dict[str, int]]
    engine: Literal["meilisearch", "database"]
    processing_ms: float
    # Words of the query left out to find anything (the results match the others).
    dropped_words: list[str]
    # True when the search service was unavailable and the database answered instead.
    fallback: bool

    @classmethod
    def of(cls, result: SearchResult, hits: list[SearchHitOut]) -> SearchOut:
        return cls(
            hits=hits,
            total=result.total,
            page=result.page,
            per_page=result.per_page,
            facets=result.facets,
            engine=result.engine,
            processing_ms=round(result.processing_ms, 2),
            dropped_words=list(result.dropped_words),
            fallback=result.fallback,
        )


class SuggestionOut(msgspec.Struct):
    slug: str
    name: str
    name_html: str
    region_name: str
    url: str

    @classmethod
    def of(cls, suggestion: Suggestion, url: str) -> SuggestionOut:
        return cls(suggestion.slug, suggestion.name, suggestion.name_html, suggestion.region_name, url)


class DuplicateOut(msgspec.Struct):
    """A published app that looks like the one described, and who publishes it."""

    slug: str
    name: str
    summary: str
    name_html: str
    summary_html: str
    region: RegionRefOut
    department: str
    status: str
    url: str

    @classmethod
    def of(cls, found: Lookalike, url: str) -> DuplicateOut:
        hit = found.hit
        return cls(
            slug=hit.slug,
            name=hit.name,
            summary=hit.summary,
            name_html=hit.name_html,
            summary_html=hit.summary_html,
            region=RegionRefOut(hit.region_code, hit.region_name),
            department=found.department,
            status=found.status,
            url=url,
        )
