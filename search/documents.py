"""The search document of an app: built from the database row by one function, for every engine.

Meilisearch indexes the dict as is; the database fallback reads the same fields. Display fields
keep what the publisher wrote; ``*_n`` fields are normalised (Simplified script, folded width and
case), ``words`` is our segmentation, and ``py_*`` are pinyin forms, so every engine matches
Traditional script, pinyin and homophones the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.db import models as m

from .text import normalise, pinyin, segmented

# Only these are listed and searchable; deprecated apps are marked as such on the page.
INDEXED_STATUSES = frozenset({m.AppStatus.PUBLISHED.value, m.AppStatus.DEPRECATED.value})
BODY_CHARS = 3000

# The engines' shared vocabulary. Searchable fields in order of importance.
SEARCHABLE_FIELDS: tuple[str, ...] = (
    "name_n",
    "name_en_n",
    "tags_n",
    "py_full",
    "py_ini",
    "py_syl",
    "summary_n",
    "words",
    "py_text",
    "department_n",
    "body_n",
)
FILTERABLE_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    "category",
    "regions",
    "city",
    "zone",
    "tags",
    "maturity",
    "license_type",
    "xinchuang",
    "status",
)
SORTABLE_FIELDS: tuple[str, ...] = ("live_adoptions", "published_at", "updated_at")
XINCHUANG_KINDS = (m.LabelKind.XC_CPU, m.LabelKind.XC_OS, m.LabelKind.XC_DB)


def _unix(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def document_for(
    app: m.App, *, live_adoptions: int = 0, city_zone: str | None = None
) -> dict[str, Any] | None:
    """The document for ``app``, or None when it must not be searchable (draft, submitted).

    ``app.region`` and ``app.labels`` must be loaded. A district whose region row carries no zone
    takes ``city_zone``, the zone of its parent city, which the caller looks up.
    """
    if app.status not in INDEXED_STATUSES:
        return None
    region = app.region
    city = region.code
    if region.level == m.RegionLevel.DISTRICT and region.parent_code:
        city = region.parent_code  # a district is found under its city too
    tags = app.tags
    xinchuang = list(dict.fromkeys(label.value for label in app.labels if label.kind in XINCHUANG_KINDS))
    body = app.description[:BODY_CHARS]
    name_and_tags = [pinyin(text) for text in [app.name, *tags]]
    return {
        "id": app.id,
        "slug": app.slug,
        "name": app.name,
        "name_en": app.name_en,
        "summary": app.summary,
        "department": app.department,
        "kind": app.kind,
        "category": app.category,
        "region_code": region.code,
        "region_name": region.name,
        "city": city,
        "zone": region.zone or city_zone or "",
        "regions": [region.code] if city == region.code else [region.code, city],
        "maturity": app.maturity,
        "license_type": app.license_type,
        "status": app.status,
        "tags": tags,
        "xinchuang": xinchuang,
        "live_adoptions": live_adoptions,
        "published_at": _unix(app.published_at),
        "updated_at": _unix(app.updated_at),
        "name_n": normalise(app.name),
        "name_en_n": normalise(app.name_en),
        "tags_n": [normalise(tag) for tag in tags],
        "summary_n": normalise(app.summary),
        "body_n": normalise(body),
        "department_n": normalise(app.department),
        "words": segmented("\n".join([app.name, *tags, app.summary, body])),
        "py_full": [py.full for py in name_and_tags],
        "py_syl": [" ".join(py.syllables) for py in name_and_tags],
        "py_ini": [py.initials for py in name_and_tags],
        "py_text": " ".join(pinyin("\n".join([app.name, app.summary, *tags])).syllables),
    }
