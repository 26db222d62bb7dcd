"""The statistics API on SQLite and PostgreSQL: who reads what (anonymous, city staff of a city
and of a district, provincial reviewer and admin × the seven figures × JSON and CSV, status codes
and content), the answers against the known scenario, the OpenAPI schema, and bad parameters
(every one named at once, nothing answered with a 500).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from store.stats import schemas as s
from store.stats.filters import StatsFilters
from store.stats.rules import FIGURES
from store.stats.services import StatsService
from tests.factories import auth_headers, make_user

from .scenario import build

API = "/api/v1/stats"
# The scenario's figures, all adoptions requested and gone live between these days.
SPAN = {"from": "2025-01-01", "to": "2026-05-15"}
WHO = ("anonymous", "city", "district", "reviewer", "admin")
ROWS_OF = {"regions": "regions", "zones": "zones", "trend": "months"}


@pytest.fixture
async def world(db: AsyncSession) -> dict[str, dict[str, str]]:
    """The scenario, and a signed-in header for each kind of reader: staff of 深圳 (440300) and of
    its district 南山区 (440305), a provincial reviewer and admin."""
    await build(db)
    users = {
        "city": await make_user(db, "city_staff", "440300", username="sz_stats"),
        "district": await make_user(db, "city_staff", "440305", username="ns_stats"),
        "reviewer": await make_user(db, "province_reviewer", None, username="prov_stats_rev"),
        "admin": await make_user(db, "province_admin", None, username="prov_stats_admin"),
    }
    headers = {who: await auth_headers(db, user) for who, user in users.items()}
    headers["anonymous"] = {}
    return headers


def expected_status(who: str, figure: str) -> int:
    if figure == "summary" or who in ("reviewer", "admin"):
        return 200
    if who == "anonymous":
        return 401
    return 200 if figure == "regions" else 403


def csv_rows(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def table_of(rows: list[list[str]]) -> list[list[str]]:
    """The data rows of a one-table CSV export: everything after the header row."""
    blank = rows.index([])
    return rows[blank + 2 :]


@pytest.mark.parametrize("figure", FIGURES)
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("format_", ["json", "csv"])
async def test_access_matrix(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]], who: str, figure: str, format_: str
) -> None:
    response = await client.get(f"{API}/{figure}", params={**SPAN, "format": format_}, headers=world[who])
    status = expected_status(who, figure)
    assert response.status_code == status, response.text
    if status != 200:
        error = response.json()["error"]
        assert error["code"] == ("unauthorized" if status == 401 else "forbidden")
        assert "live" not in response.text and "440100" not in response.text  # no figures leak
        return
    city_only = figure == "regions" and who in ("city", "district")
    if format_ == "json":
        body = response.json()
        assert body["period"] == {"from": "2025-01-01", "to": "2026-05-15", "preset": "custom"}
        if figure == "regions":
            codes = [row["code"] for row in body["regions"]]
            # A district's staff see the row of the city their district lies in.
            assert codes == (["440300"] if city_only else codes) and len(codes) == (1 if city_only else 21)
    else:
        assert response.headers["content-type"].startswith("text/csv")
        if figure == "regions":
            data = table_of(csv_rows(response))
            assert len(data) == (1 if city_only else 21)
            if city_only:
                assert data[0][:2] == ["440300", "深圳"]


async def test_a_city_sees_its_own_row_with_the_same_figures_the_province_sees(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    own = (await client.get(f"{API}/regions", params=SPAN, headers=world["district"])).json()["regions"]
    every = (await client.get(f"{API}/regions", params=SPAN, headers=world["admin"])).json()["regions"]
    shenzhen = next(row for row in every if row["code"] == "440300")
    assert own == [shenzhen]
    # 深圳 with 南山区: sz-grid and ns-permit published; 南山区's and 深圳's requests; eight
    # requests and four live adoptions of their apps; 深圳 runs gz-portal live.
    assert shenzhen == {
        "code": "440300",
        "name": "深圳",
        "name_en": "Shenzhen",
        "zone": "core",
        "is_east_west_north": False,
        "published": 2,
        "adoptions_made": 2,
        "adoptions_received": 8,
        "live_made": 1,
        "live_received": 4,
    }


async def test_the_summary_is_public_and_answers_every_field(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    response = await client.get(f"{API}/summary", params={**SPAN, "category": "governance"})
    assert response.status_code == 200
    body = response.json()
    for field in (
        "published_apps",
        "versions",
        "adoptions_by_state",
        "live_adoptions",
        "live_confirmed",
        "apps_with_live_adoption",
        "reuse_rate",
        "saving_wan_total",
        "regions_with_live_adoption",
        "yuedongxibei_cities_with_live",
        "yuedongxibei_share_of_live",
        "period",
        "filters",
        "as_of",
    ):
        assert field in body
    assert set(body["adoptions_by_state"]) == {
        "requested", "approved", "declined", "withdrawn", "deploying", "live", "retired"
    }  # fmt: skip
    assert body["filters"] == {"category": "governance", "kind": None, "zone": None, "publisher": None}
    # governance: sz-grid (published 2025-03) and its live adoptions by 梅州, 梅江区 and 广州.
    assert body["published_apps"] == 1
    assert body["live_adoptions"] == 3
    assert body["saving_wan_total"] == "150.50"
    assert 0 <= body["reuse_rate"] <= 1 and 0 <= body["yuedongxibei_share_of_live"] <= 1
    expected = await StatsService(db).get_summary(
        StatsFilters(start=date(2025, 1, 1), end=date(2026, 5, 15), preset="custom", category="governance")
    )
    assert {k: v for k, v in body.items() if k not in ("period", "filters", "as_of")} == expected.as_dict()


@pytest.mark.parametrize("figure", FIGURES)
async def test_every_answer_matches_its_schema_and_says_when_it_was_computed(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]], figure: str
) -> None:
    response = await client.get(f"{API}/{figure}", headers=world["reviewer"])
    assert response.status_code == 200, response.text
    body = response.json()
    answer = msgspec.convert(body, s.ANSWERS[figure])
    assert answer.as_of.tzinfo is not None
    assert body["period"] == {"from": None, "to": None, "preset": "all"}


async def test_matrix_trend_apps_and_time_to_live_answer_the_scenario(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    async def get(figure: str, **params: str) -> httpx.Response:
        return await client.get(f"{API}/{figure}", params={**SPAN, **params}, headers=world["admin"])

    matrix = (await get("matrix")).json()
    codes = [city["code"] for city in matrix["cities"]]
    assert len(codes) == 21 and len(matrix["live"]) == 21 and all(len(row) == 21 for row in matrix["live"])
    assert matrix["live"][codes.index("440300")][codes.index("441400")] == 2  # 梅州 and 梅江区 run sz-grid
    months = (await get("trend")).json()["months"]
    assert months[0]["month"] == "2025-01" and months[-1]["month"] == "2026-05" and len(months) == 17
    assert sum(row["go_lives"] for row in months) == 6
    apps = (await get("apps", limit="1")).json()
    assert [app["slug"] for app in apps["top"]] == ["sz-grid"] and len(apps["unadopted"]) <= 1
    ttl = (await get("time-to-live")).json()
    assert ttl["overall"]["count"] == 6
    assert [row["category"] for row in ttl["by_category"]] == [
        "governance",
        "services",
        "collaboration",
        "support",
    ]


async def test_the_openapi_schema_lists_the_stats_endpoints(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for figure in FIGURES:
        operation = schema["paths"][f"{API}/{figure}"]["get"]
        assert operation["tags"] == ["stats"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"from", "to", "period", "category", "kind", "zone", "publisher", "format"} <= names
        formats = next(p for p in operation["parameters"] if p["name"] == "format")["schema"]["enum"]
        assert formats == ["json", "csv", "xlsx"]
        assert "$ref" in operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "from" in schema["components"]["schemas"]["PeriodOut"]["properties"]


# ---------------------------------------------------------------- bad parameters


EVERY_BAD = {
    "from": "2026-13-45",
    "to": "yesterday",
    "period": "weekly",
    "category": "games",
    "kind": "robot",
    "zone": "mars",
    "publisher": "abc",
    "format": "pdf",
}


@pytest.mark.parametrize("figure", FIGURES)
async def test_every_bad_parameter_is_named_at_once(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]], figure: str
) -> None:
    response = await client.get(f"{API}/{figure}", params=EVERY_BAD, headers=world["admin"])
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert {detail["field"] for detail in error["details"]} == set(EVERY_BAD)
    assert all(detail["message"] for detail in error["details"])


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"from": "99999-01-01"}, {"from"}),
        ({"to": "9" * 5000}, {"to"}),
        ({"from": "1900-01-01", "to": "3000-12-31"}, {"from", "to"}),
        ({"from": "2026-05-01", "to": "2026-04-01"}, {"from"}),
        ({"from": "2026-02-30"}, {"from"}),
        ({"zone": "pearl_river"}, {"zone"}),
        ({"publisher": "440301"}, {"publisher"}),  # a district, not a city
        ({"publisher": "440000"}, {"publisher"}),  # the province
        ({"publisher": "abc"}, {"publisher"}),
        ({"publisher": "4" * 10000}, {"publisher"}),
        ({"period": "this_year", "from": "2026-01-01"}, {"period"}),
        ({"period": "custom"}, {"from"}),
        ({"format": "XLSX "}, {"format"}),
        ({"limit": "0"}, {"limit"}),
        ({"limit": "101"}, {"limit"}),
        ({"limit": "ten"}, {"limit"}),
        ({"limit": "9" * 400}, {"limit"}),
        ({"limit": "-1", "zone": "x"}, {"limit", "zone"}),
    ],
)
async def test_hostile_values_are_refused_by_name(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]], params: dict[str, str], fields: set[str]
) -> None:
    response = await client.get(f"{API}/apps", params=params, headers=world["admin"])
    assert response.status_code == 422, response.text
    assert {detail["field"] for detail in response.json()["error"]["details"]} == fields


async def test_a_nul_in_a_parameter_is_refused_and_blank_values_mean_not_given(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    refused = await client.get(f"{API}/summary", params={"zone": "core\x00"})
    assert refused.status_code in (400, 422) and refused.json()["error"]["details"]
    blank = await client.get(f"{API}/summary", params={"zone": "", "from": " ", "format": ""})
    assert blank.status_code == 200
    assert blank.json()["period"]["preset"] == "all"


async def test_access_is_decided_before_the_parameters_are_checked(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    assert (await client.get(f"{API}/matrix", params=EVERY_BAD)).status_code == 401
    assert (await client.get(f"{API}/matrix", params=EVERY_BAD, headers=world["city"])).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"period": "this_year"},
        {"period": "last_12_months", "format": "csv"},
        {"to": "2026-05-15"},
        {"from": "2000-01-01", "format": "xlsx"},
        {"zone": "north", "kind": "capability", "publisher": "441400"},
    ],
)
async def test_good_periods_and_filters_answer(
    client: httpx.AsyncClient, world: dict[str, dict[str, str]], params: dict[str, Any]
) -> None:
    for figure in FIGURES:
        response = await client.get(f"{API}/{figure}", params=params, headers=world["admin"])
        assert response.status_code == 200, (figure, response.text)
