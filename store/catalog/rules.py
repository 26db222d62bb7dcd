"""Who may change apps, and who may see which app and which of its versions, files and screenshots.

The actions are collected into the one permission table by ``store.rules``. Visibility is written
once here: each Python check (for one thing) has its SQL twin (for a list), and both read the same
constants and the same rule, ``apps.read_unpublished``, through ``policy.reach``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, false, or_, true

from store.db import models as m
from store.lib.policy import CITY, PROVINCIAL, Rule, reach

from .lifecycle import PUBLIC

RULES: dict[str, Rule] = {
    "apps.create": Rule(CITY, own_region_only=True),
    "apps.edit": Rule(CITY, own_region_only=True),
    "apps.submit": Rule(CITY, own_region_only=True),
    "apps.deprecate": Rule(CITY, own_region_only=True),
    "apps.review": Rule(PROVINCIAL),
    "apps.read_unpublished": Rule(PROVINCIAL | CITY, own_region_only=True),
    "apps.read_history": Rule(PROVINCIAL | CITY, own_region_only=True),
}

# What the public sees of a public app: only what a reviewer approved.
SHOWN_TO_PUBLIC = m.ReviewStatus.APPROVED


def can_view_app(user: m.User | None, status: str, region_code: str) -> bool:
    """Published and deprecated apps are public; drafts and submissions only to their own region
    and provincial staff."""
    return status in PUBLIC or reach(user, "apps.read_unpublished").covers(region_code)


def visible_apps(user: m.User | None) -> ColumnElement[bool]:
    """:func:`can_view_app` as an SQL condition on ``apps``."""
    return or_(m.App.status.in_(PUBLIC), reach(user, "apps.read_unpublished").where(m.App.region_code))


def own_apps(user: m.User | None) -> ColumnElement[bool]:
    """The apps a user works on, in every status: their region's for city staff, all for
    provincial staff, none for anyone else (the regions where they may read unpublished apps)."""
    return reach(user, "apps.read_unpublished").where(m.App.region_code)


def can_view_unreviewed(user: m.User | None, region_code: str) -> bool:
    """Versions, files and screenshots a reviewer has not approved are shown to the region that
    publishes them and to provincial staff, like a draft."""
    return reach(user, "apps.read_unpublished").covers(region_code)


def can_view_item(user: m.User | None, app_status: str, region_code: str, review_status: str) -> bool:
    """A version, file or screenshot is public when its app is public and it was approved."""
    if not can_view_app(user, app_status, region_code):
        return False
    return review_status == SHOWN_TO_PUBLIC or can_view_unreviewed(user, region_code)


def visible_items(
    user: m.User | None, region_code: str, review_status: SQLColumnExpression[str]
) -> ColumnElement[bool]:
    """The review half of :func:`can_view_item` as SQL, for listing the versions or screenshots of
    one app the user may see (``review_status`` is the listed table's column)."""
    unreviewed = true() if can_view_unreviewed(user, region_code) else false()
    return or_(review_status == SHOWN_TO_PUBLIC, unreviewed)
