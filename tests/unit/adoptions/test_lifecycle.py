"""The adoption life cycle and its permissions, without a database: every (from status × to
status × who × own/other region) is checked against an expectation written out here, apart from
the code's own table."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from store.adoptions import lifecycle, rules
from store.adoptions.lifecycle import Side
from store.adoptions.rules import Place
from store.db import models as m
from store.db.models._adoption import AdoptionStatus as S
from store.lib import i18n
from store.lib.errors import Conflict, Forbidden, ValidationFailed

# The app is Shenzhen's; the adopter is Meizhou (粤北) or its district Meijiang.
SHENZHEN = Place("440300", m.RegionLevel.CITY, "440000")
NANSHAN = Place("440305", m.RegionLevel.DISTRICT, "440300")
MEIZHOU = Place("441400", m.RegionLevel.CITY, "440000")
MEIJIANG = Place("441402", m.RegionLevel.DISTRICT, "441400")
GUANGZHOU = Place("440100", m.RegionLevel.CITY, "440000")
PROVINCE = Place("440000", m.RegionLevel.PROVINCE, None)
REQUESTER_ID = 7

# (from, to) -> the one side that may take the step, and whether it needs a comment.
EXPECTED_STEPS: dict[tuple[str, str], tuple[str, bool]] = {
    (S.REQUESTED, S.APPROVED): ("publisher", False),
    (S.REQUESTED, S.DECLINED): ("publisher", True),
    (S.REQUESTED, S.WITHDRAWN): ("requester", False),
    (S.APPROVED, S.DEPLOYING): ("adopter", False),
    (S.APPROVED, S.RETIRED): ("adopter", True),
    (S.DEPLOYING, S.LIVE): ("adopter", False),
    (S.DEPLOYING, S.RETIRED): ("adopter", True),
    (S.LIVE, S.RETIRED): ("adopter", False),
}


@pytest.fixture
def english() -> Iterator[None]:
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


def user(role: str, region: str, user_id: int = 1, *, active: bool = True) -> m.User:
    return m.User(id=user_id, username=f"u{user_id}", role=role, region_code=region, is_active=active)


@dataclass(frozen=True)
class Who:
    name: str
    user: m.User | None
    adopter: Place
    sides: frozenset[str]  # where this user stands, written out by hand


CITY = m.Role.CITY_STAFF
WHO = [
    # The adopter is a city.
    Who("publisher staff", user(CITY, "440300"), MEIZHOU, frozenset({"publisher"})),
    Who("adopter staff", user(CITY, "441400"), MEIZHOU, frozenset({"adopter"})),
    Who("the requester", user(CITY, "441400", REQUESTER_ID), MEIZHOU, frozenset({"adopter", "requester"})),
    Who("other city's staff", user(CITY, "440100"), MEIZHOU, frozenset()),
    Who("a district of the publisher", user(CITY, "440305"), MEIZHOU, frozenset()),
    Who("a district of the adopter", user(CITY, "441402"), MEIZHOU, frozenset()),
    Who("reviewer", user(m.Role.PROVINCE_REVIEWER, "440000"), MEIZHOU, frozenset({"province"})),
    Who("admin", user(m.Role.PROVINCE_ADMIN, "440000"), MEIZHOU, frozenset({"province"})),
    Who("deactivated publisher staff", user(CITY, "440300", active=False), MEIZHOU, frozenset()),
    Who("anonymous", None, MEIZHOU, frozenset()),
    # The adopter is a district: its own staff and its city's staff act for it.
    Who("district adopter staff", user(CITY, "441402"), MEIJIANG, frozenset({"adopter"})),
    Who("its city's staff", user(CITY, "441400"), MEIJIANG, frozenset({"adopter"})),
    Who("a sibling district", user(CITY, "441403"), MEIJIANG, frozenset()),
    Who("publisher staff (district adopter)", user(CITY, "440300"), MEIJIANG, frozenset({"publisher"})),
]


def test_the_hand_written_sides_match_sides_of() -> None:
    for who in WHO:
        found = rules.sides_of(
            who.user, publisher=SHENZHEN, adopter=who.adopter, requested_by_id=REQUESTER_ID
        )
        assert found == who.sides, who.name


@pytest.mark.parametrize(
    ("source", "to", "who"),
    list(itertools.product(S, S, WHO)),
    ids=lambda value: value.name if isinstance(value, Who) else str(value),
)
def test_every_step_for_everyone(source: str, to: str, who: Who) -> None:
    sides = rules.sides_of(who.user, publisher=SHENZHEN, adopter=who.adopter, requested_by_id=REQUESTER_ID)
    expected = EXPECTED_STEPS.get((source, to))
    if expected is None:
        with pytest.raises(Conflict):
            lifecycle.check(source, to, sides, "a comment")
        return
    side, needs_comment = expected
    if side not in who.sides:
        with pytest.raises(Forbidden):
            lifecycle.check(source, to, sides, "a comment")
        return
    assert lifecycle.check(source, to, sides, "a comment").side == side
    if needs_comment:
        with pytest.raises(ValidationFailed):
            lifecycle.check(source, to, sides, "   ")
    else:
        assert lifecycle.check(source, to, sides, "").side == side


@pytest.mark.parametrize("status", list(S))
def test_allowed_from_here_per_side(status: str) -> None:
    for side in Side:
        expected = [
            to for (source, to), (who, _c) in EXPECTED_STEPS.items() if source == status and who == side
        ]
        assert lifecycle.allowed_for(status, {side}) == expected


def test_the_table_keeps_its_shape() -> None:
    assert {
        (a, b): (s.side.value, s.needs_comment) for (a, b), s in lifecycle.TRANSITIONS.items()
    } == EXPECTED_STEPS
    assert {S.DECLINED, S.WITHDRAWN, S.RETIRED} == lifecycle.CLOSED
    assert all(to != lifecycle.INITIAL for _source, to in lifecycle.TRANSITIONS)
    assert all(source not in lifecycle.CLOSED for source, _to in lifecycle.TRANSITIONS)
    assert [key for key, s in lifecycle.TRANSITIONS.items() if s.takes_go_live] == [(S.DEPLOYING, S.LIVE)]
    assert not any(s.side == Side.PROVINCE for s in lifecycle.TRANSITIONS.values())


def test_an_unknown_target_is_a_validation_error(english: None) -> None:
    with pytest.raises(ValidationFailed) as raised:
        lifecycle.check(S.REQUESTED, "finished", {Side.PUBLISHER})
    assert raised.value.details == [
        {
            "field": "to",
            "message": "Choose one of: requested, approved, declined, withdrawn, deploying, live, retired.",
        }
    ]


def test_a_wrong_state_says_what_the_adoption_can_become(english: None) -> None:
    with pytest.raises(Conflict) as raised:
        lifecycle.check(S.REQUESTED, S.LIVE, {Side.ADOPTER})
    assert raised.value.translated() == (
        "This adoption is Requested; from here it can only become: Approved, Declined, Withdrawn."
    )
    with pytest.raises(Conflict) as closed:
        lifecycle.check(S.DECLINED, S.APPROVED, {Side.PUBLISHER})
    assert closed.value.translated() == "This adoption is Declined; its status cannot change any more."


def test_a_wrong_side_says_who_may_and_what_you_may_do(english: None) -> None:
    with pytest.raises(Forbidden) as raised:
        lifecycle.check(S.REQUESTED, S.APPROVED, {Side.ADOPTER, Side.REQUESTER})
    assert raised.value.translated() == (
        "Only the publishing region can do this. From here you may move it to: Withdrawn."
    )
    with pytest.raises(Forbidden) as province:
        lifecycle.check(S.DEPLOYING, S.LIVE, {Side.PROVINCE})
    assert province.value.translated() == (
        "Only the adopting region can do this; you cannot change this adoption's status now."
    )


@pytest.mark.parametrize(
    ("user_region", "adopter", "publisher", "allowed"),
    [
        ("441400", MEIZHOU, SHENZHEN, True),  # a city for itself
        ("441400", MEIJIANG, SHENZHEN, True),  # a city for its district
        ("441402", MEIJIANG, SHENZHEN, True),  # a district for itself
        ("441402", MEIZHOU, SHENZHEN, False),  # a district not for its city
        ("440100", MEIZHOU, SHENZHEN, False),  # not for another city
        ("440100", MEIJIANG, SHENZHEN, False),  # nor for another city's district
        ("440300", SHENZHEN, SHENZHEN, False),  # not its own app
        ("440300", NANSHAN, SHENZHEN, False),  # a district not its own city's app
        ("440305", NANSHAN, SHENZHEN, False),  # (asked by the district itself)
        ("441400", MEIZHOU, NANSHAN, True),  # a district's app, adopted by another city
        ("440300", SHENZHEN, NANSHAN, False),  # a city not its own district's app
        ("440300", Place("440306", m.RegionLevel.DISTRICT, "440300"), NANSHAN, False),  # nor a sibling's
        ("440000", PROVINCE, SHENZHEN, False),  # the province adopts nothing itself
    ],
)
def test_who_may_request_for_whom(user_region: str, adopter: Place, publisher: Place, allowed: bool) -> None:
    assert (rules.request_refusal(user_region, adopter, publisher) is None) is allowed


def test_only_city_staff_may_request_and_only_sides_and_province_read_private() -> None:
    from store.lib import policy

    assert policy.can(user(CITY, "441400"), "adoptions.request")
    assert not policy.can(user(m.Role.PROVINCE_ADMIN, "440000"), "adoptions.request")
    assert not policy.can(user(m.Role.PROVINCE_REVIEWER, "440000"), "adoptions.act")
    staff = user(CITY, "440100")
    assert not rules.may_read_private(staff, frozenset())
    assert rules.may_read_private(staff, frozenset({Side.ADOPTER}))
    assert rules.may_read_private(user(m.Role.PROVINCE_REVIEWER, "440000"), frozenset({Side.PROVINCE}))
    assert rules.may_note(frozenset({Side.PROVINCE}))
    assert not rules.may_note(frozenset())


def test_one_open_adoption_per_app_and_region() -> None:
    assert lifecycle.may_request([])
    assert lifecycle.may_request([S.DECLINED, S.WITHDRAWN, S.RETIRED])
    for status in (S.REQUESTED, S.APPROVED, S.DEPLOYING, S.LIVE):
        assert not lifecycle.may_request([S.RETIRED, status])


def test_replay_follows_the_table_or_refuses() -> None:
    assert lifecycle.replay([]) == S.REQUESTED
    path = [(S.REQUESTED, S.APPROVED), (S.APPROVED, S.DEPLOYING), (S.DEPLOYING, S.LIVE), (S.LIVE, S.RETIRED)]
    assert lifecycle.replay(path) == S.RETIRED
    with pytest.raises(ValueError, match="transition 2"):
        lifecycle.replay([(S.REQUESTED, S.APPROVED), (S.REQUESTED, S.DECLINED)])
    with pytest.raises(ValueError, match="transition 1"):
        lifecycle.replay([(S.REQUESTED, S.LIVE)])
