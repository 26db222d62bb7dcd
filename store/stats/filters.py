"""What a statistics request asks for: a period and filters on the apps considered.

The period is a preset (all time, this year, the last 12 months) or a custom range of days; days
are days on the users' clock, China Standard Time. Filters restrict the *apps* every figure looks
at: their category, their kind, the zone of the city that publishes them, and that city (its
districts included). :func:`parse_filters` checks every parameter and reports every bad one at
once; the same :class:`StatsFilters` goes back into links (:meth:`StatsFilters.query_string`) and
into answers and exported files (:meth:`StatsFilters.as_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from store.db import models as m
from store.lib.errors import ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.templating import CHINA_TIME
from store.regions.data import CITIES

PRESETS = ("all", "this_year", "last_12_months", "custom")
CITY_CODES = frozenset(city.code for city in CITIES)
EARLIEST = date(2000, 1, 1)  # no figure starts earlier
MAX_ECHO = 40  # characters of a refused value repeated in the error message
CHOICES: dict[str, tuple[str, ...]] = {
    "period": PRESETS,
    "category": tuple(m.Category),
    "kind": tuple(m.AppKind),
    "zone": tuple(m.Zone),
}


def local_today() -> date:
    """Today on the users' clock (China Standard Time), the ``today`` callers pass in."""
    return datetime.now(CHINA_TIME).date()


@dataclass(frozen=True)
class StatsFilters:
    """A period (inclusive days; ``None`` = open on that side) and the app filters."""

    start: date | None = None  # inclusive; None = from the beginning
    end: date | None = None  # inclusive; None = up to today
    preset: str = "all"  # one of PRESETS (custom when from/to given)
    category: str | None = None  # m.Category value
    kind: str | None = None  # m.AppKind value
    zone: str | None = None  # m.Zone value: the publishing city's zone
    publisher: str | None = None  # a city code; its districts' apps count with it

    def as_dict(self) -> dict[str, str | None]:
        """The period and filters as plain values, for answers and exported files."""
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "preset": self.preset,
            "category": self.category,
            "kind": self.kind,
            "zone": self.zone,
            "publisher": self.publisher,
        }

    def query_string(self) -> str:
        """The query parameters that ask for these filters again (no leading ``?``); a preset is
        sent by name, so a link to "this year" stays "this year" next year."""
        params: dict[str, str] = {}
        if self.preset == "custom":
            if self.start:
                params["from"] = self.start.isoformat()
            if self.end:
                params["to"] = self.end.isoformat()
        elif self.preset != "all":
            params["period"] = self.preset
        for name in ("category", "kind", "zone", "publisher"):
            value = getattr(self, name)
            if value:
                params[name] = value
        return urlencode(params)


def _echo(value: str) -> str:
    return value if len(value) <= MAX_ECHO else value[:MAX_ECHO] + "…"


def _months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def preset_range(preset: str, today: date) -> tuple[date | None, date | None]:
    """The days a named preset covers, relative to ``today``: this year is 1 January to today;
    the last 12 months are the current month and the 11 before it (whole months, so a monthly
    trend has 12 points)."""
    if preset == "this_year":
        return date(today.year, 1, 1), today
    if preset == "last_12_months":
        return _months_back(today, 11), today
    return None, None


def parse_filters(
    *,
    from_: str | None,
    to: str | None,
    period: str | None,
    category: str | None,
    kind: str | None,
    zone: str | None,
    publisher: str | None,
    today: date,
) -> StatsFilters:
    """The filters a request asked for; blank values mean "not given".

    Dates are ``YYYY-MM-DD`` from 2000-01-01 to a year after ``today``; ``from`` may not be after
    ``to``. Giving a date makes the period custom; naming another preset as well is refused.

    Raises:
        ValidationFailed: listing every bad parameter (``from``, ``to``, ``period``, ``category``,
            ``kind``, ``zone``, ``publisher``) at once.
    """
    raw: dict[str, str | None] = {
        "from": from_,
        "to": to,
        "period": period,
        "category": category,
        "kind": kind,
        "zone": zone,
        "publisher": publisher,
    }
    values = {name: (value or "").strip() or None for name, value in raw.items()}
    errors: list[dict[str, str]] = []
    for name, allowed in CHOICES.items():
        value = values[name]
        if value is not None and value not in allowed:
            errors.append(
                field_error(
                    name,
                    _("Unknown value for %(parameter)s: %(value)s. Use one of: %(allowed)s."),
                    parameter=name,
                    value=_echo(value),
                    allowed=", ".join(allowed),
                )
            )
            values[name] = None
    city = values["publisher"]
    if city is not None and city not in CITY_CODES:
        errors.append(field_error("publisher", _("Choose one of the 21 prefecture-level cities.")))
    latest = _add_year(today)
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        days[name] = None
        value = values[name]
        if value is None:
            continue
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            errors.append(field_error(name, _("Enter a date as YYYY-MM-DD.")))
        elif not EARLIEST <= day <= latest:
            errors.append(
                field_error(
                    name,
                    _("Choose a date from %(earliest)s to %(latest)s."),
                    earliest=EARLIEST.isoformat(),
                    latest=latest.isoformat(),
                )
            )
        else:
            days[name] = day
    start, end = days["from"], days["to"]
    if start and end and start > end:
        errors.append(field_error("from", _("The start date must not be after the end date.")))
    preset = values["period"]
    dated = values["from"] is not None or values["to"] is not None
    if dated and preset not in (None, "custom"):
        errors.append(field_error("period", _("Choose a period or give dates, not both.")))
    if preset == "custom" and not dated:
        errors.append(field_error("from", _("Give a start or an end date for a custom period.")))
    if errors:
        raise ValidationFailed(details=errors)
    if dated:
        preset = "custom"
    else:
        preset = preset or "all"
        start, end = preset_range(preset, today)
    return StatsFilters(
        start=start,
        end=end,
        preset=preset,
        category=values["category"],
        kind=values["kind"],
        zone=values["zone"],
        publisher=city,
    )


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day + timedelta(days=365)


def from_query(params: Any, *, today: date) -> StatsFilters:
    """:func:`parse_filters` on a mapping of query parameters (``from``, ``to``, ``period``, …)."""
    return parse_filters(
        from_=params.get("from"),
        to=params.get("to"),
        period=params.get("period"),
        category=params.get("category"),
        kind=params.get("kind"),
        zone=params.get("zone"),
        publisher=params.get("publisher"),
        today=today,
    )
