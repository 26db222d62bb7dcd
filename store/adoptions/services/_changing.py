"""Changing adoptions: every change is a conditional UPDATE on ``revision`` (``_apply``), an
event on the timeline and a line in the app's audit log; a step the other side must hear of also
writes its notifications (``notifications.fanout``), in the same transaction, after the change
applied, so a refused change notifies nobody."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, select, update

from store.catalog import audit
from store.db import models as m
from store.db.models._adoption import (
    Adoption,
    AdoptionEvent,
    AdoptionEventKind,
    AdoptionVersion,
    Confirmation,
)
from store.lib import metrics, policy
from store.lib.errors import Conflict, Forbidden, Unauthorized, ValidationFailed, field_error
from store.lib.i18n import _
from store.notifications import fanout

from .. import lifecycle, rules
from ..lifecycle import Side
from ._common import (
    STALE_AFTER,
    GoLive,
    S,
    add_year,
    checked_saving,
    label,
    plain,
    status_name,
)
from ._reading import Reading

K = m.NotificationKind
# Who hears of each step: the other side. (Deploying concerns the adopter alone.)
STEP_NOTICES: dict[str, tuple[Side, m.NotificationKind]] = {
    S.WITHDRAWN: (Side.PUBLISHER, K.ADOPTION_WITHDRAWN),
    S.APPROVED: (Side.ADOPTER, K.ADOPTION_APPROVED),
    S.DECLINED: (Side.ADOPTER, K.ADOPTION_DECLINED),
    S.LIVE: (Side.PUBLISHER, K.ADOPTION_LIVE),  # to confirm or dispute it
    S.RETIRED: (Side.PUBLISHER, K.ADOPTION_RETIRED),
}


class Changing(Reading):
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
        metrics.adoption_event(kind, from_status, to_status)
        self.session.add(
            AdoptionEvent(
                adoption_id=adoption.id,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                actor_id=user.id if user else None,
                comment=comment,
                data=plain(data or {}),
                revision=adoption.revision,
            )
        )

    def _audit(
        self, adoption: Adoption, user: m.User | None, action: str, changes: dict[str, Any], comment: str = ""
    ) -> None:
        # "adoption" is context, not a change: which adoption (number, adopting region) it was.
        changes = {"adoption": [adoption.id, adoption.adopter_region_code], **changes}
        audit.record(self.session, adoption.app, user, action, changes=changes, comment=comment)

    async def _notify(
        self,
        adoption: Adoption,
        side: Side,
        kind: m.NotificationKind,
        *,
        comment: str = "",
        params: dict[str, Any] | None = None,
    ) -> None:
        """One inbox row for each staff user acting for ``side`` of ``adoption`` (a district's
        city staff included). ``params`` replaces the adoption kinds' names (see
        ``notifications.messages`` for what each kind names)."""
        region = adoption.app.region_code if side == Side.PUBLISHER else adoption.adopter_region_code
        if params is None:
            params = {
                "app": adoption.app.name,
                "app_slug": adoption.app.slug,
                "region": adoption.adopter_region.name,
                "publisher": adoption.app.region.name,
                "comment": comment,
            }
        await self.session.execute(
            fanout.for_region(region, kind, app_id=adoption.app_id, adoption_id=adoption.id, params=params)
        )

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
            status=status_name(adoption.status),
            revision=adoption.revision,
        )

    def _acting(self, user: m.User | None, adoption: Adoption, side: Side, states: frozenset[str]) -> None:
        """Confirm, feedback, upgrade, re-confirm: taken by one side, in some states only."""
        if user is None:
            raise Unauthorized()
        if side not in self.sides(user, adoption):
            raise Forbidden(_("Only %(side)s can do this."), side=label("adoption_side", side))
        if adoption.status not in states:
            raise Conflict(
                _("This adoption is %(status)s; this can be done only when it is %(allowed)s."),
                status=status_name(adoption.status),
                allowed=", ".join(status_name(s) for s in sorted(states)),
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
        if to in STEP_NOTICES:
            side, kind = STEP_NOTICES[to]
            await self._notify(adoption, side, kind, comment=comment)
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
        kind = K.ADOPTION_CONFIRMED if confirmed else K.ADOPTION_DISPUTED
        await self._notify(adoption, Side.ADOPTER, kind, comment=comment)
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
        """Mark stale every live adoption whose re-confirmation is more than 30 days overdue (and
        tell its adopter), then remind the adopters of live adoptions whose re-confirmation is due;
        the ids marked stale. Run by ``store adoptions sweep`` (and the background task in
        ``store run``)."""
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
            await self._notify(adoption, Side.ADOPTER, K.ADOPTION_STALE, params=self._due_params(adoption))
            marked.append(adoption.id)
        await self._remind_due()
        await self.session.flush()
        return marked

    @staticmethod
    def _due_params(adoption: Adoption) -> dict[str, Any]:
        due = adoption.reconfirm_due_on
        return {
            "app": adoption.app.name,
            "app_slug": adoption.app.slug,
            "region": adoption.adopter_region.name,
            "due_on": due.isoformat() if due else "",
        }

    async def _remind_due(self) -> None:
        """One reminder per due date: every live adoption (not stale) whose re-confirmation is due
        today or earlier and whose adopter was not yet reminded of that date (found in the same
        query, by the ``due_on`` the reminder names), so sweeping again reminds nobody twice."""
        reminded = (
            select(m.Notification.id)
            .where(
                m.Notification.adoption_id == Adoption.id,
                m.Notification.kind == K.RECONFIRM_DUE.value,
                m.Notification.params["due_on"].as_string() == cast(Adoption.reconfirm_due_on, String),
            )
            .exists()
        )
        due = await self.session.scalars(
            select(Adoption)
            .where(
                Adoption.status == S.LIVE,
                Adoption.stale.is_(False),
                Adoption.reconfirm_due_on <= self.today(),
                ~reminded,
            )
            .order_by(Adoption.id)
        )
        for adoption in list(due):
            await self._notify(adoption, Side.ADOPTER, K.RECONFIRM_DUE, params=self._due_params(adoption))
