"""The public catalog, listed through the search service.

The catalog page (``/apps``), ``GET /api/v1/apps`` and ``GET /api/v1/search`` all list public
apps through the one search service, so there is one notion of what matches a query and a
filter. The non-public listings (a region's own apps in every status, the review queue) stay on
``AppService.list_apps``: the search index holds only public apps.

The service (``search.service.Search``) is built by ``create_app`` into the application state
under :data:`SEARCH`; the catalog reads it from there, handed down by the wiring like the app
page sections, because the features that build on search sit above the catalog.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from litestar import Request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from search.service import Search
from search.types import MAX_OFFSET, MAX_QUERY_CHARS, SORTS, Hit, SearchQuery, SearchResult, Sort
from store.db import models as m
from store.lib.errors import BadRequest, field_error
from store.lib.i18n import _

from . import constants, lifecycle

SEARCH = "search"
"""Key, in the application state, of the search service (a ``search.service.Search``)."""

# The filters a search takes, in the order pages show them.
FILTERS = ("category", "kind", "region", "zone", "maturity", "xinchuang", "tag")
XINCHUANG_CHOICES: tuple[str, ...] = ("any", *constants.XC_CPUS, *constants.XC_OS, *constants.XC_DATABASES)
# The closed lists each coded parameter is checked against (region is checked in the database).
CHOICES: dict[str, tuple[str, ...]] = {
    "kind": tuple(m.AppKind),
    "category": tuple(m.Category),
    "zone": tuple(m.Zone),
    "maturity": tuple(m.Maturity),
    "xinchuang": XINCHUANG_CHOICES,
    "sort": SORTS,
}
MAX_TAG_CHARS = 50  # a tag is at most 20 characters (constants.MAX_TAG_LENGTH); this bounds the input
REGION_LEVELS = (m.RegionLevel.CITY, m.RegionLevel.DISTRICT)


def search_service(request: Request[Any, Any, Any]) -> Search:
    return cast(Search, request.app.state[SEARCH])


def _refused(field: str, message: str, **params: Any) -> BadRequest:
    """A 400 whose message and details both name the parameter (``field``)."""
    return BadRequest(message, details=[field_error(field, message, **params)], **params)


async def checked_query(
    session: AsyncSession,
    *,
    q: str | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 20,
    places: Container[str] | None = None,
    **filters: str | None,
) -> SearchQuery:
    """The search a request asked for, each value checked against the real code lists (the
    catalog's vocabularies, the regions in the database); blank values mean "no filter".
    ``places``: the codes of every city and district, when the caller has them at hand
    (``catalog.cache``); otherwise the region is looked up.

    Raises:
        BadRequest: naming the first parameter whose value is unknown or too long.
    """
    unknown = set(filters) - set(FILTERS)
    if unknown:  # a programming error, not a user's
        raise TypeError(f"not a search filter: {sorted(unknown)}")
    text = (q or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise _refused("q", _("The search text may be at most %(max)s characters."), max=MAX_QUERY_CHARS)
    values = {name: (value or "").strip() or None for name, value in filters.items()}
    values["sort"] = (sort or "").strip() or "relevance"
    for name, allowed in CHOICES.items():
        value = values.get(name)
        if value is not None and value not in allowed:
            raise _refused(
                name,
                _("Unknown value for %(parameter)s: %(value)s. Use one of: %(allowed)s."),
                parameter=name,
                value=value,
                allowed=", ".join(allowed),
            )
    tag = values.get("tag")
    if tag is not None and len(tag) > MAX_TAG_CHARS:
        raise _refused("tag", _("A tag may be at most %(max)s characters."), max=MAX_TAG_CHARS)
    region = values.get("region")
    if region is not None:
        if places is not None:
            known = region if region in places else None
        else:
            known = await session.scalar(
                select(m.Region.code).where(m.Region.code == region, m.Region.level.in_(REGION_LEVELS))
            )
        if known is None:
            raise _refused(
                "region",
                _("Unknown value for %(parameter)s: no city or district has the code %(value)s."),
                parameter="region",
                value=region,
            )
    return SearchQuery(
        q=text,
        kind=values.get("kind"),
        category=values.get("category"),
        region=region,
        zone=values.get("zone"),
        tag=tag,
        xinchuang=values.get("xinchuang"),
        maturity=values.get("maturity"),
        sort=cast(Sort, values["sort"]),
        page=page,
        per_page=per_page,
    )


async def search_page(search: Search, session: AsyncSession, query: SearchQuery) -> SearchResult:
    """One page of results. No engine browses past :data:`MAX_OFFSET` results: a page that starts
    deeper is an empty page when the results end before it (like every other list, it still
    tells the total), and a 400 when there are results there that cannot be shown."""
    if query.offset <= MAX_OFFSET:
        return await search.search(session, query)
    counted = await search.search(session, replace(query, page=1, per_page=1))
    if counted.total > query.offset:
        raise _refused(
            "page",
            _("Only the first %(max)s results can be browsed. Add words or filters to narrow the search."),
            max=MAX_OFFSET,
        )
    return replace(counted, hits=[], page=query.page, per_page=query.per_page)


async def apps_for(session: AsyncSession, hits: Sequence[Hit]) -> list[m.App]:
    """The public apps behind ``hits``, in hit order. An app that is gone or no longer public
    since the index last heard of it is left out (Meilisearch may lag the database briefly)."""
    ids = [hit.id for hit in hits]
    if not ids:
        return []
    rows = await session.scalars(select(m.App).where(m.App.id.in_(ids), m.App.status.in_(lifecycle.PUBLIC)))
    by_id = {app.id: app for app in rows}
    return [by_id[i] for i in ids if i in by_id]


def highlighted(html: str) -> Markup:
    """A hit's ``name_html``/``summary_html`` as markup a template shows unescaped.

    Safe, and the one place it is trusted: the search package builds these strings by
    HTML-escaping everything the publisher wrote (``markupsafe.escape``) and adding nothing but
    ``<mark>…</mark>`` around the matches (``search/highlight.py``); the tests check it with a
    name full of markup.
    """
    return Markup(html)  # noqa: S704 - escaped by search/highlight.py, see above


@dataclass(frozen=True)
class Listed:
    """One app of a result list as the pages show it: the hit (highlights) and its row."""

    hit: Hit
    app: m.App

    @property
    def name_html(self) -> Markup:
        return highlighted(self.hit.name_html)

    @property
    def summary_html(self) -> Markup:
        return highlighted(self.hit.summary_html)


async def listed(session: AsyncSession, hits: Sequence[Hit]) -> list[Listed]:
    by_id = {app.id: app for app in await apps_for(session, hits)}
    return [Listed(hit, by_id[hit.id]) for hit in hits if hit.id in by_id]
