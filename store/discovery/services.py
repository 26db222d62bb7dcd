"""Discovery's services: the search service of the application, and the answers of the search
API built from what it finds.

The search service itself lives in ``search/`` and is built by ``create_app``; it is found where
the catalog's listing finds it (``catalog.listing``), so both read one handle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request

from search.types import Hit, Suggestion
from store.catalog.listing import search_service

from . import schemas as s

__all__ = ["hits_out", "search_service", "suggestions_out"]


def app_url(request: Request[Any, Any, Any], slug: str) -> str:
    return request.app.route_reverse("app_detail", slug=slug)


def hits_out(request: Request[Any, Any, Any], hits: Sequence[Hit]) -> list[s.SearchHitOut]:
    return [s.SearchHitOut.of(hit, app_url(request, hit.slug)) for hit in hits]


def suggestions_out(request: Request[Any, Any, Any], found: Sequence[Suggestion]) -> list[s.SuggestionOut]:
    return [s.SuggestionOut.of(suggestion, app_url(request, suggestion.slug)) for suggestion in found]
