"""The header search box's type-ahead: a small list of links, asked for by htmx as people type.

Every page has the box (templates/base.html); it is a GET form to the catalog, so Enter searches
without script. This fragment only adds the apps whose names match what was typed so far.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from search.types import MAX_QUERY_CHARS
from store.catalog.listing import highlighted
from store.lib.httpcache import anonymous_cache

from .services import search_service

SUGGESTIONS = 8


# Visitors who are not signed in get kept copies, with ETags (store/lib/httpcache.py).
@get("/search/suggest", name="search_suggest", include_in_schema=False, middleware=[anonymous_cache])
async def suggestions(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    q: Annotated[str | None, Parameter(max_length=MAX_QUERY_CHARS)] = None,
) -> Template:
    text = (q or "").strip()
    found = await search_service(request).suggest(db_session, text, SUGGESTIONS) if text else []
    items = [(suggestion, highlighted(suggestion.name_html)) for suggestion in found]
    return Template("discovery/_suggestions.html", context={"q": text, "items": items})


DISCOVERY_FRAGMENTS = [suggestions]
