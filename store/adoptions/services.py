"""Adoptions: request, move through the life-cycle table, confirm, give feedback, upgrade, note,
re-confirm and sweep; read one or a page. Rules live here and in ``rules``/``lifecycle``; callers
commit.

Every change is one conditional statement, ``UPDATE adoptions SET …, revision = revision + 1
WHERE id = :id AND revision = :seen``: the check ("nobody changed it since I read it") and the
change are atomic on both databases, so of two decisions taken at once exactly one applies and
the other updates no row and answers 409. Every change also appends to the timeline
(``adoption_events``) and writes the app's audit log (``catalog.audit.record``), which emits
``AppChanged``: search re-indexes the app, and with it its live-adoption count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import Select, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.catalog import audit
from store.catalog import rules as catalog_rules
from store.db import models as m
from store.db.models._adoption import (
    Adoption,
    AdoptionEvent,
    AdoptionEventKind,
    AdoptionStatus,
    AdoptionVersion,
    Confirmation,
    live_adoption_counts_query,
)
from store.lib import policy
from store.lib.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed, field_error
from store.lib.i18n import _, gettext
from store.lib.pagination import paginate

from . import lifecycle, rules
from .labels import LABELS
from .lifecycle import Side

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


def _label(group: str, code: str) -> str:
    names = LABELS[group]
    return gettext(names.get(code, code))


def _status_name(status: str) -> str:
    return _label("adoption_status", status)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
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


def _in_region(column: Any, code: str) -> Any:
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


class AdoptionService:
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

    async def get(self, adoption_id: int, user: m.User | None) -> Adoption:
        """The adoption, if its app is visible to ``user``; otherwise 404."""
        adoption = await self.session.get(Adoption, adoption_id)
        if adoption is None or not catalog_rules.can_view_app(
            user, adoption.app.status, adoption.app.region_code
        ):
            raise NotFound(_("No adoption with the number %(id)s."), id=adoption_id)
        return adoption

    async def list_history(self, adoption: Adoption) -> list[AdoptionEvent]:
        rows = await self.session.scalars(
            select(AdoptionEvent).where(AdoptionEvent.adoption_id == adoption.id).order_by(AdoptionEvent.id)
        )
        return list(rows)

    async def list_versions(self, adoption: Adoption) -> list[AdoptionVersion]:
        rows = await self.session.scalars(
            select(AdoptionVersion)
            .where(AdoptionVersion.adoption_id == adoption.id)
            .order_by(AdoptionVersion.id)
        )
        return list(rows)

    def _filtered(self, filters: AdoptionFilters, user: m.User | None) -> Select[Any]:
        query = (
            select(Adoption).join(m.App, m.App.id == Adoption.app_id).where(catalog_rules.visible_apps(user))
        )
        if filters.app:
            query = query.where(m.App.slug == filters.app)
        if filters.region:
            query = query.where(_in_region(Adoption.adopter_region_code, filters.region))
        if filters.publisher_region:
            query = query.where(_in_region(m.App.region_code, filters.publisher_region))
        if filters.status:
            query = query.where(Adoption.status == filters.status)
        return query

    async def list_adoptions(
        self, filters: AdoptionFilters, user: m.User | None, *, page: int = 1, per_page: int = 20
    ) -> OffsetPagination[Adoption]:
        """Adoptions of the apps ``user`` may see, most recently changed first."""
        if filters.status and filters.status not in frozenset(S):
            raise ValidationFailed(
                details=[field_error("status", _("Choose one of: %(statuses)s."), statuses=", ".join(S))]
            )
        query = self._filtered(filters, user).order_by(Adoption.updated_at.desc(), Adoption.id.desc())
        return await paginate(AdoptionRepository(session=self.session), query, page=page, per_page=per_page)

    async def list_for_region(
        self,
        code: str,
        role: str,
        user: m.User | None,
        *,
        status: str | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> OffsetPagination[Adoption]:
        """A region's adoptions as ``adopter`` (what it reuses) or ``publisher`` (who reuses its apps)."""
        if role == "adopter":
            filters = AdoptionFilters(region=code, status=status)
        elif role == "publisher":
            filters = AdoptionFilters(publisher_region=code, status=status)
        else:
            raise ValidationFailed(details=[field_error("as", _("Choose adopter or publisher."))])
        return await self.list_adoptions(filters, user, page=page, per_page=per_page)

    # ------------------------------------------------------------------ requesting

    async def _open_adoption(self, app_id: int, region_code: str) -> Adoption | None:
        return await self.session.scalar(
            select(Adoption).where(
                Adoption.app_id == app_id,
                Adoption.adopter_region_code == region_code,
                Adoption.status.in_(lifecycle.OPEN),
            )
        )

    async def _offered_version(self, app: m.App, version: str, field: str = "version") -> str:
        """``version`` if the app offers it to adopters: approved by review and not yanked."""
        found = await self.session.scalar(
            select(m.Version).where(
                m.Version.app_id == app.id,
                m.Version.version == version,
                m.Version.review_status == m.ReviewStatus.APPROVED,
                m.Version.yanked.is_(False),
            )
        )
        if found is None:
            raise ValidationFailed(
                details=[
                    field_error(
                        field, _("This app offers no version %(version)s to adopters."), version=version
                    )
                ]
            )
        return found.version

    def _already_open(self, adoption: Adoption) -> Conflict:
        return Conflict(
            _("%(region)s already has an open adoption of this app: number %(id)s, %(status)s."),
            details={"adoption": adoption.id, "status": adoption.status},
            region=adoption.adopter_region.name,
            id=adoption.id,
            status=_status_name(adoption.status),
        )

    async def request(self, user: m.User | None, data: RequestData) -> Adoption:
        """A new adoption in ``requested``: 409 naming the open one when the region has one."""
        policy.authorize(user, "adoptions.request")
        assert user is not None
        app = await self.session.scalar(select(m.App).where(m.App.slug == data.app))
        if app is None or not catalog_rules.can_view_app(user, app.status, app.region_code):
            raise NotFound(_("No app with the slug %(slug)s."), slug=data.app)
        if app.status != m.AppStatus.PUBLISHED:
            raise Conflict(_("Only a published app can be adopted."))
        region = await self.session.get(m.Region, data.region or user.region_code)
        if region is None:
            raise ValidationFailed(details=[field_error("region", _("No region with this code."))])
        refusal = rules.request_refusal(user.region_code, rules.Place.of(region), rules.Place.of(app.region))
        if refusal:
            raise Forbidden(refusal)
        if not data.contact_name.strip():
            raise ValidationFailed(details=[field_error("contact_name", _("Name a contact person."))])
        version = await self._offered_version(app, data.version.strip())
        existing = await self._open_adoption(app.id, region.code)
        if existing is not None:
            raise self._already_open(existing)
        # ON CONFLICT DO NOTHING: a parallel request for the same app and region that got in
        # first makes this insert nothing (the partial unique index), instead of an error that
        # would end the transaction; the loser then names the winner like any second request.
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(Adoption)
            .values(
                app_id=app.id,
                adopter_region_code=region.code,
                status=S.REQUESTED,
                revision=1,
                requested_version=version,
                current_version=version,
                purpose=data.purpose.strip(),
                contact_name=data.contact_name.strip(),
                contact_phone=data.contact_phone.strip(),
                environment=data.environment.strip(),
                requested_by_id=user.id,
                saving_basis="",
                feedback="",
                publisher_confirmation=Confirmation.UNCONFIRMED,
                confirmation_comment="",
                stale=False,
            )
            .on_conflict_do_nothing()
            .returning(Adoption.id)
        )
        new_id = await self.session.scalar(statement)
        if new_id is None:
            winner = await self._open_adoption(app.id, region.code)
            assert winner is not None
            raise self._already_open(winner)
        adoption = await self.session.get_one(Adoption, new_id)
        self.session.add(AdoptionVersion(adoption_id=adoption.id, version=version, recorded_by_id=user.id))
        self._event(adoption, user, AdoptionEventKind.TRANSITION, None, S.REQUESTED, data.purpose.strip())
        self._audit(adoption, user, "adoption_requested", {"adoption_status": [None, S.REQUESTED]})
        await self.session.flush()
        return adoption

    # ------------------------------------------------------------------ changing

    def _event(
        self,
        adoption: Adoption,
        user: m.User | None,
        kind: str,
        from_status: str | None,
        to_status: str | None,
        comment: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AdoptionEvent(
                adoption_id=adoption.id,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                actor_id=user.id if user else None,
                comment=comment,
                data=_plain(data or {}),
                revision=adoption.revision,
            )
        )

    def _audit(
        self, adoption: Adoption, user: m.User | None, action: str, changes: dict[str, Any], comment: str = ""
    ) -> None:
        # "adoption" is context, not a change: which adoption (number, adopting region) it was.
        changes = {"adoption": [adoption.id, adoption.adopter_region_code], **changes}
        audit.record(self.session, adoption.app, user, action, changes=changes, comment=comment)

    async def _apply(
        self, adoption: Adoption, values: dict[str, Any], *, expected_revision: int | None
    ) -> None:
        """Write ``values`` if the adoption is still at the revision seen (``expected_revision``,
        or the one read); 409 if it moved on. Refreshes ``adoption`` from the row written."""
        seen = adoption.revision if expected_revision is None else expected_revision
        statement = (
            update(Adoption)
            .where(Adoption.id == adoption.id, Adoption.revision == seen)
            .values(**values, revision=Adoption.revision + 1, updated_at=m.utcnow())
            .returning(Adoption.id)
            .execution_options(synchronize_session=False)
        )
        written = await self.session.scalar(statement)
        await self.session.refresh(adoption)
        if written is None:
            raise self._moved_on(adoption)

    @staticmethod
    def _moved_on(adoption: Adoption) -> Conflict:
        return Conflict(
            _(
                "This adoption has changed since you loaded it: it is now %(status)s, revision"
                " %(revision)s. Reload it and try again."
            ),
            details={"status": adoption.status, "revision": adoption.revision},
            status=_status_name(adoption.status),
            revision=adoption.revision,
        )

    def _acting(self, user: m.User | None, adoption: Adoption, side: Side, states: frozenset[str]) -> None:
        """Confirm, feedback, upgrade, re-confirm: taken by one side, in some states only."""
        if user is None:
            raise Unauthorized()
        if side not in self.sides(user, adoption):
            raise Forbidden(_("Only %(side)s can do this."), side=_label("adoption_side", side))
        if adoption.status not in states:
            raise Conflict(
                _("This adoption is %(status)s; this can be done only when it is %(allowed)s."),
                status=_status_name(adoption.status),
                allowed=", ".join(_status_name(s) for s in sorted(states)),
            )

    async def transition(
        self,
        user: m.User | None,
        adoption: Adoption,
        to: str,
        comment: str = "",
        *,
        expected_revision: int | None = None,
        go_live: GoLive | None = None,
    ) -> Adoption:
        """Move ``adoption`` to ``to`` if the table lets ``user``'s side do so from here."""
        if user is None:
            raise Unauthorized()
        comment = comment.strip()
        if expected_revision is not None and expected_revision != adoption.revision:
            raise self._moved_on(adoption)
        found = lifecycle.check(adoption.status, to, self.sides(user, adoption), comment)
        go_live = go_live or GoLive()
        values: dict[str, Any] = {"status": to}
        data: dict[str, Any] = {}
        if found.takes_go_live:
            went_live_on = go_live.went_live_on or self.today()
            saving_wan = checked_saving(go_live.saving_wan)
            if went_live_on > self.today():
                raise ValidationFailed(
                    details=[field_error("went_live_on", _("The go-live date cannot be in the future."))]
                )
            data = {
                "went_live_on": went_live_on.isoformat(),
                "saving_wan": saving_wan,
                "saving_basis": go_live.saving_basis.strip(),
            }
            values |= {
                "went_live_on": went_live_on,
                "saving_wan": saving_wan,
                "saving_basis": go_live.saving_basis.strip(),
                "reconfirm_due_on": add_year(went_live_on),
                "stale": False,
                "publisher_confirmation": Confirmation.UNCONFIRMED,
            }
        elif go_live.given:
            raise ValidationFailed(
                details=[
                    field_error(
                        "went_live_on", _("The go-live date and saving are recorded with going live.")
                    )
                ]
            )
        if to in lifecycle.DECISIONS:
            values["decided_at"] = m.utcnow()
        if to in lifecycle.CLOSED:
            values["closed_at"] = m.utcnow()
        before = adoption.status
        await self._apply(adoption, values, expected_revision=expected_revision)
        self._event(adoption, user, AdoptionEventKind.TRANSITION, before, to, comment, data)
        self._audit(adoption, user, f"adoption_{to}", {"adoption_status": [before, to]}, comment)
        await self.session.flush()
        return adoption

    async def confirm(
        self,
        user: m.User | None,
        adoption: Adoption,
        confirmed: bool,
        comment: str = "",
        *,
        expected_revision: int | None = None,
    ) -> Adoption:
        """The publisher confirms a live adoption, or disputes it (with a comment)."""
        self._acting(user, adoption, Side.PUBLISHER, lifecycle.RUNNING)
        comment = comment.strip()
        if not confirmed and not comment:
            raise ValidationFailed(details=[field_error("comment", _("Say what is wrong with this record."))])
        answer = Confirmation.CONFIRMED if confirmed else Confirmation.DISPUTED
        before = adoption.publisher_confirmation
        await self._apply(
            adoption,
            {"publisher_confirmation": answer, "confirmation_comment": comment, "confirmed_at": m.utcnow()},
            expected_revision=expected_revision,
        )
        self._event(
            adoption,
            user,
            AdoptionEventKind.CONFIRM,
            adoption.status,
            adoption.status,
            comment,
            {"answer": answer},
        )
        self._audit(
            adoption, user, f"adoption_{answer}", {"publisher_confirmation": [before, answer]}, comment
        )
        await self.session.flush()
        return adoption

    async def feedback(
        self,
        user: m.User | None,
        adoption: Adoption,
        *,
        rating: int | None = None,
        comment: str = "",
        saving_wan: Decimal | None = None,
        saving_basis: str = "",
        expected_revision: int | None = None,
    ) -> Adoption:
        """The adopter's rating, comment and saving estimate for a live adoption; what is not
        sent stays as it was."""
        self._acting(user, adoption, Side.ADOPTER, lifecycle.RUNNING)
        values: dict[str, Any] = {}
        if rating is not None:
            if not 1 <= rating <= 5:
                raise ValidationFailed(details=[field_error("rating", _("Rate from 1 to 5."))])
            values["rating"] = rating
        if comment.strip():
            values["feedback"] = comment.strip()
        if saving_wan is not None:
            values["saving_wan"] = checked_saving(saving_wan)
        if saving_basis.strip():
            values["saving_basis"] = saving_basis.strip()
        if not values:
            raise ValidationFailed(
                details=[field_error("rating", _("Give a rating, a comment or a saving."))]
            )
        changes = {key: [getattr(adoption, key), value] for key, value in values.items()}
        await self._apply(adoption, values | {"feedback_at": m.utcnow()}, expected_revision=expected_revision)
        self._event(
            adoption,
            user,
            AdoptionEventKind.FEEDBACK,
            adoption.status,
            adoption.status,
            comment.strip(),
            values,
        )
        self._audit(adoption, user, "adoption_feedback", changes, comment.strip())
        await self.session.flush()
        return adoption

    async def upgrade(
        self,
        user: m.User | None,
        adoption: Adoption,
        version: str,
        comment: str = "",
        *,
        expected_revision: int | None = None,
    ) -> Adoption:
        """Record that the adopter now runs ``version``: the current row of ``adoption_versions``
        is closed and a new one opened (nothing is overwritten)."""
        self._acting(user, adoption, Side.ADOPTER, lifecycle.UPGRADABLE)
        assert user is not None
        version = await self._offered_version(adoption.app, version.strip())
        before = adoption.current_version
        if version == before:
            raise ValidationFailed(
                details=[field_error("version", _("This region runs %(version)s already."), version=version)]
            )
        await self._apply(adoption, {"current_version": version}, expected_revision=expected_revision)
        now = m.utcnow()
        await self.session.execute(
            update(AdoptionVersion)
            .where(AdoptionVersion.adoption_id == adoption.id, AdoptionVersion.until.is_(None))
            .values(until=now)
            .execution_options(synchronize_session=False)
        )
        self.session.add(
            AdoptionVersion(adoption_id=adoption.id, version=version, since=now, recorded_by_id=user.id)
        )
        data = {"from": before, "to": version}
        self._event(
            adoption, user, AdoptionEventKind.UPGRADE, adoption.status, adoption.status, comment.strip(), data
        )
        self._audit(
            adoption, user, "adoption_upgraded", {"current_version": [before, version]}, comment.strip()
        )
        await self.session.flush()
        return adoption

    async def reconfirm(
        self,
        user: m.User | None,
        adoption: Adoption,
        comment: str = "",
        *,
        expected_revision: int | None = None,
    ) -> Adoption:
        """The adopter's yearly "still live": the next re-confirmation a year from today, not stale."""
        self._acting(user, adoption, Side.ADOPTER, lifecycle.RUNNING)
        due = add_year(self.today())
        await self._apply(
            adoption, {"reconfirm_due_on": due, "stale": False}, expected_revision=expected_revision
        )
        data = {"reconfirm_due_on": due.isoformat()}
        self._event(
            adoption,
            user,
            AdoptionEventKind.RECONFIRM,
            adoption.status,
            adoption.status,
            comment.strip(),
            data,
        )
        self._audit(adoption, user, "adoption_reconfirmed", {"reconfirm_due_on": [None, due.isoformat()]})
        await self.session.flush()
        return adoption

    async def note(self, user: m.User | None, adoption: Adoption, comment: str) -> AdoptionEvent:
        """A note on the timeline, from provincial staff or someone on a side; the adoption
        itself does not change (nor its revision)."""
        if user is None:
            raise Unauthorized()
        policy.authorize(user, "adoptions.note")
        if not rules.may_note(self.sides(user, adoption)):
            raise Forbidden(_("Only the two regions and provincial staff can add notes to an adoption."))
        comment = comment.strip()
        if not comment:
            raise ValidationFailed(details=[field_error("comment", _("Write the note."))])
        self._event(adoption, user, AdoptionEventKind.NOTE, adoption.status, adoption.status, comment)
        self._audit(adoption, user, "adoption_note", {}, comment)
        await self.session.flush()
        return (await self.list_history(adoption))[-1]

    async def sweep(self) -> list[int]:
        """Mark stale every live adoption whose re-confirmation is more than 30 days overdue; the
        ids marked. Run by ``store adoptions sweep`` (and the background task in ``store run``)."""
        cutoff = self.today() - STALE_AFTER
        overdue = await self.session.scalars(
            select(Adoption).where(
                Adoption.status == S.LIVE, Adoption.stale.is_(False), Adoption.reconfirm_due_on < cutoff
            )
        )
        marked = []
        for adoption in list(overdue):
            try:
                await self._apply(adoption, {"stale": True}, expected_revision=None)
            except Conflict:
                continue  # changed meanwhile (perhaps re-confirmed): the next sweep looks again
            data = {
                "reconfirm_due_on": adoption.reconfirm_due_on.isoformat()
                if adoption.reconfirm_due_on
                else None
            }
            self._event(adoption, None, AdoptionEventKind.STALE, S.LIVE, S.LIVE, "", data)
            self._audit(adoption, None, "adoption_stale", {"stale": [False, True]})
            marked.append(adoption.id)
        await self.session.flush()
        return marked
