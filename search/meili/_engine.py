"""``MeiliEngine``: search, suggest and index maintenance on Meilisearch."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from meilisearch_python_sdk.models.task import TaskInfo

from ..errors import SearchUnavailable
from ..highlight import highlight
from ..hits import hit_from_document
from ..query import ParsedQuery, parse_query
from ..relaxation import dropped_words
from ..types import FACETS, SearchQuery, SearchResult, Suggestion
from ._client import (
    ADMIN_TIMEOUT,
    SEARCH_TIMEOUT,
    MeiliClient,
    is_empty_index,
    is_not_found,
    unavailable_on_outage,
)
from ._request import MATCH_FIELDS, search_request, suggest_request, total_of
from ._settings import index_settings, settings_to_change

# Waiting for Meilisearch to apply a batch or settings: a settings change re-indexes everything.
TASK_TIMEOUT = 300.0
REINDEX_BATCH_TASKS_IN_FLIGHT = 4
DOCUMENT_PAGE = 1000

Batches = AsyncIterable[list[dict[str, Any]]] | Iterable[list[dict[str, Any]]]


@dataclass(frozen=True)
class EngineStats:
    documents: int
    indexing: bool


class MeiliEngine:
    """The apps index ``{prefix}_apps`` on one Meilisearch server.

    Every method raises ``SearchUnavailable`` when Meilisearch cannot answer; ``IndexingFailed``
    when it refuses documents or settings.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        index_prefix: str = "yue",
        *,
        search_timeout: float = SEARCH_TIMEOUT,
        task_timeout: float = TASK_TIMEOUT,
    ) -> None:
        self.index_uid = f"{index_prefix}_apps"
        self.search_timeout = search_timeout
        self.task_timeout = task_timeout
        self.client = MeiliClient(url.rstrip("/"), api_key, timeout=ADMIN_TIMEOUT)
        self._ready = False
        self._ready_lock = asyncio.Lock()

    async def close(self) -> None:
        await self.client.aclose()

    # --- index and settings --------------------------------------------------------------

    async def ensure_index(self) -> None:
        """Create the index if missing and bring its settings up to date (a no-op when they are)."""
        with unavailable_on_outage("ensure index"):
            await self._prepare(self.index_uid)
        self._ready = True

    async def _ensure_ready(self) -> None:
        """Writes first make sure the index exists with its settings: a document added to a
        missing index would create it with Meilisearch's defaults."""
        if self._ready:
            return
        async with self._ready_lock:
            if not self._ready:
                await self.ensure_index()

    async def _prepare(self, uid: str, *, settings: bool = True) -> None:
        """Create index ``uid`` if missing; bring its settings up to date unless told not to."""
        current = await self._settings_of(uid)
        if current is None:
            # waits, then reads the index: also right when another process created it meanwhile
            await self.client.create_index(uid, primary_key="id", timeout_in_ms=int(self.task_timeout * 1000))
            current = {}
        if not settings:
            return
        if changes := settings_to_change(current, index_settings()):
            task_info = await self.client.patch_json(f"indexes/{uid}/settings", changes)
            await self.client.wait(task_info, timeout=self.task_timeout)

    async def _settings_of(self, uid: str) -> dict[str, Any] | None:
        try:
            settings: dict[str, Any] = await self.client.get_json(f"indexes/{uid}/settings")
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise
        return settings

    # --- documents ------------------------------------------------------------------------

    async def upsert(self, docs: list[dict[str, Any]]) -> None:
        """Add or replace ``docs`` and wait until Meilisearch has indexed them."""
        if not docs:
            return
        await self._ensure_ready()
        with unavailable_on_outage("upsert"):
            task = await self.client.index(self.index_uid).add_documents(docs, primary_key="id")
            await self.client.wait(task, timeout=self.task_timeout)

    async def delete(self, ids: list[int]) -> None:
        """Remove the apps ``ids`` (missing ones are fine) and wait until it is done."""
        if not ids:
            return
        await self._ensure_ready()
        with unavailable_on_outage("delete"):
            task = await self.client.index(self.index_uid).delete_documents([str(i) for i in ids])
            await self.client.wait(task, timeout=self.task_timeout)

    async def document_ids(self) -> dict[int, int]:
        """Every indexed app: id → updated_at (unix seconds), to compare with the database."""
        found: dict[int, int] = {}
        index = self.client.index(self.index_uid)
        offset = 0
        with unavailable_on_outage("list documents"):
            while True:
                try:
                    page = await index.get_documents(
                        offset=offset, limit=DOCUMENT_PAGE, fields=["id", "updated_at"]
                    )
                except Exception as exc:
                    if is_not_found(exc):
                        return found
                    raise
                for doc in page.results:
                    found[int(doc["id"])] = int(doc.get("updated_at") or 0)
                offset += len(page.results)
                if not page.results or offset >= page.total:
                    return found

    async def reindex(self, documents: Batches, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from ``documents`` (batches) and swap it in at once.

        The batches fill a new index ``{uid}_<milliseconds>`` with the same settings; when every
        batch is indexed, one swap makes it the live index and the old one is deleted. Searches
        see the old index until the swap, never an empty or half-filled one. ``progress`` is
        called with the number of documents of each batch once Meilisearch has indexed it.
        Returns the number of documents indexed.
        """
        new_uid = f"{self.index_uid}_{time.time_ns() // 1_000_000}"
        total = 0
        with unavailable_on_outage("reindex"):
            # The swap needs a live index, empty or not. Its settings are left alone: changing
            # them would re-index the old documents just before they are thrown away.
            await self._prepare(self.index_uid, settings=False)
            await self._prepare(new_uid)
            try:
                total = await self._fill(new_uid, documents, progress)
                swap = await self.client.swap_indexes([(self.index_uid, new_uid)])
                await self.client.wait(swap, timeout=self.task_timeout)
            except BaseException:
                with suppress(Exception):  # the half-built index; the first error is the one to tell
                    await self._drop(new_uid)
                raise
            await self._drop(new_uid)  # since the swap, the old documents
        self._ready = True
        return total

    async def _drop(self, uid: str) -> None:
        await self.client.wait(await self.client.index(uid).delete(), timeout=self.task_timeout)

    async def _fill(self, uid: str, documents: Batches, progress: Callable[[int], None] | None) -> int:
        index = self.client.index(uid)
        in_flight: deque[tuple[TaskInfo, int]] = deque()
        total = 0

        async def settle_oldest() -> None:
            task, count = in_flight.popleft()
            await self.client.wait(task, timeout=self.task_timeout)
            if progress:
                progress(count)

        async def send(batch: list[dict[str, Any]]) -> None:
            nonlocal total
            if not batch:
                return
            # a few batches queue in Meilisearch while we prepare the next (it merges them)
            in_flight.append((await index.add_documents(batch, primary_key="id"), len(batch)))
            total += len(batch)
            if len(in_flight) > REINDEX_BATCH_TASKS_IN_FLIGHT:
                await settle_oldest()

        if isinstance(documents, AsyncIterable):
            async for batch in documents:
                await send(batch)
        else:
            for batch in documents:
                await send(batch)
        while in_flight:
            await settle_oldest()
        return total

    async def last_change(self) -> int | None:
        """The number of the latest task that changed the index (documents, settings, a swap);
        None before there is one. It only grows: a new number means search answers may differ."""
        path = f"tasks?indexUids={self.index_uid}&statuses=succeeded&limit=1"  # newest first
        with unavailable_on_outage("last change"):
            tasks = await self.client.get_json(path, timeout=self.search_timeout)
        results = tasks.get("results") or []
        return int(results[0]["uid"]) if results else None

    # --- health ---------------------------------------------------------------------------

    # /health asks these: they wait no longer than a search does.

    async def is_healthy(self) -> bool:
        try:
            with unavailable_on_outage("health"):
                health = await self.client.get_json("health", timeout=self.search_timeout)
        except SearchUnavailable:
            return False
        return bool(health.get("status") == "available")

    async def stats(self) -> EngineStats:
        """Documents in the live index (0 before it exists), and whether it is indexing."""
        path = f"indexes/{self.index_uid}/stats"
        with unavailable_on_outage("stats"):
            try:
                stats = await self.client.get_json(path, timeout=self.search_timeout)
            except Exception as exc:
                if is_not_found(exc):
                    return EngineStats(documents=0, indexing=False)
                raise
        return EngineStats(documents=int(stats["numberOfDocuments"]), indexing=bool(stats["isIndexing"]))

    # --- search ---------------------------------------------------------------------------

    async def search(self, query: SearchQuery, parsed: ParsedQuery) -> SearchResult:
        path, body = search_request(self.index_uid, query, parsed)
        started = time.perf_counter()
        answer = await self._search(path, body)
        processing_ms = (time.perf_counter() - started) * 1000
        docs: list[dict[str, Any]] = answer["hits"]
        distribution = answer.get("facetDistribution") or {}
        return SearchResult(
            hits=[hit_from_document(doc, parsed) for doc in docs],
            total=total_of(answer),
            page=query.page,
            per_page=query.per_page,
            facets={facet: dict(distribution.get(facet) or {}) for facet in FACETS},
            engine="meilisearch",
            processing_ms=processing_ms,
            dropped_words=await self._dropped_words(parsed, docs[0]) if docs else [],
        )

    async def suggest(self, q: str, limit: int = 8) -> list[Suggestion]:
        parsed = parse_query(q)
        if parsed.is_empty:
            return []
        answer = await self._search(*suggest_request(self.index_uid, parsed, limit))
        return [
            Suggestion(
                slug=doc["slug"],
                name=doc["name"],
                name_html=highlight(doc["name"], parsed),
                region_name=doc.get("region_name") or "",
            )
            for doc in answer["hits"]
        ]

    async def _search(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with unavailable_on_outage("search"):
            try:
                answer: dict[str, Any] = await self.client.post_json(path, body, timeout=self.search_timeout)
            except Exception as exc:
                if is_not_found(exc):  # not created yet: the database answers meanwhile
                    raise SearchUnavailable(f"index {self.index_uid} does not exist yet") from exc
                if is_empty_index(exc):  # no document yet: likewise
                    raise SearchUnavailable(f"index {self.index_uid} has no documents yet") from exc
                raise
        return answer

    async def _dropped_words(self, parsed: ParsedQuery, top: dict[str, Any]) -> list[str]:
        """Query words the best hit does not match. When Meilisearch says the best hit matched
        every word of its query, nothing was dropped; otherwise its searchable text decides."""
        if len(parsed.words) < 2:
            return []  # relaxation never drops the only word
        words = (top.get("_rankingScoreDetails") or {}).get("words")
        if words and words.get("matchingWords") == words.get("maxMatchingWords"):
            return []
        path = f"indexes/{self.index_uid}/documents/{int(top['id'])}?fields={','.join(MATCH_FIELDS)}"
        with unavailable_on_outage("fetch document"):
            try:
                doc: dict[str, Any] = await self.client.get_json(path, timeout=self.search_timeout)
            except Exception as exc:
                if is_not_found(exc):  # deleted since the search answered
                    return []
                raise
        return dropped_words(parsed, doc)
