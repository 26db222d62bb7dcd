"""Who may do what, for which region: the one place permissions are decided.

Controllers guard routes with :func:`requires` (role only); services call :func:`authorize` with
the region that owns the thing being changed. Both read the same table. Each feature declares its
own actions in its ``rules.py``; ``store.rules`` collects them into that table, so a new feature
adds rules without editing this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import ColumnElement, SQLColumnExpression, false, true

from store.db import models as m

from .errors import Forbidden, Unauthorized

# Role sets the features' rules are written with.
PROVINCIAL = m.PROVINCIAL_ROLES
ADMIN = frozenset({m.Role.PROVINCE_ADMIN})
CITY = frozenset({m.Role.CITY_STAFF})
ANY_ROLE = frozenset(m.Role)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    # Region-scoped actions are allowed only on things owned by the user's own region.
    own_region_only: bool = False


# action -> rule, for every feature. Empty until ``install`` fills it: lib cannot import the
# features that declare the rules, so the top of the house (``store.rules``) collects and installs
# them (see its docstring for who calls it).
RULES: dict[str, Rule] = {}


def install(rules: Mapping[str, Rule]) -> None:
    """Make ``rules`` the table every check reads (replacing what was there)."""
    RULES.clear()
    RULES.update(rules)


def _rule(action: str) -> Rule:
    try:
        return RULES[action]
    except KeyError:
        hint = " (no rules are installed: call store.rules.install() first)" if not RULES else ""
        raise LookupError(f"no permission rule for {action!r}{hint}") from None


@dataclass(frozen=True)
class Reach:
    """Where a user may perform an action: nowhere, in every region, or in one region only.

    ``covers`` answers for one thing in Python; ``where`` is the same test as SQL, so a list
    query and a single check cannot disagree about who sees what.
    """

    allowed: bool
    region_code: str | None = None  # None: every region

    def covers(self, region_code: str | None) -> bool:
        """True for a thing owned by ``region_code`` (None: asking about the role only)."""
        if not self.allowed:
            return False
        return self.region_code is None or region_code is None or region_code == self.region_code

    def where(self, region_column: SQLColumnExpression[str]) -> ColumnElement[bool]:
        """``covers`` as an SQL condition on the column that holds the owning region."""
        if not self.allowed:
            return false()
        if self.region_code is None:
            return true()
        return region_column == self.region_code


NOWHERE = Reach(allowed=False)
EVERYWHERE = Reach(allowed=True)


def reach(user: m.User | None, action: str) -> Reach:
    """Where ``user`` may perform ``action``: the one reading of the table the checks share."""
    if user is None or not user.is_active:
        return NOWHERE
    rule = _rule(action)
    if user.role not in rule.roles:
        return NOWHERE
    if rule.own_region_only and user.role == m.Role.CITY_STAFF:
        return Reach(allowed=True, region_code=user.region_code)
    return EVERYWHERE


def can(user: m.User | None, action: str, region_code: str | None = None) -> bool:
    """True when ``user`` may perform ``action`` (on something owned by ``region_code``)."""
    return reach(user, action).covers(region_code)


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
