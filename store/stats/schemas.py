"""API shapes of the statistics answers (what the OpenAPI schema shows and every JSON answer is
converted to). Each answer carries the figure, the ``period`` and ``filters`` it was computed
for, and ``as_of``: when the figures were computed (a cached answer says how old it is)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class PeriodOut(msgspec.Struct):
    start: str | None = msgspec.field(name="from")  # first day (inclusive); null: from the beginning
    end: str | None = msgspec.field(name="to")  # last day (inclusive); null: up to today
    preset: str  # all, this_year, last_12_months or custom


class FiltersOut(msgspec.Struct):
    category: str | None
    kind: str | None
    zone: str | None  # the zone of the publishing city
    publisher: str | None  # the publishing city's code (its districts included)


class _Answer(msgspec.Struct, kw_only=True):
    period: PeriodOut
    filters: FiltersOut
    as_of: datetime


class SummaryOut(_Answer, kw_only=True):
    published_apps: int
    versions: int
    adoptions_by_state: dict[str, int]  # every state, zeros included
    live_adoptions: int
    live_confirmed: int
    apps_with_live_adoption: int
    reuse_rate: float  # 0–1: published apps live outside their home city ÷ published apps
    saving_wan_total: str  # 万元, two decimals
    regions_with_live_adoption: int  # cities (districts rolled up), 0–21
    yuedongxibei_cities_with_live: int  # 0–12
    yuedongxibei_share_of_live: float  # 0–1


class RegionRowOut(msgspec.Struct):
    code: str
    name: str
    name_en: str
    zone: str
    is_east_west_north: bool
    published: int
    adoptions_made: int
    adoptions_received: int
    live_made: int
    live_received: int


class RegionsOut(_Answer, kw_only=True):
    regions: list[RegionRowOut]  # all 21 cities in code order; city staff: their own city only


class ZoneRowOut(msgspec.Struct):
    zone: str
    cities: int
    published: int
    adoptions_made: int
    adoptions_received: int
    live_made: int
    live_received: int


class ZonesOut(_Answer, kw_only=True):
    zones: list[ZoneRowOut]


class CityRefOut(msgspec.Struct):
    code: str
    name: str
    name_en: str


class MatrixOut(_Answer, kw_only=True):
    cities: list[CityRefOut]  # the 21 cities: the rows (publishers) and the columns (adopters)
    live: list[list[int]]  # live[publisher][adopter]


class MonthRowOut(msgspec.Struct):
    month: str  # YYYY-MM
    published: int
    requests: int
    go_lives: int


class TrendOut(_Answer, kw_only=True):
    months: list[MonthRowOut]  # every month of the period, zeros included


class TopAppOut(msgspec.Struct):
    slug: str
    name: str
    region_code: str
    region_name: str
    live: int
    adopters: list[str]


class AppRefOut(msgspec.Struct):
    slug: str
    name: str
    region_code: str
    region_name: str
    published_at: datetime | None


class AppsOut(_Answer, kw_only=True):
    top: list[TopAppOut]  # most live adoptions first
    unadopted: list[AppRefOut]  # published apps with no adoption yet, waiting longest first


class DurationsOut(msgspec.Struct):
    count: int
    median_days: int | None
    p90_days: int | None


class CategoryDurationsOut(DurationsOut, kw_only=True):
    category: str


class TimeToLiveOut(_Answer, kw_only=True):
    overall: DurationsOut
    by_category: list[CategoryDurationsOut]


ANSWERS: dict[str, type[_Answer]] = {
    "summary": SummaryOut,
    "regions": RegionsOut,
    "zones": ZonesOut,
    "matrix": MatrixOut,
    "trend": TrendOut,
    "apps": AppsOut,
    "time-to-live": TimeToLiveOut,
}
