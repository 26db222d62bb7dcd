"""Who may request, move, annotate and read adoptions (collected into the one table by
``store.rules``).

The table says which *roles* may take part at all; where a user stands to one adoption (publisher,
adopter, requester, province) is decided here by :func:`sides_of`, and which side takes which step
is the life-cycle table's business (``lifecycle.TRANSITIONS``). The region rules:

- city staff act for their own region and for the districts under it, on both sides;
- a request is for the requester's own region or one of its districts (``region`` defaults to
  the requester's own);
- nobody adopts an app of their own city: not the publishing region itself, not a district of
  the publishing city, and not the city of a publishing district. Reuse means across cities
  (the reuse rate counts adoptions outside an app's home city), so sibling districts of one city
  are refused too;
- provincial staff see every adoption and add notes, but never act for a region.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.db import models as m
from store.lib.i18n import _
from store.lib.policy import CITY, PROVINCIAL, Rule, can

from .lifecycle import Side

RULES: dict[str, Rule] = {
    "adoptions.request": Rule(CITY),
    # Which step a city user may take depends on their side (lifecycle.TRANSITIONS).
    "adoptions.act": Rule(CITY),
    # City staff only on a side of the adoption (checked with sides_of); provincial staff anywhere.
    "adoptions.note": Rule(PROVINCIAL | CITY),
    # Contact details, purpose, environment and the timeline's comments.
    "adoptions.read_private": Rule(PROVINCIAL | CITY),
}


@dataclass(frozen=True)
class Place:
    """A region as these rules need it: its code, level and parent."""

    code: str
    level: str
    parent_code: str | None = None

    @classmethod
    def of(cls, region: m.Region) -> Place:
        return cls(region.code, region.level, region.parent_code)

    @property
    def home_city(self) -> str | None:
        """The city this region belongs to (itself for a city); None for the province."""
        if self.level == m.RegionLevel.CITY:
            return self.code
        if self.level == m.RegionLevel.DISTRICT:
            return self.parent_code
        return None


def acts_for(user_region: str, place: Place) -> bool:
    """City staff act for their own region and the districts under it."""
    return user_region in (place.code, place.parent_code)


def sides_of(
    user: m.User | None, *, publisher: Place, adopter: Place, requested_by_id: int | None
) -> frozenset[Side]:
    """Where ``user`` stands to an adoption of an app published by ``publisher``."""
    if user is None or not user.is_active:
        return frozenset()
    if user.role in m.PROVINCIAL_ROLES:
        return frozenset({Side.PROVINCE})
    if not can(user, "adoptions.act"):
        return frozenset()
    sides = set()
    if acts_for(user.region_code, publisher):
        sides.add(Side.PUBLISHER)
    if acts_for(user.region_code, adopter):
        sides.add(Side.ADOPTER)
    if requested_by_id is not None and user.id == requested_by_id:
        sides.add(Side.REQUESTER)
    return frozenset(sides)


def request_refusal(user_region: str, adopter: Place, publisher: Place) -> str | None:
    """Why a city user of ``user_region`` may not request ``publisher``'s app for ``adopter``
    (a message id), or None when the request is allowed. Roles are checked by the policy first."""
    if not acts_for(user_region, adopter) or adopter.home_city is None:
        return _("You may request an adoption only for your own region or one of its districts.")
    if adopter.home_city == publisher.home_city:
        return _("A region cannot adopt an app published by its own city or its districts.")
    return None


def may_note(sides: frozenset[Side]) -> bool:
    """Notes come from provincial staff or from someone on a side of the adoption."""
    return bool(sides)


def may_read_private(user: m.User | None, sides: frozenset[Side]) -> bool:
    """The contact, purpose, environment and comments are for the two sides and the province."""
    return bool(sides) and can(user, "adoptions.read_private")
