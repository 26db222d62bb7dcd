"""Statistics pages: the dashboard (``/stats``), its printable report (``/stats/report``) and the
public summary on the home page (:func:`public_summary`).

Provincial staff see every figure; city staff see the public summary and their own city's row
(``rules.access_to`` decides, as for the API); anonymous visitors are sent to sign in. The period
and filters live in the URL (a GET form), and every table links to the API's CSV and XLSX files
for the same filters. The tables are built by the exports' own functions (store/stats/exports.py),
so a page and a downloaded file cannot disagree. Charts are drawn in the browser by
static/js/stats.js from the JSON the page carries in ``<script type="application/json">`` (the CSP
allows no inline script); every label in it comes from here, in the page's language.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.lib.errors import ValidationFailed
from store.lib.forms import form_errors
from store.lib.i18n import _, current_locale, gettext
from store.lib.policy import current_user, signed_in
from store.lib.templating import CHINA_TIME
from store.regions.data import CITIES
from store.settings import BASE_DIR

from . import exports
from .cache import STATS_CACHE, FiguresCache, cached_figure
from .exports import Percent, Table, city_name, label
from .figures import AppFigures, Matrix, MonthRow, RegionRow, Summary, TimeToLive, ZoneRow
from .filters import CHOICES, StatsFilters, from_query, local_today
from .rendered import RENDERED
from .rules import FIGURES, Scope, access_to
from .services import StatsService, part_of, source_of

TILES_FILE = BASE_DIR / "static" / "data" / "gd-tiles.json"
FILTER_FIELDS = ("period", "from", "to", "category", "kind", "zone", "publisher")
MAX_PARAM = 100  # characters of a query parameter kept (longer ones are refused by the filters)
FIELD_LABELS = {
    "period": _("Period"),
    "from": _("Start date"),
    "to": _("End date"),
    "category": _("Category"),
    "kind": _("Kind"),
    "zone": _("Zone of the publishing city"),
    "publisher": _("Publishing city"),
}
PRESET_LABELS = {
    "all": _("All time"),
    "this_year": _("This year"),
    "last_12_months": _("Last 12 months"),
    "custom": _("Custom range"),
}
CITY_FIGURES = ("summary", "regions")  # what city staff see
READ_SESSIONS = "read_session_maker"  # the application state's key (store/app.py)
DASHBOARD = "stats/dashboard.html"
FIGURES_FRAGMENT = "stats/_figures.html"  # the dashboard's figures, rendered once per figures


# ---------------------------------------------------------------- reading the figures


async def read_figures(
    request: Request[Any, Any, Any], db_session: AsyncSession, filters: StatsFilters, names: Sequence[str]
) -> tuple[dict[str, Any], datetime, tuple[datetime, ...]]:
    """The figures ``names`` through the figures cache, the moment the oldest was computed, and
    the moment each of those computed for them was (in the order of ``names``' sources).

    Several figures are read at once, each on a session of its own: a page waits for its slowest
    figure rather than for their sum. Each session gives its connection back as soon as its
    figure is read (the request's session, held until the response, takes none), so pages
    waiting for connections cannot hold them from each other; a session that finds its figure
    in the cache takes none at all. If one figure fails, the others are cancelled (their
    sessions closed) before the error goes on. A single figure is read on the request's session."""
    maker: async_sessionmaker[AsyncSession] | None = request.app.state.get(READ_SESSIONS)

    async def read(name: str, session: AsyncSession) -> tuple[Any, datetime]:
        return await cached_figure(request, StatsService(session), name, filters)

    async def read_alone(name: str, sessions: async_sessionmaker[AsyncSession]) -> tuple[Any, datetime]:
        async with sessions() as session:
            return await read(name, session)

    source = {name: source_of(name, along=names) for name in names}
    sources = list(dict.fromkeys(source.values()))  # places once for its parts
    if maker is None or len(sources) < 2:
        results = [await read(source, db_session) for source in sources]
    else:
        tasks = [asyncio.ensure_future(read_alone(source, maker)) for source in sources]
        try:
            results = list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    computed = {source: value for source, (value, _as_of) in zip(sources, results, strict=True)}
    values = {name: part_of(name, source[name], computed[source[name]]) for name in names}
    stamps = tuple(as_of for _value, as_of in results)
    return values, min(stamps), stamps


async def public_summary(
    request: Request[Any, Any, Any], db_session: AsyncSession
) -> tuple[Summary, datetime]:
    """The all-time summary the home page shows to everyone, and when it was computed."""
    figures, as_of, _stamps = await read_figures(request, db_session, StatsFilters(), ["summary"])
    return figures["summary"], as_of


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableView:
    """A table as the page shows it: every cell as text, numbers marked for right alignment."""

    key: str  # the id of the table on the page
    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column
    header: int = 0  # the column whose cell heads each row (the city, not its code)


def cell_text(value: Any) -> str:
    """A cell as the page shows it: percentages with one decimal, money with two (and thousands
    separators), days in ISO form, a dash for nothing."""
    if value is None:
        return "—"
    if isinstance(value, Percent):
        return f"{value.value * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def view(key: str, table: Table, header: int = 0) -> TableView:
    numbers = (int, float, Decimal, Percent)
    numeric = [
        index != header
        and any(row[index] is not None for row in table.rows)
        and all(row[index] is None or isinstance(row[index], numbers) for row in table.rows)
        for index in range(len(table.columns))
    ]
    rows = [[cell_text(cell) for cell in row] for row in table.rows]
    return TableView(key, table.title, table.columns, rows, numeric, header)


def _ranked(rows: Sequence[RegionRow], *fields: str) -> list[tuple[int, RegionRow]]:
    """The cities by ``fields`` (largest first, then by code), equal figures sharing a rank."""
    ordered = sorted(rows, key=lambda row: (*(-getattr(row, f) for f in fields), row.code))
    ranked: list[tuple[int, RegionRow]] = []
    for position, row in enumerate(ordered, start=1):
        same = ranked and all(getattr(row, f) == getattr(ranked[-1][1], f) for f in fields)
        ranked.append((ranked[-1][0] if same else position, row))
    return ranked


# The two rankings of the cities: whose apps are reused most (创新贡献), who reuses most (复用应用).
RANKINGS: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {
    "contribution": (
        _("Innovation contribution (创新贡献): cities whose apps are reused"),
        ("live_received", "adoptions_received"),
        (_("Live as publisher"), _("Adoptions received")),
    ),
    "reuse": (
        _("Reuse (复用应用): cities reusing others' apps"),
        ("live_made", "adoptions_made"),
        (_("Live as adopter"), _("Adoptions made")),
    ),
}


def ranking_table(key: str, rows: Sequence[RegionRow]) -> Table:
    title, fields, columns = RANKINGS[key]
    return Table(
        gettext(title),
        [gettext(_("Rank")), gettext(_("City")), *(gettext(c) for c in columns)],
        [[rank, _city(row), *(getattr(row, f) for f in fields)] for rank, row in _ranked(rows, *fields)],
    )


def states_table(summary: Summary) -> Table:
    return Table(
        gettext(_("Adoptions by state")),
        [gettext(_("State")), gettext(_("Adoptions"))],
        [[label("adoption_status", state), count] for state, count in summary.adoptions_by_state.items()],
    )


def tile_table(rows: Sequence[RegionRow]) -> Table:
    return Table(
        gettext(_("Live adoptions by adopting city")),
        [gettext(_("City")), gettext(_("Zone")), gettext(_("Live as adopter"))],
        [[_city(row), label("zone", row.zone), row.live_made] for row in rows],
    )


def _city(row: RegionRow) -> str:
    return city_name(row.code, row.name, row.name_en)


def tables(values: dict[str, Any]) -> dict[str, TableView]:
    """Every table the figures in ``values`` make, by its key on the page."""
    found: dict[str, TableView] = {}
    if "summary" in values:
        found["summary"] = view("summary", exports.summary_tables(values["summary"])[0])
        found["states"] = view("states", states_table(values["summary"]))
    if "regions" in values:
        rows = values["regions"]
        found["regions"] = view("regions", exports.region_tables(rows)[0], header=1)
        for key in RANKINGS:
            found[key] = view(key, ranking_table(key, rows))
        found["tiles"] = view("tiles", tile_table(rows))
    if "zones" in values:
        found["zones"] = view("zones", exports.zone_tables(values["zones"])[0])
    if "matrix" in values:
        found["matrix"] = view("matrix", exports.matrix_tables(values["matrix"])[0])
    if "trend" in values:
        found["trend"] = view("trend", exports.trend_tables(values["trend"])[0])
    if "time-to-live" in values:
        found["time-to-live"] = view("time-to-live", exports.time_to_live_tables(values["time-to-live"])[0])
    if "apps" in values:
        top, waiting = exports.app_tables(values["apps"])
        found["top-apps"] = view("top-apps", top)
        found["unadopted"] = view("unadopted", waiting)
    return found


# ---------------------------------------------------------------- charts


@cache
def tile_layout() -> dict[str, Any]:
    """The hand-made tile map of the 21 cities (static/data/gd-tiles.json)."""
    return json.loads(TILES_FILE.read_text(encoding="utf-8"))


def _series(*pairs: tuple[str, list[int]]) -> list[dict[str, Any]]:
    return [{"name": gettext(name), "values": values} for name, values in pairs]


def _city_bars(ranked: list[tuple[int, RegionRow]], key: str) -> dict[str, Any]:
    _title, fields, columns = RANKINGS[key]
    return {
        "kind": "bars",
        "horizontal": True,
        "categories": [_city(row) for _rank, row in ranked],
        "series": _series(
            *(
                (column, [getattr(r, f) for _rank, r in ranked])
                for column, f in zip(columns, fields, strict=True)
            )
        ),
    }


def charts(values: dict[str, Any]) -> dict[str, Any]:
    """What stats.js draws, by chart id: the numbers of the tables beside the charts."""
    summary: Summary = values["summary"]
    regions: list[RegionRow] = values["regions"]
    zones: list[ZoneRow] = values["zones"]
    matrix: Matrix = values["matrix"]
    trend: list[MonthRow] = values["trend"]
    ttl: TimeToLive = values["time-to-live"]
    apps: AppFigures = values["apps"]
    names = [_city(row) for row in regions]
    layout = tile_layout()
    cells = [[x, y, count] for y, row in enumerate(matrix.live) for x, count in enumerate(row)]
    categories = [gettext(_("All categories")), *(label("category", c) for c, _d in ttl.by_category)]
    durations = [ttl.overall, *(d for _c, d in ttl.by_category)]
    return {
        "states": {
            "kind": "bars",
            "categories": [label("adoption_status", s) for s in summary.adoptions_by_state],
            "series": _series((_("Adoptions"), list(summary.adoptions_by_state.values()))),
        },
        "cities": {
            "kind": "bars",
            "horizontal": True,
            "categories": names,
            "series": _series(
                (_("Adoptions made"), [row.adoptions_made for row in regions]),
                (_("Adoptions received"), [row.adoptions_received for row in regions]),
            ),
        },
        **{key: _city_bars(_ranked(regions, *RANKINGS[key][1]), key) for key in RANKINGS},
        "tiles": {
            "kind": "tiles",
            "rows": layout["rows"],
            "cols": layout["cols"],
            "name": gettext(_("Live as adopter")),
            "tiles": [
                {
                    "name": _city(row),
                    "row": layout["tiles"][row.code][0],
                    "col": layout["tiles"][row.code][1],
                    "value": row.live_made,
                }
                for row in regions
                if row.code in layout["tiles"]
            ],
        },
        "matrix": {
            "kind": "heatmap",
            "x": [city_name(c.code, c.name, c.name_en) for c in matrix.cities],
            "y": [city_name(c.code, c.name, c.name_en) for c in matrix.cities],
            "xName": gettext(_("Adopting city")),
            "yName": gettext(_("Publishing city")),
            "name": gettext(_("Live adoptions")),
            "cells": cells,
        },
        "trend": {
            "kind": "lines",
            "categories": [row.month for row in trend],
            "series": _series(
                (_("Apps published"), [row.published for row in trend]),
                (_("Adoption requests"), [row.requests for row in trend]),
                (_("Go-lives"), [row.go_lives for row in trend]),
            ),
        },
        "zones": {
            "kind": "bars",
            "categories": [label("zone", row.zone) for row in zones],
            "series": _series(
                (_("Adoptions made"), [row.adoptions_made for row in zones]),
                (_("Adoptions received"), [row.adoptions_received for row in zones]),
                (_("Live as adopter"), [row.live_made for row in zones]),
                (_("Live as publisher"), [row.live_received for row in zones]),
            ),
        },
        "time-to-live": {
            "kind": "bars",
            "categories": categories,
            "series": _series(
                (_("Median (days)"), [d.median_days or 0 for d in durations]),
                (_("90th percentile (days)"), [d.p90_days or 0 for d in durations]),
            ),
        },
        "top-apps": {
            "kind": "bars",
            "horizontal": True,
            "categories": [app.name for app in apps.top],
            "series": _series((_("Live adoptions"), [app.live for app in apps.top])),
        },
    }


# ---------------------------------------------------------------- the pages


def download_links(request: Request[Any, Any, Any], filters: StatsFilters) -> dict[str, dict[str, str]]:
    """For each figure, its CSV and XLSX file in the API with the page's filters."""
    query = filters.query_string()
    links: dict[str, dict[str, str]] = {}
    for figure in FIGURES:
        path = request.app.route_reverse(f"api_stats_{figure.replace('-', '_')}")
        links[figure] = {fmt: f"{path}?{query}{'&' if query else ''}format={fmt}" for fmt in ("csv", "xlsx")}
    return links


def choices() -> dict[str, list[tuple[str, str]]]:
    """The filter form's options, each as (value, label) in the page's language."""
    return {
        # "All time" is the empty choice, so dates given with it make a custom period.
        "period": [("" if p == "all" else p, gettext(PRESET_LABELS[p])) for p in CHOICES["period"]],
        "category": [(c, label("category", c)) for c in CHOICES["category"]],
        "kind": [(k, label("kind", k)) for k in CHOICES["kind"]],
        "zone": [(z, label("zone", z)) for z in CHOICES["zone"]],
        "publisher": [(city.code, city_name(city.code)) for city in CITIES],
    }


def form_values(filters: StatsFilters) -> dict[str, str]:
    """What the filter form shows for filters that were accepted (all time: no period chosen)."""
    chosen = filters.as_dict()
    custom = filters.preset == "custom"
    return {
        "period": "" if filters.preset == "all" else filters.preset,
        "from": (chosen["from"] or "") if custom else "",
        "to": (chosen["to"] or "") if custom else "",
        **{name: chosen[name] or "" for name in ("category", "kind", "zone", "publisher")},
    }


async def stats_page(request: Request[Any, Any, Any], db_session: AsyncSession, template: str) -> Template:
    """The dashboard or the report for the filters in the URL; with bad filters, the form again
    with every error under its field and no figures (422)."""
    access = access_to(current_user(request), "regions")  # 403 for anyone who may see no city
    full = access.scope == Scope.FULL
    raw = {name: (request.query_params.get(name) or "").strip()[:MAX_PARAM] for name in FILTER_FIELDS}
    today = local_today()
    context: dict[str, Any] = {
        "full": full,
        "form": raw,
        "choices": choices(),
        "field_labels": {name: gettext(text) for name, text in FIELD_LABELS.items()},
        "errors": {},
        "figures": None,
    }
    try:
        filters = from_query(raw, today=today)
    except ValidationFailed as exc:
        context["errors"] = form_errors(exc)
        return Template(template, context=context, status_code=exc.status_code)
    names = list(FIGURES) if full else CITY_FIGURES
    values, as_of, stamps = await read_figures(request, db_session, filters, names)
    if not full:
        values["regions"] = [row for row in values["regions"] if access.shows(row.code)]
    context.update(
        figures=values,
        filters=filters,
        query=filters.query_string(),
        form=form_values(filters),
        period_text=exports.period_text(filters, today),
        header_lines=exports.header_lines(filters, as_of=as_of, today=today, access=access),
        as_of=as_of.astimezone(CHINA_TIME),
        today=today,
        own_city=city_name(access.city) if access.city else None,
        downloads=download_links(request, filters),
    )
    if template != DASHBOARD:
        context.update(tables=tables(values), charts=charts(values) if full else {})
        return Template(template, context=context)

    def render() -> Markup:
        fragment = {**context, "tables": tables(values), "charts": charts(values) if full else {}}
        found = request.app.template_engine.engine.get_template(FIGURES_FRAGMENT)  # type: ignore[union-attr]
        # The output of an autoescaping template (select_autoescape, store/lib/templating.py).
        return Markup(found.render(request=request, **fragment))  # noqa: S704

    cache: FiguresCache = request.app.state[STATS_CACHE]
    if cache.enabled:  # the figures' moments identify them; uncached, each view's are new
        key = (current_locale.get(), access.city if not full else "", filters, stamps)
        context["figures_html"] = request.app.state[RENDERED].get(key, render)
    else:
        context["figures_html"] = render()
    return Template(template, context=context)


class StatsPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/stats", name="stats_dashboard")
    async def dashboard(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return await stats_page(request, db_session, DASHBOARD)

    @get("/stats/report", name="stats_report")
    async def report(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return await stats_page(request, db_session, "stats/report.html")


STATS_PAGES = [StatsPages]
