"""The life of an app, and the review of what is added to it after publication, as tables:
(status, action) -> new status. Nothing else moves an app or a review status.

draft --submit--> submitted --approve--> published --deprecate--> deprecated
                   submitted --return--> draft
                                         published --return--> draft   (a reviewer takes it back)

Versions, files and screenshots carry a review status of their own (省统 after publication):

pending --approve--> approved      (by a reviewer; or with the whole app when the app is approved)
pending --return--> returned       (by a reviewer, with a comment; still not public)
returned --resubmit--> pending     (the publisher uploads a fix to the returned version)

Only approved things of a public app are shown to the public; pending and returned ones only to
the publisher's region and provincial staff. Removing a file that was never approved is allowed
(nobody outside has seen it); an approved file never changes.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from store.db.models import App, AppStatus, ReviewStatus
from store.lib.errors import ValidationFailed, field_error
from store.lib.i18n import _

TRANSITIONS: dict[tuple[str, str], str] = {
    (AppStatus.DRAFT, "submit"): AppStatus.SUBMITTED,
    (AppStatus.SUBMITTED, "approve"): AppStatus.PUBLISHED,
    (AppStatus.SUBMITTED, "return"): AppStatus.DRAFT,
    (AppStatus.PUBLISHED, "deprecate"): AppStatus.DEPRECATED,
    (AppStatus.PUBLISHED, "return"): AppStatus.DRAFT,
}

# Metadata may be edited in these states (a published app stays published; the edit is recorded).
EDITABLE = frozenset({AppStatus.DRAFT, AppStatus.PUBLISHED})
# New versions and uploads are accepted in these states.
ACCEPTS_VERSIONS = frozenset({AppStatus.DRAFT, AppStatus.PUBLISHED})
# Files may be removed only before anyone outside the publisher has seen them: any file of a
# draft, and a file of a public app that a reviewer has not approved.
FILES_REMOVABLE = frozenset({AppStatus.DRAFT})
# The public sees these apps, and in them only what was approved.
PUBLIC = frozenset({AppStatus.PUBLISHED, AppStatus.DEPRECATED})
# Versions, files and screenshots of these apps are reviewed one by one; in the other states
# they are reviewed with the app itself.
REVIEWED_SEPARATELY = PUBLIC

REVIEW_TRANSITIONS: dict[tuple[str, str], str] = {
    (ReviewStatus.PENDING, "approve"): ReviewStatus.APPROVED,
    (ReviewStatus.PENDING, "return"): ReviewStatus.RETURNED,
    (ReviewStatus.RETURNED, "resubmit"): ReviewStatus.PENDING,
}
REVIEW_DECISIONS = ("approve", "return")


def checked_decision(decision: str, comment: str) -> tuple[str, str]:
    """A reviewer's decision on an app, a version or a screenshot, and the trimmed comment; or 422:
    approve or return, and a return says why."""
    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed(details=[field_error("decision", _("Choose approve or return."))])
    comment = comment.strip()
    if decision == "return" and not comment:
        raise ValidationFailed(details=[field_error("comment", _("Say what the publisher should change."))])
    return decision, comment


def returned_draft() -> ColumnElement[bool]:
    """An app that a reviewer returned and that waits for its publisher: a draft with the
    reviewer's comment (a new draft has none; a return always has one, see checked_decision)."""
    return (App.status == AppStatus.DRAFT) & (App.review_comment != "")


def next_status(status: str, action: str) -> str | None:
    """The status after ``action``, or None when the action is not allowed from ``status``."""
    return TRANSITIONS.get((status, action))


def next_review_status(review_status: str, action: str) -> str | None:
    """The review status after ``action``, or None when it does not apply (e.g. approving
    something already approved)."""
    return REVIEW_TRANSITIONS.get((review_status, action))


def file_removable(app_status: str, review_status: str) -> bool:
    """A file may be removed from a draft, or from a public app while it is not approved."""
    if app_status in FILES_REMOVABLE:
        return True
    return app_status in PUBLIC and review_status != ReviewStatus.APPROVED
