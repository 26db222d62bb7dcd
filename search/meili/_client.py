"""The connection to Meilisearch: the SDK's async client, and one rule for what is an outage.

Outages (no connection, timeouts, 5xx, internal errors of a task) become ``SearchUnavailable``;
the caller answers from the database and the worker retries. A 4xx or a task refused for its input
is our bug and is raised as such.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk._http_requests import AsyncHttpRequests
from meilisearch_python_sdk.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)
from meilisearch_python_sdk.models.task import TaskInfo

from ..errors import IndexingFailed, SearchUnavailable
from ._http import OneShotHttp

# httpx2 logs every request at INFO, and ``store run`` logs INFO: the search worker's uploads and
# task polling would fill the server's log with a line per request. Failures are still logged.
logging.getLogger("httpx2").setLevel(logging.WARNING)
logging.getLogger("httpcore2").setLevel(logging.WARNING)

# Searches answer a person waiting for a page: fail fast and let the database answer.
SEARCH_TIMEOUT = 2.0
# Uploads of large batches and settings changes take longer.
ADMIN_TIMEOUT = 30.0
# Error types of a failed task that are Meilisearch's trouble (disk full, I/O), not our input.
_OUTAGE_ERROR_TYPES = frozenset({"internal", "system"})
_NOT_FOUND_CODES = frozenset({"index_not_found", "document_not_found"})


class MeiliClient(AsyncClient):
    """The SDK's client over an HTTP client that opens a fresh connection for every request;
    ``post_json`` and ``get_json`` (searches, documents, health) skip it for ``OneShotHttp``.

    Measured with Meilisearch 1.21 on loopback: on a kept-alive connection about one request in
    ten stalls for ~40 ms (federated search p95 56 ms, against 10 ms with a fresh connection each
    time, which costs well under a millisecond). The SDK builds its own HTTP client and takes no
    other, so ours replaces it before any request is made.
    """

    def __init__(self, url: str, api_key: str, *, timeout: float = ADMIN_TIMEOUT) -> None:
        super().__init__(url, api_key or None)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http_client = httpx2.AsyncClient(
            base_url=url,
            headers=headers,
            timeout=timeout,
            limits=httpx2.Limits(max_keepalive_connections=0),
            trust_env=False,  # Meilisearch is a service next to us, never behind the user's proxy
        )
        self._http_requests = AsyncHttpRequests(self.http_client, json_handler=self.json_handler)
        self.one_shot = OneShotHttp(url, headers)

    async def post_json(self, path: str, body: dict[str, Any], *, timeout: float) -> Any:
        """POST a raw JSON body and return the decoded answer (for the search endpoints, whose
        payloads the SDK's models cannot express, with a timeout of their own)."""
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return await self._json("POST", path, content, timeout=timeout)

    async def get_json(self, path: str, *, timeout: float = ADMIN_TIMEOUT) -> Any:
        return await self._json("GET", path, None, timeout=timeout)

    async def _json(self, method: str, path: str, body: bytes | None, *, timeout: float) -> Any:
        response = await self.one_shot.request(method, path, body, timeout=timeout)
        if response.status >= 400:
            _checked(response.as_httpx(self.one_shot.request_for(method, path)))
        return json.loads(response.content)

    async def patch_json(self, path: str, body: dict[str, Any]) -> TaskInfo:
        return TaskInfo(**_checked(await self.http_client.patch(path, json=body)).json())

    async def wait(self, task: TaskInfo, *, timeout: float) -> None:
        """Wait until ``task`` succeeded; raise if it failed or took longer than ``timeout``."""
        result = await self.wait_for_task(task.task_uid, timeout_in_ms=int(timeout * 1000), interval_in_ms=20)
        if result.status == "succeeded":
            return
        error = result.error or {}
        message = f"Meilisearch task {task.task_uid} ({result.task_type}) {result.status}: {error}"
        if error.get("type") in _OUTAGE_ERROR_TYPES:
            raise SearchUnavailable(message)
        raise IndexingFailed(message)


def _checked(response: httpx2.Response) -> httpx2.Response:
    """Raise for an error answer the way the SDK does, with Meilisearch's own message."""
    if response.is_error:
        if "application/json" in response.headers.get("content-type", ""):
            raise MeilisearchApiError(f"HTTP {response.status_code}", response)
        response.raise_for_status()
    return response


def is_not_found(exc: BaseException) -> bool:
    """True when the index or document does not exist (a multi-search says so with a 400)."""
    if isinstance(exc, MeilisearchApiError):
        return exc.status_code == 404 or exc.code in _NOT_FOUND_CODES
    return isinstance(exc, httpx2.HTTPStatusError) and exc.response.status_code == 404


def is_empty_index(exc: BaseException) -> bool:
    """True when Meilisearch refuses the fields to search on because no document has them yet:
    an index without documents knows no attributes (a fresh install, before the first app)."""
    return isinstance(exc, MeilisearchApiError) and exc.code == "invalid_search_attributes_to_search_on"


@contextmanager
def unavailable_on_outage(action: str) -> Iterator[None]:
    """Turn connection errors, timeouts and 5xx answers into ``SearchUnavailable``."""
    try:
        yield
    except MeilisearchApiError as exc:
        if exc.status_code >= 500:
            raise SearchUnavailable(f"{action}: {exc}") from exc
        raise
    except (MeilisearchCommunicationError, MeilisearchTimeoutError, httpx2.TransportError) as exc:
        raise SearchUnavailable(f"{action}: {exc!r}") from exc
    except httpx2.HTTPStatusError as exc:
        if exc.response.status_code >= 500:
            raise SearchUnavailable(f"{action}: HTTP {exc.response.status_code}") from exc
        raise
    except MeilisearchError as exc:
        # The SDK wraps a read timeout in its generic error.
        if isinstance(exc.__cause__, httpx2.TransportError):
            raise SearchUnavailable(f"{action}: {exc.__cause__!r}") from exc
        raise
