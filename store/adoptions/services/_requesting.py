"""Requesting an adoption: one open adoption per app and adopting region, even under races."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.catalog import rules as catalog_rules
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEventKind, AdoptionVersion, Confirmation
from store.lib import policy
from store.lib.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from store.lib.i18n import _

from .. import lifecycle, rules
from ..lifecycle import Side
from ._changing import Changing
from ._common import RequestData, S, status_name


class Requesting(Changing):
    async def _open_adoption(self, app_id: int, region_code: str) -> Adoption | None:
        return await self.session.scalar(
            select(Adoption).where(
                Adoption.app_id == app_id,
                Adoption.adopter_region_code == region_code,
                Adoption.status.in_(lifecycle.OPEN),
            )
        )

    def _already_open(self, adoption: Adoption) -> Conflict:
        return Conflict(
            _("%(region)s already has an open adoption of this app: number %(id)s, %(status)s."),
            details={"adoption": adoption.id, "status": adoption.status},
            region=adoption.adopter_region.name,
            id=adoption.id,
            status=status_name(adoption.status),
        )

    async def request(
        self, user: m.User | None, data: RequestData, *, found: list[dict[str, str]] | None = None
    ) -> Adoption:
        """A new adoption in ``requested``: 409 naming the open one when the region has one.

        ``found``: what the caller's form found wrong already (field errors), refused together
        with this method's own findings; a field it names is not checked again."""
        policy.authorize(user, "adoptions.request")
        assert user is not None
        app = await self.session.scalar(select(m.App).where(m.App.slug == data.app))
        if app is None or not catalog_rules.can_view_app(user, app.status, app.region_code):
            raise NotFound(_("No app with the slug %(slug)s."), slug=data.app)
        if app.status != m.AppStatus.PUBLISHED:
            raise Conflict(_("Only a published app can be adopted."))
        region = await self.session.get(m.Region, data.region or user.region_code)
        if region is not None:
            refusal = rules.request_refusal(
                user.region_code, rules.Place.of(region), rules.Place.of(app.region)
            )
            if refusal:
                raise Forbidden(refusal)
        # Every refused field at once: the region, the contact and the version.
        errors = list(found or [])
        named = {error.get("field") for error in errors}
        if region is None and "region" not in named:
            errors.append(field_error("region", _("No region with this code.")))
        if not data.contact_name.strip() and "contact_name" not in named:
            errors.append(field_error("contact_name", _("Name a contact person.")))
        version = ""
        if "version" not in named:
            try:
                version = await self._offered_version(app, data.version.strip())
            except ValidationFailed as exc:
                errors.extend(exc.details if isinstance(exc.details, list) else [])
        if errors or region is None:
            raise ValidationFailed(details=errors)
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
        await self._notify(
            adoption, Side.PUBLISHER, m.NotificationKind.ADOPTION_REQUESTED, comment=data.purpose.strip()
        )
        await self.session.flush()
        return adoption
