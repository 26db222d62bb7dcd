"""The search API: search with filters and facets, type-ahead, and the duplicate check (查重).

Public and read-only, like the catalog: only published and deprecated apps are in the index.
Every parameter is checked against the catalog's own code lists (``catalog.listing``), so an
unknown value is a 400 naming the parameter, not an empty result.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from search.types import MAX_PER_PAGE, MAX_QUERY_CHARS
from store.catalog import listing
from store.catalog.cache import catalog_cache
from store.lib.errors import BadRequest, field_error
from store.lib.httpcache import anonymous_cache
from store.lib.i18n import _
from store.lib.pagination import PageNumber, items_per_page

from . import schemas as s
from .lookalikes import list_duplicates
from .services import app_url, hits_out, search_service, suggestions_out

SUGGESTIONS = 8
NAME_MAX = 200  # the longest name and summary an app may have (catalog/schemas.py)
SUMMARY_MAX = 200


def _coded(name: str, description: str) -> Any:
    """A filter parameter whose values are one of the catalog's codes (listed in the schema)."""
    return Parameter(
        description=description,
        max_length=100,
        schema_extra={"enum": [str(v) for v in listing.CHOICES[name]]},
    )


Query = Annotated[
    str | None,
    Parameter(
        max_length=MAX_QUERY_CHARS,
        description="Words, in Simplified or Traditional script, pinyin or initials; empty lists every app.",
    ),
]
Kind = Annotated[str | None, _coded("kind", "application, component or capability")]
Category = Annotated[str | None, _coded("category", "The catalog category.")]
Zone = Annotated[str | None, _coded("zone", "The zone of the publishing city.")]
Maturity = Annotated[str | None, _coded("maturity", "pilot, promoted or mature")]
Xinchuang = Annotated[
    str | None,
    _coded("xinchuang", "Verified on this 信创 CPU, operating system or database; any: on at least one."),
]
Sort = Annotated[str | None, _coded("sort", "relevance (the default), reuse (most adopted first) or newest.")]
Region = Annotated[
    str | None,
    Parameter(
        description="A city (its districts included) or a district, by code, e.g. 440300.", max_length=12
    ),
]
Tag = Annotated[str | None, Parameter(description="A tag the app carries.", max_length=listing.MAX_TAG_CHARS)]


class SearchApi(Controller):
    path = "/api/v1/search"
    tags = ["search"]

    # Visitors who are not signed in get kept copies, with ETags (store/lib/httpcache.py).
    @get(
        "/",
        name="api_search",
        summary="Search the published apps, with filters, facet counts and highlighted matches",
        middleware=[anonymous_cache],
    )
    async def search(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        q: Query = None,
        kind: Kind = None,
        category: Category = None,
        region: Region = None,
        zone: Zone = None,
        tag: Tag = None,
        xinchuang: Xinchuang = None,
        maturity: Maturity = None,
        sort: Sort = None,
        page: PageNumber = 1,
        per_page: int = items_per_page(20, maximum=MAX_PER_PAGE),
    ) -> s.SearchOut:
        """Published apps (and deprecated ones, marked) matching the words and every filter, with
        how many match each filter value. No words list the filtered apps. ``name_html`` and
        ``summary_html`` mark the matches with ``<mark>``, everything else escaped."""
        # A region filter is checked against the cities and districts kept a few seconds.
        places = await catalog_cache(request).places(db_session) if region else None
        query = await listing.checked_query(
            db_session,
            places=places,
            q=q,
            sort=sort,
            page=page,
            per_page=per_page,
            kind=kind,
            category=category,
            region=region,
            zone=zone,
            tag=tag,
            xinchuang=xinchuang,
            maturity=maturity,
        )
        result = await listing.search_page(search_service(request), db_session, query)
        return s.SearchOut.of(result, hits_out(request, result.hits))

    @get(
        "/suggest",
        name="api_search_suggest",
        summary="Type-ahead: up to 8 apps for what was typed so far",
        middleware=[anonymous_cache],
    )
    async def suggest(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, q: Query = None
    ) -> list[s.SuggestionOut]:
        text = (q or "").strip()
        if not text:
            return []
        found = await search_service(request).suggest(db_session, text, SUGGESTIONS)
        return suggestions_out(request, found)

    @get(
        "/duplicates",
        name="api_search_duplicates",
        summary="Duplicate check (查重): published apps that look like the one described",
    )
    async def duplicates(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        name: Annotated[
            str | None, Parameter(max_length=NAME_MAX, description="The planned app's name.")
        ] = None,
        summary: Annotated[
            str | None, Parameter(max_length=SUMMARY_MAX, description="What it does, in a sentence.")
        ] = None,
    ) -> list[s.DuplicateOut]:
        """For a city's planning: before building, see which region already publishes something
        like it, and which department to ask. Deprecated apps are included, marked by ``status``."""
        name, summary = (name or "").strip(), (summary or "").strip()
        if not (name or summary):
            message = _("Give the name or the summary of the app to check.")
            raise BadRequest(message, details=[field_error("name", message)])
        found = await list_duplicates(search_service(request), db_session, name, summary)
        return [s.DuplicateOut.of(item, app_url(request, item.hit.slug)) for item in found]


DISCOVERY_API = [SearchApi]
