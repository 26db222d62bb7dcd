"""Statistics — the JSON API and its exports: ``GET /api/v1/stats/<figure>`` for the summary, the
cities, the zones, the publisher × adopter matrix, the monthly trend, the apps and the time to
live, each as JSON, CSV or XLSX (``format``).

Every endpoint takes the same parameters and answers in the same order: who may read the figure
(``rules.access_to``: 401/403 before anything is computed), then every bad parameter at once
(422 naming each), then the figures through the figures cache (``cache.cached_figure``), the
one door to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, cast, get_args

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.errors import ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.offload import run_cpu_bound
from store.lib.policy import current_user
from store.lib.templating import CHINA_TIME

from . import exports
from . import schemas as s
from .cache import cached_figure
from .figures import MAX_LIMIT
from .filters import CHOICES, StatsFilters, parse_filters
from .rules import Access, Scope, access_to
from .services import DEFAULT_APPS_LIMIT, StatsService

ExportFormat = Literal["json", "csv", "xlsx"]
FORMATS: tuple[str, ...] = get_args(ExportFormat)


def stats_today() -> date:
    """Today on the users' clock (China Standard Time): what presets and open periods end at."""
    return m.utcnow().astimezone(CHINA_TIME).date()


# ---------------------------------------------------------------- the figures


def visible_part(figure: str, value: Any, access: Access) -> Any:
    """What of ``value`` the reader may see: city staff get their own city's rows only."""
    if access.scope == Scope.OWN_CITY and figure == "regions":
        return [row for row in value if access.shows(row.code)]
    return value


# ---------------------------------------------------------------- the parameters


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"enum": list(values)}


@dataclass(frozen=True)
class StatsQuery:
    """The query parameters as sent; checked together by :func:`check_query`."""

    from_: str | None
    to: str | None
    period: str | None
    category: str | None
    kind: str | None
    zone: str | None
    publisher: str | None
    format: str | None


def stats_query(
    from_: Annotated[
        str | None, QueryParameter(name="from", description="First day, YYYY-MM-DD (a custom period).")
    ] = None,
    to: Annotated[str | None, Parameter(description="Last day, YYYY-MM-DD (a custom period).")] = None,
    period: Annotated[
        str | None,
        Parameter(
            description="A named period (default: all). Dates make it custom.",
            schema_extra=_enum(CHOICES["period"]),
        ),
    ] = None,
    category: Annotated[
        str | None,
        Parameter(description="Only apps of this category.", schema_extra=_enum(CHOICES["category"])),
    ] = None,
    kind: Annotated[
        str | None, Parameter(description="Only apps of this kind.", schema_extra=_enum(CHOICES["kind"]))
    ] = None,
    zone: Annotated[
        str | None,
        Parameter(description="Only apps published in this zone.", schema_extra=_enum(CHOICES["zone"])),
    ] = None,
    publisher: Annotated[
        str | None,
        Parameter(description="Only apps published by this city (six digits), its districts included."),
    ] = None,
    format: Annotated[
        str | None,
        Parameter(description="json (default), csv (UTF-8 with BOM) or xlsx.", schema_extra=_enum(FORMATS)),
    ] = None,
) -> StatsQuery:
    return StatsQuery(from_, to, period, category, kind, zone, publisher, format)


def check_query(
    params: StatsQuery, *, today: date, limit: str | None = None
) -> tuple[StatsFilters, ExportFormat, int]:
    """The filters, the format and the apps limit; every bad parameter reported at once.

    Raises:
        ValidationFailed: naming each bad parameter (``from``, ``to``, ``period``, ``category``,
            ``kind``, ``zone``, ``publisher``, ``format``, ``limit``).
    """
    errors: list[dict[str, str]] = []
    filters = StatsFilters()
    try:
        filters = parse_filters(
            from_=params.from_,
            to=params.to,
            period=params.period,
            category=params.category,
            kind=params.kind,
            zone=params.zone,
            publisher=params.publisher,
            today=today,
        )
    except ValidationFailed as failed:
        errors += failed.details if isinstance(failed.details, list) else []
    chosen = (params.format or "").strip() or "json"
    if chosen not in FORMATS:
        errors.append(field_error("format", _("Choose json, csv or xlsx.")))
    count = DEFAULT_APPS_LIMIT
    if limit is not None and limit.strip():
        text = limit.strip()
        count = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
        if not 1 <= count <= MAX_LIMIT:
            errors.append(field_error("limit", _("Enter a whole number from 1 to %(max)s."), max=MAX_LIMIT))
    if errors:
        raise ValidationFailed(details=errors)
    return filters, cast(ExportFormat, chosen), count


# ---------------------------------------------------------------- the answer


