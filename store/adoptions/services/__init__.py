"""Adoptions: request, move through the life-cycle table, confirm, give feedback, upgrade, note,
re-confirm and sweep; read one or a page. Rules live here and in ``rules``/``lifecycle``; callers
commit.

Every change is one conditional statement, ``UPDATE adoptions SET …, revision = revision + 1
WHERE id = :id AND revision = :seen``: the check ("nobody changed it since I read it") and the
change are atomic on both databases, so of two decisions taken at once exactly one applies and
the other updates no row and answers 409. Every change also appends to the timeline
(``adoption_events``) and writes the app's audit log (``catalog.audit.record``), which emits
``AppChanged``: search re-indexes the app, and with it its live-adoption count.

The service is built in layers, one module each: ``_common`` (inputs, checks, who stands where),
``_reading``, ``_changing`` (transitions and the other changes), ``_requesting``.
"""

from ._common import (
    MAX_SAVING_WAN,
    STALE_AFTER,
    AdoptionFilters,
    GoLive,
    RequestData,
    add_year,
    checked_saving,
    live_adoption_counts,
)
from ._requesting import Requesting


class AdoptionService(Requesting):
    """Every adoption operation, on one session (``AdoptionService(session, today=…)``)."""


__all__ = [
    "MAX_SAVING_WAN",
    "STALE_AFTER",
    "AdoptionFilters",
    "AdoptionService",
    "GoLive",
    "RequestData",
    "add_year",
    "checked_saving",
    "live_adoption_counts",
]
