"""Errors of the search engines that callers act on.

``SearchUnavailable`` means "ask again later": the caller answers from the database and the
outbox worker retries. Anything else the engine raises is a bug to fix, not an outage to ride out.
"""

from __future__ import annotations


class SearchUnavailable(Exception):
    """Meilisearch could not be reached, timed out, or failed on its side (5xx, internal errors)."""


class IndexingFailed(Exception):
    """Meilisearch refused what we sent (a task failed on invalid input): retrying will not help."""
