"""Who may read which statistics (the actions are collected into the one table by ``store.rules``).

Provincial staff read every figure for every city. City staff read the public summary and their
own city's row of the city table (a district's staff: the row of the city it lies in). Anonymous
visitors read the public summary only. :func:`access_to` is the one place that decides this for
each figure; the API and the pages ask it before computing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from store.db import models as m
from store.lib.errors import Forbidden, Unauthorized
from store.lib.policy import CITY, PROVINCIAL, Rule, can

RULES: dict[str, Rule] = {
    # Every figure, all 21 cities.
    "stats.read": Rule(PROVINCIAL),
    # The city table, limited to the user's own city (a district's staff: its city). Not
    # ``own_region_only``: that would compare with a district's own code, never its city's.
    "stats.read_own_city": Rule(CITY),
}

# The figures, by the names the API and the exports use.
FIGURES: tuple[str, ...] = ("summary", "regions", "zones", "matrix", "trend", "apps", "time-to-live")
PUBLIC_FIGURES = frozenset({"summary"})  # anyone, anonymous visitors too
OWN_CITY_FIGURES = frozenset({"regions"})  # city staff: their own city's rows


class Scope(StrEnum):
    PUBLIC = "public"  # the figure is public: everyone gets the same answer
    FULL = "full"  # every row
    OWN_CITY = "own_city"  # only the rows of ``Access.city``


@dataclass(frozen=True)
class Access:
    scope: Scope
    city: str | None = None  # with OWN_CITY: the city code whose rows may be shown

    def shows(self, city_code: str) -> bool:
        """True when a row of ``city_code`` may be shown."""
        return self.scope != Scope.OWN_CITY or city_code == self.city


def home_city(user: m.User) -> str | None:
    """The city a user acts for: their region, or the city a district lies in."""
    region = user.region
    if region.level == m.RegionLevel.CITY:
        return region.code
    if region.level == m.RegionLevel.DISTRICT:
        return region.parent_code
    return None


def access_to(user: m.User | None, figure: str) -> Access:
    """What ``user`` may read of ``figure``: public, every row, or their own city's rows.

    Raises:
        Unauthorized: an anonymous visitor asked for a figure that is not public (401).
        Forbidden: a signed-in user may not read it (403).
        LookupError: ``figure`` is not one of :data:`FIGURES` (a programming error).
    """
    if figure not in FIGURES:
        raise LookupError(f"no statistics figure {figure!r}")
    if figure in PUBLIC_FIGURES:
        return Access(Scope.PUBLIC)
    if user is None:
        raise Unauthorized()
    if can(user, "stats.read"):
        return Access(Scope.FULL)
    if figure in OWN_CITY_FIGURES and can(user, "stats.read_own_city"):
        city = home_city(user)
        if city is not None:
            return Access(Scope.OWN_CITY, city)
    raise Forbidden()
