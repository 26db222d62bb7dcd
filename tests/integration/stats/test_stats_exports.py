"""Statistics exports on SQLite and PostgreSQL: CSV in UTF-8 with a BOM that a spreadsheet opens
(title, period and filters, a blank row, the table), XLSX read back with openpyxl (sheets, bold
header, widths, numbers as numbers), the matrix as 21 × 21 with city names, the apps as two
lists, the download's file names, headers in Chinese or English, text never turned into a
formula, and the workbook built off the event loop.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from store.lib.i18n import current_locale, gettext
from store.regions.data import CITIES
from store.stats import exports
from store.stats.controllers import stats_today
from store.stats.rules import FIGURES
from tests.factories import auth_headers, make_user

from .scenario import AppSeed, app_row, build, cst

API = "/api/v1/stats"
SPAN = {"from": "2025-01-01", "to": "2026-05-15"}
CITY_NAMES = [city.name for city in CITIES]
HOSTILE_NAME = '=HYPERLINK("http://evil.example","点我")'


def zh(msgid: str, **params: Any) -> str:
    """A message as the Chinese catalog has it (its msgid until the catalog is filled)."""
    token = current_locale.set("zh_CN")
    try:
        return gettext(msgid, **params)
    finally:
        current_locale.reset(token)


@pytest.fixture
async def admin(db: AsyncSession) -> dict[str, str]:
    """The scenario, plus a published app with a name that looks like a formula and no adoption;
    the headers of a provincial admin."""
    await build(db)
    hostile = app_row(
        AppSeed("evil-name", "440100", "services", "application", "published", cst(2026, 1, 10))
    )
    hostile.name = HOSTILE_NAME
    db.add(hostile)
    await db.commit()
    return await auth_headers(db, await make_user(db, "province_admin", None, username="stats_export_admin"))


async def download(
    client: httpx.AsyncClient, headers: dict[str, str], figure: str, **params: str
) -> httpx.Response:
    response = await client.get(f"{API}/{figure}", params={**SPAN, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response


def rows_of(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def workbook_of(response: httpx.Response) -> Any:
    return load_workbook(io.BytesIO(response.content))


def header_row(sheet: Worksheet) -> int:
    """The row of the table's header: the first after the blank row under the lines."""
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value is None:
            return row + 1
    raise AssertionError("no blank row before the table")


