"""API shapes for apps. Types and lengths are checked here (400); meaning in validation.py (422)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from store.db import models as m
from store.lib import markdown
from store.lib.pagination import PageOut
from store.lib.schemas import from_attributes

from . import constants as c

Short = Annotated[str, msgspec.Meta(max_length=200)]
Long = Annotated[str, msgspec.Meta(max_length=50_000)]
Url = Annotated[str, msgspec.Meta(max_length=500)]
Item = Annotated[str, msgspec.Meta(max_length=50)]
# Every list is bounded here, so an oversized list costs one 400 and no validation work; the
# domain limits (e.g. 10 tags) are checked with a friendlier message in validation.py.
Items = Annotated[list[Item], msgspec.Meta(max_length=c.MAX_LIST_INPUT)]


class ReferencePriceIn(msgspec.Struct, forbid_unknown_fields=True):
    description: Annotated[str, msgspec.Meta(max_length=200)]
    amount_yuan: Decimal
    year: int | None = None


ReferencePrices = Annotated[list[ReferencePriceIn], msgspec.Meta(max_length=c.MAX_LIST_INPUT)]


class XinchuangIn(msgspec.Struct, forbid_unknown_fields=True):
    cpus: Items = msgspec.field(default_factory=list)
    os: Items = msgspec.field(default_factory=list)
    databases: Items = msgspec.field(default_factory=list)


class AppIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Create (required fields checked in validation) or PATCH (only the fields sent)."""

    kind: Short | None = None
    name: Short | None = None
    name_en: Short | None = None
    slug: Short | None = None
    summary: Short | None = None
    description: Long | None = None
    category: Short | None = None
    tags: Items | None = None
    department: Short | None = None
    contact_name: Short | None = None
    contact_phone: Short | None = None
    contact_email: Short | None = None
    maturity: Short | None = None
    license_type: Short | None = None
    license_spdx: Short | None = None
    reuse_terms: Long | None = None
    offering: Short | None = None
    price_yuan: Decimal | None = None
    deployment_fee_yuan: Decimal | None = None
    reference_prices: ReferencePrices | None = None
    deployment_modes: Items | None = None
    tech_stack: Items | None = None
    requirements: Long | None = None
    xinchuang: XinchuangIn | None = None
    integrations: Items | None = None
    docs_url: Url | None = None
    source_url: Url | None = None

    def sent(self) -> dict[str, Any]:
        """The fields present in the request (None means "not sent" for PATCH)."""
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not None}


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Annotated[str, msgspec.Meta(max_length=20, description="approve or return")]
    comment: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class DeprecateIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=5000)]
    successor: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class RegionBriefOut(msgspec.Struct):
    code: str
    name: str
    zone: str | None
    is_east_west_north: bool

    @classmethod
    def of(cls, region: m.Region) -> RegionBriefOut:
        return from_attributes(cls, region)


class AppOut(msgspec.Struct):
    slug: str
    kind: str
    name: str
    name_en: str
    summary: str
    description: str
    description_html: str
    category: str
    tags: list[str]
    region: RegionBriefOut
    department: str
    contact_name: str
    contact_phone: str
    contact_email: str
    maturity: str
    license_type: str
    license_spdx: str
    reuse_terms: str
    offering: str
    price_yuan: Decimal | None
    deployment_fee_yuan: Decimal | None
    reference_prices: list[dict[str, Any]]
    deployment_modes: list[str]
    tech_stack: list[str]
    requirements: str
    xinchuang: dict[str, list[str]]
    integrations: list[str]
    docs_url: str
    source_url: str
    status: str
    review_comment: str
    deprecation_reason: str
    successor: str | None
    latest_version: str | None
    screenshots: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None

    @classmethod
    def of(
        cls, app: m.App, latest_version: str | None = None, screenshots: list[m.Screenshot] | None = None
    ) -> AppOut:
        return from_attributes(
            cls,
            app,
            region=RegionBriefOut.of(app.region),
            description_html=markdown.render(app.description),
            successor=app.successor.slug if app.successor else None,
            latest_version=latest_version,
            screenshots=[
                {
                    "id": s.id,
                    "caption": s.caption,
                    "url": f"/screenshots/{s.id}",
                    "thumbnail_url": f"/screenshots/{s.id}/thumbnail",
                    "width": s.width,
                    "height": s.height,
                    "review_status": s.review_status,
                }
                for s in screenshots or []
            ],
        )


class AppSummaryOut(msgspec.Struct):
    slug: str
    kind: str
    name: str
    name_en: str
    summary: str
    category: str
    tags: list[str]
    region: RegionBriefOut
    maturity: str
    status: str
    xinchuang: dict[str, list[str]]
    published_at: datetime | None

    @classmethod
    def of(cls, app: m.App) -> AppSummaryOut:
        return from_attributes(cls, app, region=RegionBriefOut.of(app.region))


class AppPageOut(PageOut):
    items: list[AppSummaryOut]


class AuditOut(msgspec.Struct):
    action: str
    actor: str | None
    at: datetime
    changes: dict[str, Any]
    comment: str

    @classmethod
    def of(cls, entry: m.AuditEntry) -> AuditOut:
        return from_attributes(cls, entry, actor=entry.actor.username if entry.actor else None)
