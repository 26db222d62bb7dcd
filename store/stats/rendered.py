"""The figures part of the dashboard, rendered once for each set of computed figures.

With its figures in the cache, a dashboard view for provincial staff still spent most of its time
rendering them: 21 × 21 matrix, ranking tables, chart data — about 80 KiB of HTML, some 35 ms of a
40 ms view, and longer while other requests share the processor. That part depends only on the
figures, the language and what the user may see (every city, or their own), so each process keeps
it, keyed by those and by the moment each figure was computed: it is rendered again exactly when a
figure is, and is never older than the figures it shows (at most ``STORE_STATS_CACHE_SECONDS``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup

RENDERED = "stats_rendered"  # the application state's key (store/app.py)
MAX_ENTRIES = 32  # ~80 KiB each: a few MiB per process at most


class RenderedFragments:
    """Rendered HTML by key, the least recently used going first beyond ``max_entries``.

    Rendering is synchronous, so two requests cannot render the same key at once within a
    process; no lock is needed."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Markup] = OrderedDict()

    def get(self, key: Hashable, render: Callable[[], Markup]) -> Markup:
        """The fragment kept for ``key``, or ``render()``'s, kept for next time."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        html = render()
        self._entries[key] = html
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._entries)