async def test_csv_has_a_bom_the_period_and_filters_then_the_table(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await download(client, admin, "regions", format="csv", category="services", zone="core")
    assert response.content[:3] == b"\xef\xbb\xbf"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = rows_of(response)
    assert rows[0] == [f"粤复用 · {zh('Figures by city')}"]
    lines = dict(rows[1 : rows.index([])])
    assert lines[zh("Period")] == zh(
        "%(start)s to %(end)s (%(preset)s)", start="2025-01-01", end="2026-05-15", preset=zh("Custom range")
    )
    assert lines["分类"] == "一网通办"  # the category's label
    assert lines["类型"] == "全部"  # no kind chosen
    assert lines[zh("Zone of the publishing city")] == zh("Pearl River Delta core")
    assert lines[zh("Publishing city")] == "全部"
    assert zh("Figures as of") in lines
    header, *data = rows[rows.index([]) + 1 :]
    assert header[:3] == ["代码", "地级市", "区域"] and len(header) == 9
    assert [row[0] for row in data] == [city.code for city in CITIES]
    assert [row[1] for row in data] == CITY_NAMES
    answer = await client.get(
        f"{API}/regions", params={**SPAN, "category": "services", "zone": "core"}, headers=admin
    )
    counts = ("published", "adoptions_made", "adoptions_received", "live_made", "live_received")
    assert [row[4:] for row in data] == [[str(city[k]) for k in counts] for city in answer.json()["regions"]]
    assert data[0][4:] == ["2", "1", "3", "1", "1"]  # 广州: gz-portal and the hostile app; 南山区's app, live


async def test_the_download_is_named_in_ascii_and_in_utf8(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await download(client, admin, "regions", format="csv")
    day = stats_today().isoformat()
    real = f"粤复用-{zh('Figures by city')}-{day}.csv".replace(" ", "-")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="guangdong-reuse-stats-regions-{day}.csv"; '
        f"filename*=UTF-8''{quote(real, safe='')}"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    workbook = await download(client, admin, "matrix", format="xlsx")
    assert workbook.headers["content-type"] == exports.XLSX_TYPE
    assert f'filename="guangdong-reuse-stats-matrix-{day}.xlsx"' in workbook.headers["content-disposition"]


async def test_xlsx_reads_back_with_title_lines_bold_header_widths_and_numbers(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    regions = (await client.get(f"{API}/regions", params=SPAN, headers=admin)).json()["regions"]
    book = workbook_of(await download(client, admin, "regions", format="xlsx"))
    assert len(book.sheetnames) == 1
    sheet = book.active
    assert sheet.cell(row=1, column=1).value == f"粤复用 · {zh('Figures by city')}"
    assert sheet.cell(row=1, column=1).font.bold
    assert sheet.cell(row=2, column=1).value == zh("Period")
    top = header_row(sheet)
    headings = [sheet.cell(row=top, column=c).value for c in range(1, 10)]
    assert headings[:3] == ["代码", "地级市", "区域"]
    assert all(sheet.cell(row=top, column=c).font.bold for c in range(1, 10))
    for index, expected in enumerate(regions, start=1):
        values = [sheet.cell(row=top + index, column=c).value for c in range(1, 10)]
        assert values[0] == expected["code"] and values[1] == expected["name"]
        assert values[4:] == [
            expected[k]
            for k in ("published", "adoptions_made", "adoptions_received", "live_made", "live_received")
        ]  # numbers stay numbers
    assert sheet.max_row == top + 21
    assert sheet.freeze_panes == f"A{top + 1}"
    assert all(sheet.column_dimensions[letter].width > 4 for letter in "ABCDEFGHI")


async def test_the_summary_exports_rates_as_percentages_and_money_with_two_decimals(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    summary = (await client.get(f"{API}/summary", params=SPAN)).json()
    rows = rows_of(await download(client, admin, "summary", format="csv"))
    values = dict(row for row in rows[rows.index([]) + 2 :])
    assert values[zh("Money saved (万元)")] == summary["saving_wan_total"]
    assert (
        values[zh("Reuse rate (apps live outside their home city)")] == f"{summary['reuse_rate'] * 100:.1f}%"
    )
    assert values[zh("Adoptions: %(state)s", state=zh("Live"))] == str(summary["adoptions_by_state"]["live"])
    book = workbook_of(await download(client, admin, "summary", format="xlsx"))
    sheet = book.active
    cells = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2)
        for r in range(header_row(sheet), sheet.max_row + 1)
    }
    rate = cells[zh("Reuse rate (apps live outside their home city)")]
    assert rate.value == pytest.approx(summary["reuse_rate"]) and rate.number_format == "0.0%"
    assert f"{cells[zh('Money saved (万元)')].value:.2f}" == summary["saving_wan_total"]


async def test_the_matrix_is_21_by_21_with_city_names(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    matrix = (await client.get(f"{API}/matrix", params=SPAN, headers=admin)).json()
    rows = rows_of(await download(client, admin, "matrix", format="csv"))
    header, *data = rows[rows.index([]) + 1 :]
    assert header[1:] == CITY_NAMES and len(data) == 21
    assert [row[0] for row in data] == CITY_NAMES
    assert [[int(n) for n in row[1:]] for row in data] == matrix["live"]
    sheet = workbook_of(await download(client, admin, "matrix", format="xlsx")).active
    top = header_row(sheet)
    assert [sheet.cell(row=top, column=c).value for c in range(2, 23)] == CITY_NAMES
    assert [sheet.cell(row=top + r, column=1).value for r in range(1, 22)] == CITY_NAMES
    shenzhen, meizhou = CITY_NAMES.index("深圳") + 1, CITY_NAMES.index("梅州") + 1
    assert sheet.cell(row=top + shenzhen, column=1 + meizhou).value == 2
    assert sheet.max_row == top + 21 and sheet.max_column == 22


async def test_apps_export_both_lists_and_never_a_formula(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    apps = (await client.get(f"{API}/apps", params=SPAN, headers=admin)).json()
    assert HOSTILE_NAME in [app["name"] for app in apps["unadopted"]]
    rows = rows_of(await download(client, admin, "apps", format="csv"))
    titles = [rows[i + 1][0] for i, row in enumerate(rows) if row == []]
    assert titles == [zh("Most reused apps"), zh("Published apps not yet adopted")]
    assert ["1", "应用 sz-grid", "sz-grid", "深圳", "3", "广州、梅州、梅江区"] in rows
    assert ["'" + HOSTILE_NAME, "evil-name", "广州", "2026-01-10"] in rows
    book = workbook_of(await download(client, admin, "apps", format="xlsx"))
    assert book.sheetnames == [zh("Most reused apps")[:31], zh("Published apps not yet adopted")[:31]]
    waiting = book[book.sheetnames[1]]
    top = header_row(waiting)
    names = {
        waiting.cell(row=r, column=1).value: waiting.cell(row=r, column=1)
        for r in range(top + 1, waiting.max_row + 1)
    }
    cell = names[HOSTILE_NAME]
    assert cell.data_type == "s"  # text, not a formula
    published = {
        waiting.cell(row=r, column=2).value: waiting.cell(row=r, column=4).value
        for r in range(top + 1, waiting.max_row + 1)
    }
    assert published["evil-name"].date() == date(2026, 1, 10)


async def test_headers_and_names_are_english_when_asked(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    english = {**admin, "Accept-Language": "en"}
    response = await download(client, english, "regions", format="csv")
    rows = rows_of(response)
    assert rows[0] == ["Guangdong Reuse · Figures by city"]
    header, first, *_rest = rows[rows.index([]) + 1 :]
    assert header == [
        "Code", "City", "Zone", "粤东西北", "Apps published", "Adoptions made", "Adoptions received",
        "Live as adopter", "Live as publisher",
    ]  # fmt: skip
    assert first[:3] == ["440100", "Guangzhou", "Pearl River Delta core"]
    assert "Guangdong-Reuse-Figures-by-city-" in response.headers["content-disposition"]
    client.cookies.set("lang", "en")
    sheet = workbook_of(await download(client, admin, "trend", format="xlsx")).active
    assert [sheet.cell(row=header_row(sheet), column=c).value for c in range(1, 5)] == [
        "Month", "Apps published", "Adoption requests", "Go-lives"
    ]  # fmt: skip


@pytest.mark.parametrize("figure", FIGURES)
async def test_every_figure_exports_in_both_formats(
    client: httpx.AsyncClient, admin: dict[str, str], figure: str
) -> None:
    text = await download(client, admin, figure, format="csv", zone="core")
    assert text.content.startswith(b"\xef\xbb\xbf") and rows_of(text)[0][0].startswith("粤复用")
    book = workbook_of(await download(client, admin, figure, format="xlsx", zone="core"))
    assert all(sheet.cell(row=1, column=1).value.startswith("粤复用") for sheet in book.worksheets)


async def test_the_workbook_is_built_off_the_event_loop(
    client: httpx.AsyncClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    real = exports.write_xlsx

    def recording(doc: exports.Document) -> bytes:
        threads.append(threading.current_thread().name)
        return real(doc)

    monkeypatch.setattr(exports, "write_xlsx", recording)
    await download(client, admin, "zones", format="xlsx")
    assert len(threads) == 1 and threads[0] != threading.current_thread().name
    assert threads[0].startswith("store-cpu")


async def test_a_city_export_says_it_holds_only_their_city(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    await build(db)
    headers = await auth_headers(db, await make_user(db, "city_staff", "441402", username="mj_export"))
    rows = rows_of(await download(client, headers, "regions", format="csv"))
    lines = dict(rows[1 : rows.index([])])
    assert lines[zh("Rows shown")] == zh("Your city only: %(city)s", city="梅州")
    assert [row[1] for row in rows[rows.index([]) + 2 :]] == ["梅州"]
