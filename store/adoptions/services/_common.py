"""What the adoption services share: the inputs they take, the checks on amounts and regions,
and the base that says who stands on which side of an adoption."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.db.models._adoption import (
    Adoption,
    AdoptionStatus,
    live_adoption_counts_query,
)
from store.lib.errors import ValidationFailed, field_error
from store.lib.i18n import _, gettext

from .. import lifecycle, rules
from ..labels import LABELS
from ..lifecycle import Side

S = AdoptionStatus
STALE_AFTER = timedelta(days=30)  # past the yearly re-confirmation date
MAX_SAVING_WAN = Decimal("9999999999.99")  # adoptions.saving_wan is NUMERIC(12, 2)


def add_year(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class AdoptionFilters:
    app: str | None = None  # app slug
    region: str | None = None  # adopting region (a city includes its districts)
    publisher_region: str | None = None  # the app's region (a city includes its districts)
    status: str | None = None


@dataclass(frozen=True)
class GoLive:
    """What the ``live`` step records."""

    went_live_on: date | None = None  # today when not given
    saving_wan: Decimal | None = None
    saving_basis: str = ""

    @property
    def given(self) -> bool:
        return self.went_live_on is not None or self.saving_wan is not None or bool(self.saving_basis)


@dataclass(frozen=True)
class RequestData:
    app: str
    version: str
    contact_name: str
    region: str | None = None
    purpose: str = ""
    contact_phone: str = ""
    environment: str = ""


class AdoptionRepository(SQLAlchemyAsyncRepository[Adoption]):
    model_type = Adoption


def label(group: str, code: str) -> str:
    names = LABELS[group]
    return gettext(names.get(code, code))


def status_name(status: str) -> str:
    return label("adoption_status", status)


def plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values for the timeline (amounts as strings, dates in ISO form)."""
    return {
        key: str(value)
        if isinstance(value, Decimal)
        else value.isoformat()
        if isinstance(value, date)
        else value
        for key, value in data.items()
    }


def checked_saving(value: Decimal | None) -> Decimal | None:
    """A saving in 万元, from 0 to the column's limit, rounded to 2 decimals; or 422."""
    if value is None:
        return None
    if not value.is_finite() or not Decimal(0) <= value <= MAX_SAVING_WAN:
        raise ValidationFailed(
            details=[field_error("saving_wan", _("Give the saving in 万元, from 0 to 9999999999.99."))]
        )
    return value.quantize(Decimal("0.01"))


def offered_version() -> Any:
    """The WHERE clause of a version adopters may name: approved by review, not yanked."""
    return and_(m.Version.review_status == m.ReviewStatus.APPROVED, m.Version.yanked.is_(False))


def in_region(column: Any, code: str) -> Any:
    """``column`` is ``code`` or one of its districts."""
    return column.in_(select(m.Region.code).where(or_(m.Region.code == code, m.Region.parent_code == code)))


async def live_adoption_counts(session: AsyncSession, app_ids: Sequence[int]) -> dict[int, int]:
    """The number of live adoptions of each app in ``app_ids`` (0 for those with none), in one
    aggregate query. ``search/`` cannot import this module; it runs the same statement,
    ``store.db.models._adoption.live_adoption_counts_query``, on its own session."""
    counts = dict.fromkeys(app_ids, 0)
    if app_ids:
        for app_id, count in await session.execute(live_adoption_counts_query(list(app_ids))):
            counts[app_id] = count
    return counts


class ServiceBase:
    def __init__(self, session: AsyncSession, *, today: Callable[[], date] | None = None) -> None:
        self.session = session
        # Injectable for tests of go-live defaults, re-confirmation and the stale sweep.
        self.today = today or (lambda: m.utcnow().date())

    # ------------------------------------------------------------------ who stands where

    def sides(self, user: m.User | None, adoption: Adoption) -> frozenset[Side]:
        return rules.sides_of(
            user,
            publisher=rules.Place.of(adoption.app.region),
            adopter=rules.Place.of(adoption.adopter_region),
            requested_by_id=adoption.requested_by_id,
        )

    def allowed(self, user: m.User | None, adoption: Adoption) -> list[str]:
        """The statuses ``user`` may move ``adoption`` to now (for the answer and the page)."""
        return lifecycle.allowed_for(adoption.status, self.sides(user, adoption))

    def shows_private(self, user: m.User | None, adoption: Adoption) -> bool:
        return rules.may_read_private(user, self.sides(user, adoption))

    # ------------------------------------------------------------------ reading
