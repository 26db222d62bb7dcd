"""parse_filters: presets relative to an injected today, custom ranges, every bad parameter
reported at once, and the filters going back into links and answers."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl

import pytest

from store.lib.errors import ValidationFailed
from store.stats.filters import StatsFilters, from_query, parse_filters

TODAY = date(2026, 5, 15)


def parse(today: date = TODAY, **given: str | None) -> StatsFilters:
    values: dict[str, Any] = dict.fromkeys(
        ("from_", "to", "period", "category", "kind", "zone", "publisher"), None
    )
    values.update(given)
    return parse_filters(**values, today=today)


def refused(**given: str | None) -> list[str]:
    with pytest.raises(ValidationFailed) as error:
        parse(**given)
    details = error.value.details
    assert isinstance(details, list)
    return [detail["field"] for detail in details]


def test_nothing_given_is_all_time_without_filters() -> None:
    assert parse() == StatsFilters(start=None, end=None, preset="all")
    assert parse(period="  ", category="", publisher=" ") == StatsFilters()


@pytest.mark.parametrize(
    ("period", "today", "start", "end"),
    [
        ("all", TODAY, None, None),
        ("this_year", TODAY, date(2026, 1, 1), TODAY),
        ("this_year", date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1)),
        ("last_12_months", TODAY, date(2025, 6, 1), TODAY),  # this month and the 11 before
        ("last_12_months", date(2026, 12, 31), date(2026, 1, 1), date(2026, 12, 31)),
        ("last_12_months", date(2026, 1, 31), date(2025, 2, 1), date(2026, 1, 31)),
    ],
)
def test_presets_are_relative_to_today(
    period: str, today: date, start: date | None, end: date | None
) -> None:
    f = parse(today, period=period)
    assert (f.preset, f.start, f.end) == (period, start, end)


def test_dates_make_a_custom_period() -> None:
    f = parse(from_="2025-06-01", to="2025-12-31", category="services", kind="component", zone="core")
    assert f == StatsFilters(
        start=date(2025, 6, 1),
        end=date(2025, 12, 31),
        preset="custom",
        category="services",
        kind="component",
        zone="core",
    )
    assert parse(from_="2025-06-01", period="custom") == StatsFilters(start=date(2025, 6, 1), preset="custom")
    assert parse(to="2025-06-01").start is None
    assert parse(from_="2026-05-15", to="2026-05-15").start == TODAY  # one day


def test_every_bad_parameter_is_reported_at_once() -> None:
    fields = refused(
        from_="2026-13-01",
        to="1999-12-31",
        period="weekly",
        category="health",
        kind="app",
        zone="south",
        publisher="440305",  # a district, not a city
    )
    assert sorted(fields) == ["category", "from", "kind", "period", "publisher", "to", "zone"]


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        ({"from_": "2026/01/01"}, ["from"]),
        ({"from_": "2026-1-1"}, ["from"]),
        ({"to": "x" * 5000}, ["to"]),
        ({"to": "2027-05-16"}, ["to"]),  # more than a year after today
        ({"from_": "1999-12-31"}, ["from"]),
        ({"from_": "2026-02-01", "to": "2026-01-31"}, ["from"]),  # start after end
        ({"from_": "2026-01-01", "period": "this_year"}, ["period"]),  # a preset and dates
        ({"period": "custom"}, ["from"]),  # custom without a date
        ({"publisher": "999999"}, ["publisher"]),
        ({"publisher": "440000"}, ["publisher"]),  # the province is not a city
    ],
)
def test_refusals(given: dict[str, str], fields: list[str]) -> None:
    assert refused(**given) == fields


def test_the_limits_are_inclusive() -> None:
    assert parse(from_="2000-01-01", to="2027-05-15").end == date(2027, 5, 15)


def test_a_long_value_is_not_echoed_whole() -> None:
    with pytest.raises(ValidationFailed) as error:
        parse(category="x" * 5000)
    details = error.value.details
    assert isinstance(details, list) and len(details[0]["message"]) < 300


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"period": "this_year", "category": "services"},
        {"period": "last_12_months", "zone": "north", "publisher": "441400"},
        {"from": "2025-06-01", "to": "2025-12-31", "kind": "capability"},
        {"from": "2025-06-01"},
    ],
)
def test_the_query_string_asks_for_the_same_filters(query: dict[str, str]) -> None:
    f = from_query(query, today=TODAY)
    assert dict(parse_qsl(f.query_string())) == query
    assert from_query(dict(parse_qsl(f.query_string())), today=TODAY) == f


def test_as_dict_names_the_period_and_filters() -> None:
    f = parse(period="this_year", publisher="440300")
    assert f.as_dict() == {
        "from": "2026-01-01",
        "to": "2026-05-15",
        "preset": "this_year",
        "category": None,
        "kind": None,
        "zone": None,
        "publisher": "440300",
    }
