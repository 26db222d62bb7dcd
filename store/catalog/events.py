"""The catalog's domain events (the seam itself is ``store/lib/events.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from store.lib.events import Event


@dataclass(frozen=True)
class AppChanged(Event):
    """Something about an app changed: its metadata or status, a version, a file or a screenshot.

    Emitted once per change by ``audit.record``, which every change of an app goes through;
    ``what`` is the audit action (``approved``, ``edited``, ``version_yanked``, …). ``version``
    names the version a change is about (added, yanked, reviewed, resubmitted), None otherwise:
    the adoptions' version alerts (``store/adoptions/alerts.py``) start from it.
    """

    app_id: int
    what: str
    version: str | None = None
