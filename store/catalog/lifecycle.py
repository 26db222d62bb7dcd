"""The life of an app as a table: (status, action) -> new status. Nothing else moves an app.

draft --submit--> submitted --approve--> published --deprecate--> deprecated
                   submitted --return--> draft
"""

from __future__ import annotations

from store.db.models import AppStatus

TRANSITIONS: dict[tuple[str, str], str] = {
    (AppStatus.DRAFT, "submit"): AppStatus.SUBMITTED,
    (AppStatus.SUBMITTED, "approve"): AppStatus.PUBLISHED,
    (AppStatus.SUBMITTED, "return"): AppStatus.DRAFT,
    (AppStatus.PUBLISHED, "deprecate"): AppStatus.DEPRECATED,
}

# Metadata may be edited in these states (a published app stays published; the edit is recorded).
EDITABLE = frozenset({AppStatus.DRAFT, AppStatus.PUBLISHED})
# New versions and uploads are accepted in these states.
ACCEPTS_VERSIONS = frozenset({AppStatus.DRAFT, AppStatus.PUBLISHED})
# Files may be removed only before anyone outside the publisher has seen them.
FILES_REMOVABLE = frozenset({AppStatus.DRAFT})


def next_status(status: str, action: str) -> str | None:
    """The status after ``action``, or None when the action is not allowed from ``status``."""
    return TRANSITIONS.get((status, action))
