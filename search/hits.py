"""A found document as a ``Hit``, the same for every engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .highlight import highlight
from .query import ParsedQuery
from .types import Hit


def hit_from_document(doc: Mapping[str, Any], parsed: ParsedQuery) -> Hit:
    """``doc`` has the display fields of a search document (``documents.document_for``)."""
    name = doc.get("name") or ""
    summary = doc.get("summary") or ""
    return Hit(
        id=int(doc["id"]),
        slug=doc["slug"],
        name=name,
        name_en=doc.get("name_en") or "",
        summary=summary,
        kind=doc.get("kind") or "",
        category=doc.get("category") or "",
        region_code=doc.get("region_code") or "",
        region_name=doc.get("region_name") or "",
        city=doc.get("city") or "",
        zone=doc.get("zone") or "",
        maturity=doc.get("maturity") or "",
        status=doc.get("status") or "",
        tags=tuple(doc.get("tags") or ()),
        live_adoptions=int(doc.get("live_adoptions") or 0),
        published_at=int(doc.get("published_at") or 0),
        name_html=highlight(name, parsed),
        summary_html=highlight(summary, parsed),
    )
