"""The life-cycle tables (catalog/lifecycle.py), the review gate's visibility rule (catalog/rules.py) and
the merged before/after of edits, checked without a database."""

from __future__ import annotations

import itertools

import pytest

from store.catalog import lifecycle, rules
from store.db import models as m
from store.lib.errors import ValidationFailed
from store.review.services import merged_diff

PENDING, APPROVED, RETURNED = m.ReviewStatus.PENDING, m.ReviewStatus.APPROVED, m.ReviewStatus.RETURNED
REVIEW_ACTIONS = ("approve", "return", "resubmit")

# (review status, action) -> the status after it; every other pair is refused.
EXPECTED_REVIEW = {
    (PENDING, "approve"): APPROVED,
    (PENDING, "return"): RETURNED,
    (RETURNED, "resubmit"): PENDING,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(m.ReviewStatus, REVIEW_ACTIONS)))
def test_review_transitions(status: str, action: str) -> None:
    assert lifecycle.next_review_status(status, action) == EXPECTED_REVIEW.get((status, action))


def test_an_approved_thing_never_moves_again() -> None:
    assert all(lifecycle.next_review_status(APPROVED, action) is None for action in REVIEW_ACTIONS)


def test_a_reviewer_can_take_a_published_app_back_to_draft() -> None:
    assert lifecycle.next_status(m.AppStatus.PUBLISHED, "return") == m.AppStatus.DRAFT
    assert lifecycle.next_status(m.AppStatus.PUBLISHED, "approve") is None
    assert lifecycle.next_status(m.AppStatus.DEPRECATED, "return") is None
    assert lifecycle.next_status(m.AppStatus.DRAFT, "return") is None


@pytest.mark.parametrize(
    ("app_status", "review_status", "removable"),
    [
        (m.AppStatus.DRAFT, APPROVED, True),
        (m.AppStatus.DRAFT, PENDING, True),
        (m.AppStatus.SUBMITTED, PENDING, False),
        (m.AppStatus.PUBLISHED, APPROVED, False),
        (m.AppStatus.PUBLISHED, PENDING, True),
        (m.AppStatus.PUBLISHED, RETURNED, True),
        (m.AppStatus.DEPRECATED, APPROVED, False),
        (m.AppStatus.DEPRECATED, PENDING, True),
    ],
)
def test_only_files_nobody_outside_has_seen_can_be_removed(
    app_status: str, review_status: str, removable: bool
) -> None:
    assert lifecycle.file_removable(app_status, review_status) is removable


def _user(role: str, region: str = "440300") -> m.User:
    return m.User(
        id=1,
        username=role,
        role=role,
        region_code=region if role == "city_staff" else "440000",
        is_active=True,
        password_hash="x",
    )


VIEWERS = {
    "anonymous": None,
    "publisher": _user("city_staff", "440300"),
    "other city": _user("city_staff", "440100"),
    "reviewer": _user("province_reviewer"),
    "admin": _user("province_admin"),
}
SEES_UNREVIEWED = {"publisher", "reviewer", "admin"}


@pytest.mark.parametrize(
    ("viewer", "status"), list(itertools.product(VIEWERS, [APPROVED, PENDING, RETURNED]))
)
def test_what_a_published_app_shows_to_whom(viewer: str, status: str) -> None:
    expected = status == APPROVED or viewer in SEES_UNREVIEWED
    assert rules.can_view_item(VIEWERS[viewer], m.AppStatus.PUBLISHED, "440300", status) is expected


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_nothing_of_a_draft_shows_outside_its_region_even_if_approved(viewer: str) -> None:
    expected = viewer in SEES_UNREVIEWED
    assert rules.can_view_item(VIEWERS[viewer], m.AppStatus.DRAFT, "440300", APPROVED) is expected


def _edit(**changes: list[object]) -> m.AuditEntry:
    return m.AuditEntry(action="edited", changes=changes)


def test_edits_merge_into_one_before_and_after_per_field() -> None:
    entries = [
        _edit(summary=["旧简介", "中间"], docs_url=["https://a", "https://b"]),
        _edit(summary=["中间", "新简介"], tags=[["医保"], ["医保", "跨省"]]),
        _edit(docs_url=["https://b", "https://a"]),  # changed back: nothing to review
    ]
    assert merged_diff(entries) == {"summary": ["旧简介", "新简介"], "tags": [["医保"], ["医保", "跨省"]]}


@pytest.mark.parametrize(
    ("decision", "comment", "field"),
    [
        ("approve", "", None),
        ("return", "  ", "comment"),
        ("publish", "x", "decision"),
        ("return", "改", None),
    ],
)
def test_a_decision_is_approve_or_return_and_a_return_says_why(
    decision: str, comment: str, field: str | None
) -> None:
    if field is None:
        assert lifecycle.checked_decision(decision, comment) == (decision, comment.strip())
        return
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.checked_decision(decision, comment)
    assert isinstance(caught.value.details, list)
    assert caught.value.details[0]["field"] == field
