"""The policy table, checked for every action × role × own/other region without a database.

The table is the one the app and the CLI install: every feature's rules, collected by
``store.rules`` (no web app is started).
"""

from __future__ import annotations

import itertools

import pytest

from store.db import models as m
from store.lib import policy
from store.lib.errors import Forbidden, Unauthorized
from store.rules import collect_rules, install

install()

OWN, OTHER = "440300", "440100"

# action -> the roles allowed; region-scoped actions allow city staff only on their own region.
ALLOWED = {
    "adoptions.request": {"city_staff"},
    "adoptions.act": {"city_staff"},
    "adoptions.note": {"province_admin", "province_reviewer", "city_staff"},
    "adoptions.read_private": {"province_admin", "province_reviewer", "city_staff"},
    "regions.manage": {"province_admin"},
    "users.manage": {"province_admin"},
    "tokens.manage": {"province_admin", "province_reviewer", "city_staff"},
    "apps.create": {"city_staff"},
    "apps.edit": {"city_staff"},
    "apps.submit": {"city_staff"},
    "apps.deprecate": {"city_staff"},
    "versions.publish": {"city_staff"},
    "apps.review": {"province_admin", "province_reviewer"},
    "apps.read_unpublished": {"province_admin", "province_reviewer", "city_staff"},
    "apps.read_history": {"province_admin", "province_reviewer", "city_staff"},
    "stats.read": {"province_admin", "province_reviewer"},
    "stats.read_own_city": {"city_staff"},
}
REGION_SCOPED = {
    "apps.create",
    "apps.edit",
    "apps.submit",
    "apps.deprecate",
    "versions.publish",
    "apps.read_unpublished",
    "apps.read_history",
}


def _user(role: str, active: bool = True) -> m.User:
    region = OWN if role == "city_staff" else "440000"
    return m.User(id=1, username=role, role=role, region_code=region, is_active=active, password_hash="x")


def test_every_rule_is_covered_by_this_test() -> None:
    assert set(ALLOWED) == set(collect_rules()) == set(policy.RULES)


@pytest.mark.parametrize(
    ("action", "role", "target"),
    list(itertools.product(ALLOWED, [r.value for r in m.Role], ["own", "other"])),
)
def test_policy_matrix(action: str, role: str, target: str) -> None:
    region = OWN if target == "own" else OTHER
    expected = role in ALLOWED[action]
    if expected and action in REGION_SCOPED and role == "city_staff" and target == "other":
        expected = False
    assert policy.can(_user(role), action, region) is expected


@pytest.mark.parametrize("action", list(ALLOWED))
def test_anonymous_gets_401_and_disabled_users_nothing(action: str) -> None:
    with pytest.raises(Unauthorized):
        policy.authorize(None, action, OWN)
    for role in m.Role:
        assert policy.can(_user(role.value, active=False), action, OWN) is False


def test_forbidden_is_raised_for_the_wrong_region() -> None:
    with pytest.raises(Forbidden):
        policy.authorize(_user("city_staff"), "apps.edit", OTHER)
    policy.authorize(_user("city_staff"), "apps.edit", OWN)


def _sql(condition: object) -> str:
    return str(condition.compile(compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("action", "role", "target"),
    list(itertools.product(ALLOWED, [r.value for r in m.Role], ["own", "other"])),
)
def test_the_sql_form_of_a_rule_says_what_the_check_says(action: str, role: str, target: str) -> None:
    """Lists filter with ``reach(...).where``; it must admit exactly the regions ``can`` admits."""
    region = OWN if target == "own" else OTHER
    reach = policy.reach(_user(role), action)
    sql = _sql(reach.where(m.App.region_code))
    assert reach.covers(region) is policy.can(_user(role), action, region)
    if not reach.allowed:
        assert sql == "false"
    elif reach.region_code is None:
        assert sql == "true"
    else:
        assert sql == f"apps.region_code = '{reach.region_code}'"
        assert reach.covers(region) is (region == reach.region_code)
    assert _sql(policy.reach(None, action).where(m.App.region_code)) == "false"
