"""API shapes for adoptions. Types and lengths are checked here (400); meaning in the services and
the life-cycle table (409/403/422). Every string and list is bounded."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEvent, AdoptionVersion
from store.lib.pagination import PageOut

Slug = Annotated[str, msgspec.Meta(max_length=64)]
RegionCode = Annotated[str, msgspec.Meta(min_length=6, max_length=6, pattern=r"^\d{6}$")]
VersionText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Comment = Annotated[str, msgspec.Meta(max_length=5000)]
Purpose = Annotated[str, msgspec.Meta(max_length=5000)]
Name = Annotated[str, msgspec.Meta(max_length=50)]
Phone = Annotated[str, msgspec.Meta(max_length=30)]
Environment = Annotated[str, msgspec.Meta(max_length=200)]
SavingBasis = Annotated[str, msgspec.Meta(max_length=500)]
# 万元. msgspec bounds no Decimal: the range (0 to the column's 10 digits) and the two decimals
# are checked by the service (``services.checked_saving``, 422).
SavingWan = Annotated[Decimal, msgspec.Meta(description="Money saved, in 万元 (0 to 9999999999.99).")]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]
Revision = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
StatusName = Annotated[str, msgspec.Meta(max_length=20)]


class AdoptionRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    app: Slug
    version: VersionText
    contact_name: Name
    region: RegionCode | None = None  # the requester's own region when not sent
    purpose: Purpose = ""
    contact_phone: Phone = ""
    environment: Environment = ""


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True):
    to: StatusName
    comment: Comment = ""
    expected_revision: Revision | None = None
    # Only with "to": "live".
    went_live_on: date | None = None
    saving_wan: SavingWan | None = None
    saving_basis: SavingBasis = ""


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    confirmed: bool
    comment: Comment = ""
    expected_revision: Revision | None = None


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    rating: Rating | None = None
    comment: Comment = ""
    saving_wan: SavingWan | None = None
    saving_basis: SavingBasis = ""
    expected_revision: Revision | None = None


class UpgradeIn(msgspec.Struct, forbid_unknown_fields=True):
    version: VersionText
    comment: Comment = ""
    expected_revision: Revision | None = None


class ReconfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    comment: Comment = ""
    expected_revision: Revision | None = None


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    comment: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class RegionRefOut(msgspec.Struct):
    code: str
    name: str

    @classmethod
    def of(cls, region: m.Region) -> RegionRefOut:
        return cls(code=region.code, name=region.name)


class AppRefOut(msgspec.Struct):
    slug: str
    name: str
    region: RegionRefOut

    @classmethod
    def of(cls, app: m.App) -> AppRefOut:
        return cls(slug=app.slug, name=app.name, region=RegionRefOut.of(app.region))


class AdoptionEventOut(msgspec.Struct):
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str | None
    at: datetime
    revision: int
    comment: str | None  # None: not shown to this user
    data: dict[str, Any]

    @classmethod
    def of(cls, event: AdoptionEvent, *, private: bool) -> AdoptionEventOut:
        return cls(
            kind=event.kind,
            from_status=event.from_status,
            to_status=event.to_status,
            actor=event.actor.display_name or event.actor.username if event.actor else None,
            at=event.at,
            revision=event.revision,
            comment=event.comment if private else None,
            data=event.data,
        )


class AdoptionVersionOut(msgspec.Struct):
    version: str
    since: datetime
    until: datetime | None

    @classmethod
    def of(cls, row: AdoptionVersion) -> AdoptionVersionOut:
        return cls(version=row.version, since=row.since, until=row.until)


class AdoptionOut(msgspec.Struct):
    """One adoption. The private fields (contact, purpose, environment) are None for users on no
    side of it; ``allowed`` lists the statuses this user may move it to now."""

    id: int
    app: AppRefOut
    region: RegionRefOut
    status: str
    revision: int
    requested_version: str
    current_version: str
    went_live_on: date | None
    saving_wan: Decimal | None
    saving_basis: str
    rating: int | None
    feedback: str
    publisher_confirmation: str
    confirmation_comment: str
    confirmed_at: datetime | None
    stale: bool
    reconfirm_due_on: date | None
    decided_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed: list[str]
    purpose: str | None
    contact_name: str | None
    contact_phone: str | None
    environment: str | None
    history: list[AdoptionEventOut] | None = None
    versions: list[AdoptionVersionOut] | None = None

    @classmethod
    def of(
        cls,
        adoption: Adoption,
        *,
        private: bool,
        allowed: list[str],
        history: list[AdoptionEvent] | None = None,
        versions: list[AdoptionVersion] | None = None,
    ) -> AdoptionOut:
        return cls(
            id=adoption.id,
            app=AppRefOut.of(adoption.app),
            region=RegionRefOut.of(adoption.adopter_region),
            status=adoption.status,
            revision=adoption.revision,
            requested_version=adoption.requested_version,
            current_version=adoption.current_version,
            went_live_on=adoption.went_live_on,
            saving_wan=adoption.saving_wan,
            saving_basis=adoption.saving_basis,
            rating=adoption.rating,
            feedback=adoption.feedback,
            publisher_confirmation=adoption.publisher_confirmation,
            confirmation_comment=adoption.confirmation_comment,
            confirmed_at=adoption.confirmed_at,
            stale=adoption.stale,
            reconfirm_due_on=adoption.reconfirm_due_on,
            decided_at=adoption.decided_at,
            closed_at=adoption.closed_at,
            created_at=adoption.created_at,
            updated_at=adoption.updated_at,
            allowed=allowed,
            purpose=adoption.purpose if private else None,
            contact_name=adoption.contact_name if private else None,
            contact_phone=adoption.contact_phone if private else None,
            environment=adoption.environment if private else None,
            history=None if history is None else [AdoptionEventOut.of(e, private=private) for e in history],
            versions=None if versions is None else [AdoptionVersionOut.of(v) for v in versions],
        )


class AdoptionPageOut(PageOut):
    items: list[AdoptionOut]
