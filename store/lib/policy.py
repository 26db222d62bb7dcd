"""Who may do what, for which region: the one place permissions are decided.

Controllers guard routes with :func:`requires` (role only); services call :func:`authorize` with
the region that owns the thing being changed. Both read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from store.db import models as m

from .errors import Forbidden, Unauthorized

PROVINCIAL = frozenset({m.Role.PROVINCE_ADMIN, m.Role.PROVINCE_REVIEWER})
ADMIN = frozenset({m.Role.PROVINCE_ADMIN})
CITY = frozenset({m.Role.CITY_STAFF})
ANY_ROLE = frozenset(m.Role)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    # Region-scoped actions are allowed only on things owned by the user's own region.
    own_region_only: bool = False


RULES: dict[str, Rule] = {
    "regions.manage": Rule(ADMIN),
    "users.manage": Rule(ADMIN),
    "tokens.manage": Rule(ANY_ROLE),
    "apps.create": Rule(CITY, own_region_only=True),
    "apps.edit": Rule(CITY, own_region_only=True),
    "apps.submit": Rule(CITY, own_region_only=True),
    "apps.deprecate": Rule(CITY, own_region_only=True),
    "versions.publish": Rule(CITY, own_region_only=True),
    "apps.review": Rule(PROVINCIAL),
    "apps.read_unpublished": Rule(PROVINCIAL | CITY, own_region_only=True),
    "apps.read_history": Rule(PROVINCIAL | CITY, own_region_only=True),
    "stats.read": Rule(PROVINCIAL),
}


def can(user: m.User | None, action: str, region_code: str | None = None) -> bool:
    """True when ``user`` may perform ``action`` (on something owned by ``region_code``)."""
    if user is None or not user.is_active:
        return False
    rule = RULES[action]
    if user.role not in rule.roles:
        return False
    if rule.own_region_only and user.role == m.Role.CITY_STAFF and region_code is not None:
        return user.region_code == region_code
    return True


def can_view_app(user: m.User | None, status: str, region_code: str) -> bool:
    """Published and deprecated apps are public; drafts and submissions only to their own region
    and provincial staff."""
    if status in {m.AppStatus.PUBLISHED, m.AppStatus.DEPRECATED}:
        return True
    return can(user, "apps.read_unpublished", region_code)


def can_view_unreviewed(user: m.User | None, region_code: str) -> bool:
    """Versions, files and screenshots a reviewer has not approved are shown to the region that
    publishes them and to provincial staff, like a draft."""
    return can(user, "apps.read_unpublished", region_code)


def can_view_item(user: m.User | None, app_status: str, region_code: str, review_status: str) -> bool:
    """A version, file or screenshot is public when its app is public and it was approved."""
    if not can_view_app(user, app_status, region_code):
        return False
    return review_status == m.ReviewStatus.APPROVED or can_view_unreviewed(user, region_code)


def authorize(user: m.User | None, action: str, region_code: str | None = None) -> None:
    """Raise 401 for anonymous users and 403 for users without the right."""
    if user is None:
        raise Unauthorized()
    if not can(user, action, region_code):
        raise Forbidden()


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> m.User | None:
    user = connection.scope.get("user")
    return user if isinstance(user, m.User) else None


def requires(action: str) -> Any:
    """A route guard: the user must be signed in and hold a role that may perform ``action``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        authorize(current_user(connection), action)

    guard.__name__ = f"requires_{action.replace('.', '_')}"
    return guard


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise Unauthorized()
