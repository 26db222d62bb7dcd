"""The one interface ``store/`` uses: search, suggest, similar apps and the duplicate check.

It picks the engine: Meilisearch when ``STORE_SEARCH_BACKEND=meilisearch``, otherwise the
database. When Meilisearch cannot answer, the database answers instead (``result.fallback`` is
set so the page can say so), and Meilisearch is not asked again for a short while, so an outage
costs one failed request, not one per search. The database index is always current: it is
written in the same transaction as every change (``search/index_db.py``).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession

from store.lib import metrics
from store.settings import SearchSettings

from .database import DatabaseEngine
from .errors import SearchUnavailable
from .meili import MeiliEngine
from .query import parse_query
from .text import words
from .types import Hit, SearchQuery, SearchResult, Suggestion
from .vocabulary import GENERIC_WORDS

logger = logging.getLogger("search")

# After Meilisearch fails, the database answers alone for this long before Meilisearch is tried again.
RETRY_AFTER_SECONDS = 5.0
SIMILAR_LIMIT = 6
DUPLICATE_LIMIT = 5


class Search:
    def __init__(self, settings: SearchSettings) -> None:
        self.database = DatabaseEngine()
        self.meili: MeiliEngine | None = None
        if settings.backend == "meilisearch":
            self.meili = MeiliEngine(
                settings.meilisearch_url, settings.meilisearch_key, settings.index_prefix
            )
        self._meili_down_until = 0.0

    @property
    def configured_engine(self) -> str:
        return "meilisearch" if self.meili else "database"

    def _meili_usable(self) -> MeiliEngine | None:
        return self.meili if self.meili and time.monotonic() >= self._meili_down_until else None

    def _meili_failed(self, exc: Exception) -> None:
        logger.warning("Meilisearch unavailable, answering from the database: %s", exc)
        metrics.SEARCH_FALLBACKS.inc()
        self._meili_down_until = time.monotonic() + RETRY_AFTER_SECONDS

    async def search(self, session: AsyncSession, query: SearchQuery) -> SearchResult:
        parsed = parse_query(query.q)
        if meili := self._meili_usable():
            try:
                with metrics.timed_search("meilisearch", "search"):
                    return await meili.search(query, parsed)
            except SearchUnavailable as exc:
                self._meili_failed(exc)
        with metrics.timed_search("database", "search"):
            result = await self.database.search(session, query, parsed)
        result.fallback = self.meili is not None
        return result

    async def suggest(self, session: AsyncSession, q: str, limit: int = 8) -> list[Suggestion]:
        if meili := self._meili_usable():
            try:
                with metrics.timed_search("meilisearch", "suggest"):
                    return await meili.suggest(q, limit)
            except SearchUnavailable as exc:
                self._meili_failed(exc)
        with metrics.timed_search("database", "suggest"):
            return await self.database.suggest(session, parse_query(q), limit)

    async def similar(
        self, session: AsyncSession, app_id: int, text: str, limit: int = SIMILAR_LIMIT
    ) -> list[Hit]:
        """Apps like this one: a relaxed query from its own name, tags and summary, itself left out.
        (Meilisearch's similar-documents endpoint needs an embedder, which is not configured here.)"""
        return await self._lookalikes(session, text, (app_id,), limit)

    async def duplicates(
        self,
        session: AsyncSession,
        name: str,
        summary: str = "",
        *,
        exclude_id: int | None = None,
        limit: int = DUPLICATE_LIMIT,
    ) -> list[Hit]:
        """Published apps that look like the same thing as ``name``/``summary`` (查重): the name
        first, so the apps that match the name rank first, then words of the summary."""
        exclude = (exclude_id,) if exclude_id is not None else ()
        return await self._lookalikes(session, f"{name} {summary}", exclude, limit)

    async def _lookalikes(
        self, session: AsyncSession, text: str, exclude_ids: tuple[int, ...], limit: int
    ) -> list[Hit]:
        """The hits for what ``text`` is about; none when it says nothing but generic words (an
        empty query would list every app, which looks like nothing in particular)."""
        query = subject_words(text)
        if not query:
            return []
        return (
            await self.search(session, SearchQuery(q=query, per_page=limit, exclude_ids=exclude_ids))
        ).hits

    async def close(self) -> None:
        if self.meili:
            await self.meili.close()


def subject_words(text: str) -> str:
    """``text`` as a query of what it is about: its words without the generic ones (智慧, 平台 …,
    search/data/generic.yaml), so that look-alikes need not share the first, generic word."""
    kept = [word for word in words(text) if word not in GENERIC_WORDS]
    return " ".join(kept)
