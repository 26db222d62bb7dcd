"""What goes into a search and what comes out, the same for every engine.

``store/`` builds a ``SearchQuery`` from a request and gets a ``SearchResult`` back; which engine
answered (Meilisearch or the database fallback) is only a field of the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Sort = Literal["relevance", "reuse", "newest"]
SORTS: tuple[Sort, ...] = ("relevance", "reuse", "newest")
# Facets counted for every search, in the order the page shows them. Each is a document field.
FACETS: tuple[str, ...] = ("kind", "category", "city", "zone", "tags", "maturity", "xinchuang", "status")
MAX_QUERY_CHARS = 100
MAX_PER_PAGE = 100
# A hit list deeper than this is not browsed by people; it bounds the work of every engine.
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class SearchQuery:
    """One search. Empty ``q`` with filters lists the filtered apps."""

    q: str = ""
    kind: str | None = None
    category: str | None = None
    region: str | None = None  # a city (its districts included) or a district code
    zone: str | None = None
    tag: str | None = None
    xinchuang: str | None = None  # a CPU, OS or database name; "any" for verified on anything
    maturity: str | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 20
    exclude_ids: tuple[int, ...] = ()  # "similar apps" leaves the app itself out

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Hit:
    """One app found. ``name_html``/``summary_html`` are HTML-escaped text whose only markup is
    ``<mark>`` around the matches; everything else is the publisher's own text."""

    id: int
    slug: str
    name: str
    name_en: str
    summary: str
    kind: str
    category: str
    region_code: str
    region_name: str
    city: str  # the city code (a district's parent)
    zone: str
    maturity: str
    status: str  # published or deprecated
    tags: tuple[str, ...]
    live_adoptions: int
    published_at: int  # unix seconds
    name_html: str
    summary_html: str


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    # facet -> value -> count, over every app matching the query and filters.
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    engine: Literal["meilisearch", "database"] = "database"
    processing_ms: float = 0.0
    # Query words the best hit does not match (relaxation), as the user typed them.
    dropped_words: list[str] = field(default_factory=list)
    # Set when Meilisearch was configured but could not answer and the database did instead.
    fallback: bool = False


@dataclass(frozen=True)
class Suggestion:
    slug: str
    name: str
    name_html: str
    region_name: str
