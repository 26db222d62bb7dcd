"""The statistics as files to take away: CSV (UTF-8 with a BOM, so spreadsheet software reads the
Chinese right) and XLSX (openpyxl).

A file is a :class:`Document`: a title, the lines that say what it counts (period, filters, when
the figures were computed) and one or more tables. :func:`document` turns a figure into one, with
every header translated into the request's language; :func:`write_csv` and :func:`write_xlsx`
only write what they are given, so the workbook can be built off the event loop.

Text that came from users (app names) is written as text, never as a formula: a CSV cell that a
spreadsheet would read as one (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe, and every
XLSX string cell is typed as a string.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from store.adoptions.labels import LABELS as ADOPTION_LABELS
from store.catalog.labels import LABELS as CATALOG_LABELS
from store.lib.filenames import sanitize
from store.lib.i18n import _, current_locale, gettext
from store.lib.labels import LabelBook
from store.lib.templating import CHINA_TIME
from store.regions.data import CITIES
from store.regions.labels import LABELS as REGION_LABELS

from .figures import AppFigures, Matrix, MonthRow, RegionRow, Summary, TimeToLive, ZoneRow
from .filters import StatsFilters
from .rules import Access, Scope

CSV_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" to text types
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMN_WIDTH = 60
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")

label = LabelBook(CATALOG_LABELS, REGION_LABELS, ADOPTION_LABELS)
CITY_NAMES = {city.code: (city.name, city.name_en) for city in CITIES}

TITLES = {
    "summary": _("Reuse summary"),
    "regions": _("Figures by city"),
    "zones": _("Figures by zone"),
    "matrix": _("Publisher × adopter matrix"),
    "trend": _("Monthly trend"),
    "apps": _("Reused and not yet adopted apps"),
    "time-to-live": _("Time from request to live"),
}


def title_of(figure: str) -> str:
    """The figure's title in the reader's language (a function, so that message extraction
    does not take the figure's name for a message)."""
    return gettext(TITLES[figure])


PRESET_NAMES = {
    "this_year": _("This year"),
    "last_12_months": _("Last 12 months"),
    "custom": _("Custom range"),
}


@dataclass(frozen=True)
class Percent:
    """A share from 0 to 1, shown as a percentage (a number formatted as one in XLSX)."""

    value: float


Cell = str | int | float | Decimal | date | Percent | None


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Document:
    title: str  # the heading of the file, e.g. "粤复用 · 地市统计"
    lines: list[tuple[str, str]]  # what the file counts: (label, value), written above the tables
    tables: list[Table]
    filename: str  # without extension, may hold Chinese: 粤复用-地市统计-2026-11-25
    ascii_filename: str  # the fallback for old clients: guangdong-reuse-stats-regions-2026-11-25


# ---------------------------------------------------------------- the figures as tables


def _english() -> bool:
    return current_locale.get() == "en"


def city_name(code: str, name: str = "", name_en: str = "") -> str:
    """A city's name in the request's language (a district keeps the name it is given)."""
    known_name, known_en = CITY_NAMES.get(code, (name, name_en))
    name, name_en = name or known_name, name_en or known_en
    return name_en if _english() and name_en else name


def _yes_no(value: bool) -> str:
    return gettext(_("Yes")) if value else gettext(_("No"))


def _t(*msgids: str) -> list[str]:
    return [gettext(msgid) for msgid in msgids]


COUNT_COLUMNS = (
    _("Apps published"),
    _("Adoptions made"),
    _("Adoptions received"),
    _("Live as adopter"),
    _("Live as publisher"),
)


def summary_tables(summary: Summary) -> list[Table]:
    rows: list[list[Cell]] = [
        [gettext(_("Apps published")), summary.published_apps],
        [gettext(_("Versions")), summary.versions],
    ]
    for state, count in summary.adoptions_by_state.items():
        rows.append([gettext(_("Adoptions: %(state)s"), state=label("adoption_status", state)), count])
    rows += [
        [gettext(_("Live adoptions")), summary.live_adoptions],
        [gettext(_("Live adoptions confirmed by the publisher")), summary.live_confirmed],
        [gettext(_("Apps with a live adoption")), summary.apps_with_live_adoption],
        [gettext(_("Reuse rate (apps live outside their home city)")), Percent(summary.reuse_rate)],
        [gettext(_("Money saved (万元)")), summary.saving_wan_total],
        [gettext(_("Cities with a live adoption")), summary.regions_with_live_adoption],
        [gettext(_("粤东西北 cities with a live adoption (of 12)")), summary.yuedongxibei_cities_with_live],
        [gettext(_("Share of live adoptions in 粤东西北")), Percent(summary.yuedongxibei_share_of_live)],
    ]
    return [Table(title_of("summary"), _t(_("Figure"), _("Value")), rows)]


def region_tables(rows: Sequence[RegionRow]) -> list[Table]:
    columns = _t(_("Code"), _("City"), _("Zone"), _("粤东西北"), *COUNT_COLUMNS)
    return [
        Table(
            title_of("regions"),
            columns,
            [
                [
                    row.code,
                    city_name(row.code, row.name, row.name_en),
                    label("zone", row.zone),
                    _yes_no(row.is_east_west_north),
                    row.published,
                    row.adoptions_made,
                    row.adoptions_received,
                    row.live_made,
                    row.live_received,
                ]
                for row in rows
            ],
        )
    ]


def zone_tables(rows: Sequence[ZoneRow]) -> list[Table]:
    columns = _t(_("Zone"), _("Cities"), *COUNT_COLUMNS)
    return [
        Table(
            title_of("zones"),
            columns,
            [
                [
                    label("zone", row.zone),
                    row.cities,
                    row.published,
                    row.adoptions_made,
                    row.adoptions_received,
                    row.live_made,
                    row.live_received,
                ]
                for row in rows
            ],
        )
    ]


def matrix_tables(matrix: Matrix) -> list[Table]:
    names = [city_name(city.code, city.name, city.name_en) for city in matrix.cities]
    columns = [gettext(_("Publishing city \\ adopting city")), *names]
    rows: list[list[Cell]] = [[name, *counts] for name, counts in zip(names, matrix.live, strict=True)]
    return [Table(title_of("matrix"), columns, rows)]


def trend_tables(rows: Sequence[MonthRow]) -> list[Table]:
    columns = _t(_("Month"), _("Apps published"), _("Adoption requests"), _("Go-lives"))
    return [
        Table(
            title_of("trend"),
            columns,
            [[row.month, row.published, row.requests, row.go_lives] for row in rows],
        )
    ]


def _local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(CHINA_TIME).date() if moment else None


def app_tables(apps: AppFigures) -> list[Table]:
    top = Table(
        gettext(_("Most reused apps")),
        _t(_("Rank"), _("App"), _("Slug"), _("Publishing region"), _("Live adoptions"), _("Adopters")),
        [
            [
                rank,
                app.name,
                app.slug,
                city_name(app.region_code, app.region_name),
                app.live,
                "、".join(app.adopters),
            ]
            for rank, app in enumerate(apps.top, start=1)
        ],
    )
    waiting = Table(
        gettext(_("Published apps not yet adopted")),
        _t(_("App"), _("Slug"), _("Publishing region"), _("First published")),
        [
            [app.name, app.slug, city_name(app.region_code, app.region_name), _local_day(app.published_at)]
            for app in apps.unadopted
        ],
    )
    return [top, waiting]


def time_to_live_tables(ttl: TimeToLive) -> list[Table]:
    columns = _t(_("Category"), _("Live adoptions measured"), _("Median (days)"), _("90th percentile (days)"))
    rows: list[list[Cell]] = [
        [gettext(_("All categories")), ttl.overall.count, ttl.overall.median_days, ttl.overall.p90_days]
    ]
    rows += [
        [label("category", category), d.count, d.median_days, d.p90_days] for category, d in ttl.by_category
    ]
    return [Table(title_of("time-to-live"), columns, rows)]


def tables_of(figure: str, value: Any) -> list[Table]:
    builders: dict[str, Any] = {
        "summary": summary_tables,
        "regions": region_tables,
        "zones": zone_tables,
        "matrix": matrix_tables,
        "trend": trend_tables,
        "apps": app_tables,
        "time-to-live": time_to_live_tables,
    }
    return builders[figure](value)


def period_text(filters: StatsFilters, today: date) -> str:
    """The period in words: "2026-01-01 至 2026-11-25（今年）", "全部时间（截至 2026-11-25）"."""
    end = (filters.end or today).isoformat()
    if filters.preset == "all" and filters.start is None:
        return gettext(_("All time (up to %(end)s)"), end=end)
    start = filters.start.isoformat() if filters.start else gettext(_("the beginning"))
    preset = gettext(PRESET_NAMES.get(filters.preset, PRESET_NAMES["custom"]))
    return gettext(_("%(start)s to %(end)s (%(preset)s)"), start=start, end=end, preset=preset)


def header_lines(
    filters: StatsFilters, *, as_of: datetime, today: date, access: Access
) -> list[tuple[str, str]]:
    every = gettext(_("All"))
    lines = [
        (gettext(_("Period")), period_text(filters, today)),
        (gettext(_("Category")), label("category", filters.category) or every),
        (gettext(_("Kind")), label("kind", filters.kind) or every),
        (gettext(_("Zone of the publishing city")), label("zone", filters.zone) or every),
        (gettext(_("Publishing city")), city_name(filters.publisher) if filters.publisher else every),
    ]
    if access.scope == Scope.OWN_CITY and access.city:
        lines.append(
            (gettext(_("Rows shown")), gettext(_("Your city only: %(city)s"), city=city_name(access.city)))
        )
    stamp = as_of.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")
    lines.append((gettext(_("Figures as of")), gettext(_("%(time)s (China Standard Time)"), time=stamp)))
    return lines


def document(
    figure: str, value: Any, *, filters: StatsFilters, as_of: datetime, today: date, access: Access
) -> Document:
    """``figure``'s ``value`` as a file in the request's language, dated by ``as_of``."""
    title = title_of(figure)
    brand = gettext(_("Guangdong Reuse"))
    day = as_of.astimezone(CHINA_TIME).date().isoformat()
    stem = sanitize(f"{brand}-{title}-{day}".replace(" ", "-")) or f"stats-{figure}-{day}"
    return Document(
        title=f"{brand} · {title}",
        lines=header_lines(filters, as_of=as_of, today=today, access=access),
        tables=tables_of(figure, value),
        filename=stem,
        ascii_filename=f"guangdong-reuse-stats-{figure}-{day}",
    )


def content_disposition(doc: Document, extension: str) -> str:
    """``attachment`` with an ASCII name for old clients and the real one (RFC 6266/5987)."""
    real = quote(f"{doc.filename}.{extension}", safe="")
    return f"attachment; filename=\"{doc.ascii_filename}.{extension}\"; filename*=UTF-8''{real}"


# ---------------------------------------------------------------- CSV


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value.value * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def write_csv(doc: Document) -> bytes:
    """The document as CSV in UTF-8 with a BOM: the title and the lines as two-column rows, then
    each table (its title, the header row, one row per row), a blank row before each table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(doc.title)])
    for name, value in doc.lines:
        writer.writerow([_csv_cell(name), _csv_cell(value)])
    for table in doc.tables:
        writer.writerow([])
        if len(doc.tables) > 1:
            writer.writerow([_csv_cell(table.title)])
        writer.writerow([_csv_cell(column) for column in table.columns])
        writer.writerows([_csv_cell(cell) for cell in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- XLSX

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
TITLE_FONT = Font(bold=True, size=14)


def _text_width(value: Cell) -> int:
    """How many columns a cell's text takes: wide (CJK) characters count twice."""
    text = _csv_cell(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    elif isinstance(value, Percent):
        cell.value = value.value
        cell.number_format = "0.0%"
    elif isinstance(value, Decimal):
        cell.value = value
        cell.number_format = "#,##0.00"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value


def _sheet_name(title: str, used: Iterable[str]) -> str:
    name = SHEET_NAME_UNSAFE.sub(" ", title).strip()[:31] or "Sheet"
    taken = set(used)
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    return candidate


def _fill_sheet(sheet: Worksheet, doc: Document, table: Table) -> None:
    _put(sheet, 1, 1, doc.title)
    sheet.cell(row=1, column=1).font = TITLE_FONT
    row = 2
    for name, value in doc.lines:
        _put(sheet, row, 1, name)
        sheet.cell(row=row, column=1).font = HEADER_FONT
        _put(sheet, row, 2, value)
        row += 1
    row += 1  # a blank row, then the table
    header_row = row
    for column, heading in enumerate(table.columns, start=1):
        _put(sheet, header_row, column, heading)
        cell = sheet.cell(row=header_row, column=column)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, cells in enumerate(table.rows, start=1):
        for column, cell_value in enumerate(cells, start=1):
            _put(sheet, header_row + offset, column, cell_value)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    label_width = max((_text_width(name) for name, _value in doc.lines), default=0)
    for column in range(1, len(table.columns) + 1):
        cells = [table.columns[column - 1], *(values[column - 1] for values in table.rows)]
        widest = max(_text_width(value) for value in cells)
        if column == 1:
            widest = max(widest, label_width)
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_COLUMN_WIDTH, widest + 2)


def write_xlsx(doc: Document) -> bytes:
    """The document as a workbook: one sheet per table, each with the title, the lines and the
    table (bold header row, frozen below it, columns as wide as their text)."""
    workbook = Workbook()
    workbook.properties.title = doc.title
    workbook.properties.creator = doc.title.split(" · ")[0]
    for index, table in enumerate(doc.tables):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = _sheet_name(table.title, workbook.sheetnames[:index])
        _fill_sheet(sheet, doc, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
