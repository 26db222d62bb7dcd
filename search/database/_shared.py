"""What both databases' queries share: where a word was found, the columns of a match, filters."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists

from ..index_db import DOCUMENTS, FACETS, SINGLE_FACETS
from ..types import SearchQuery

# Where a word matched, best first: the weight each place adds to the ranking (name, tags,
# summary or the characters of those; elsewhere — description, homophones — adds nothing).
NAME, TAGS, SUMMARY = 3, 2, 1

# What the page, the facets and the ordering read of each matching app.
MATCHED_COLUMNS = [DOCUMENTS.c[name] for name in ("app_id", "live_adoptions", "published_at", *SINGLE_FACETS)]


def has_facet(facet: str, value: str | None = None) -> ColumnElement[bool]:
    row = FACETS.alias("ff")
    conditions = [row.c.app_id == DOCUMENTS.c.app_id, row.c.facet == facet]
    if value is not None:
        conditions.append(row.c.value == value)
    return exists().where(*conditions)


def filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    d = DOCUMENTS.c
    found: list[ColumnElement[bool]] = []
    for name in ("kind", "category", "zone", "maturity"):
        if (value := getattr(query, name)) is not None:
            found.append(d[name] == value)
    if query.region is not None:
        found.append(has_facet("regions", query.region))
    if query.tag is not None:
        found.append(has_facet("tags", query.tag))
    if query.xinchuang is not None:
        found.append(has_facet("xinchuang", None if query.xinchuang == "any" else query.xinchuang))
    if query.exclude_ids:
        found.append(d.app_id.not_in(list(query.exclude_ids)))
    return found