def json_answer(figure: str, value: Any, filters: StatsFilters, as_of: datetime) -> s._Answer:
    chosen = filters.as_dict()
    payload: dict[str, Any] = {
        "period": {"from": chosen["from"], "to": chosen["to"], "preset": chosen["preset"]},
        "filters": {name: chosen[name] for name in ("category", "kind", "zone", "publisher")},
        "as_of": as_of,
    }
    if figure == "regions":
        payload["regions"] = [row.as_dict() for row in value]
    elif figure == "zones":
        payload["zones"] = [row.as_dict() for row in value]
    elif figure == "trend":
        payload["months"] = [row.as_dict() for row in value]
    else:
        payload.update(value.as_dict())
    return msgspec.convert(payload, s.ANSWERS[figure])


async def answer(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    figure: str,
    params: StatsQuery,
    *,
    limit: str | None = None,
) -> Response[Any]:
    """Check access, then the parameters, then compute ``figure`` and answer in the format asked."""
    access = access_to(current_user(request), figure)
    today = stats_today()
    filters, chosen, count = check_query(params, today=today, limit=limit)
    service = StatsService(db_session, today=lambda: today)
    found, as_of = await cached_figure(request, service, figure, filters, limit=count)
    value = visible_part(figure, found, access)
    if chosen == "json":
        return Response(json_answer(figure, value, filters, as_of))
    doc = exports.document(figure, value, filters=filters, as_of=as_of, today=today, access=access)
    if chosen == "csv":
        content, media_type = exports.write_csv(doc), exports.CSV_TYPE
    else:
        content, media_type = await run_cpu_bound(exports.write_xlsx, doc), exports.XLSX_TYPE
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": exports.content_disposition(doc, chosen),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _documented(out: type[s._Answer], what: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=out,
            generate_examples=False,
            description=f"{what} (JSON). With format=csv or format=xlsx: the same table as a file.",
        )
    }


Limit = Annotated[
    str | None,
    Parameter(
        description=f"How many apps each list holds, 1 to {MAX_LIMIT} (default {DEFAULT_APPS_LIMIT}).",
        schema_extra={"oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, {"type": "null"}]},
    ),
]


class StatsApi(Controller):
    path = "/api/v1/stats"
    tags = ["stats"]
    dependencies = {"params": Provide(stats_query, sync_to_thread=False)}

    @get(
        "/summary",
        name="api_stats_summary",
        summary="Totals for the period: apps, versions, adoptions by state, reuse rate, saving, 粤东西北 "
        "(public)",
        responses=_documented(s.SummaryOut, "The totals"),
    )
    async def summary(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, params: StatsQuery
    ) -> Response[Any]:
        return await answer(request, db_session, "summary", params)

    @get(
        "/regions",
        name="api_stats_regions",
        summary="The 21 cities (districts rolled up): published, adoptions made and received, live "
        "(provincial staff; city staff: their own city's row)",
        responses=_documented(s.RegionsOut, "One row per city"),
    )
    async def regions(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, params: StatsQuery
    ) -> Response[Any]:
        return await answer(request, db_session, "regions", params)

    @get(
        "/zones",
        name="api_stats_zones",
        summary="The four zones: published, adoptions made and received, live (provincial staff)",
        responses=_documented(s.ZonesOut, "One row per zone"),
    )
    async def zones(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, params: StatsQuery
    ) -> Response[Any]:
        return await answer(request, db_session, "zones", params)

    @get(
        "/matrix",
        name="api_stats_matrix",
        summary="Live adoptions by publishing city × adopting city, 21 × 21 (provincial staff)",
        responses=_documented(s.MatrixOut, "The matrix"),
    )
    async def matrix(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, params: StatsQuery
    ) -> Response[Any]:
        return await answer(request, db_session, "matrix", params)

    @get(
        "/trend",
        name="api_stats_trend",
        summary="Per month: apps published, adoption requests, go-lives (provincial staff)",
        responses=_documented(s.TrendOut, "One row per month"),
    )
    async def trend(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, params: StatsQuery
    ) -> Response[Any]:
        return await answer(request, db_session, "trend", params)

    @get(
        "/apps",
        name="api_stats_apps",
        summary="The most reused apps with their adopters, and published apps not yet adopted "
        "(provincial staff)",
        responses=_documented(s.AppsOut, "The two lists"),
    )
    async def apps(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        params: StatsQuery,
        limit: Limit = None,
    ) -> Response[Any]:
        return await answer(request, db_session, "apps", params, limit=limit)

    @get(
        "/time-to-live",
        name="api_stats_time_to_live",
        summary="Days from request to live: median and 90th percentile, overall and per category "
        "(provincial staff)",
        responses=_documented(s.TimeToLiveOut, "The durations"),
    )
    async def time_to_live(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, params: StatsQuery
    ) -> Response[Any]:
        return await answer(request, db_session, "time-to-live", params)


STATS_API = [StatsApi]
