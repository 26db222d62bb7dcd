"""Adoptions — the JSON API: request, list, read one with its history, move it through the
life-cycle table, confirm, feedback, upgrade, re-confirm and notes; a region's adoptions.

Guards check the role before anything is loaded (``rules.RULES``); the service then checks the
side, the state and the revision. Creation and every change honour ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import Parameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.db.models._adoption import Adoption
from store.lib.idempotency import idempotent
from store.lib.pagination import PageNumber, items_per_page
from store.lib.policy import current_user, requires
from store.regions.services import RegionService

from . import schemas as s
from .services import AdoptionFilters, AdoptionService, GoLive, RequestData

# The status filter; a Literal, so a wrong value is a 400 naming the choices and the schema lists
# them (the API test keeps it in step with AdoptionStatus).
StatusFilter = Literal["requested", "approved", "declined", "withdrawn", "deploying", "live", "retired"]
SlugFilter = Annotated[str | None, Parameter(max_length=64, description="An app's slug.")]
RegionFilter = Annotated[
    str | None,
    Parameter(pattern=r"^\d{6}$", description="A region code; a city includes its districts."),
]
RegionRole = Literal["adopter", "publisher"]
AdoptionId = Annotated[int, Parameter(description="The adoption's number.")]


def adoption_out(
    service: AdoptionService, adoption: Adoption, user: m.User | None, **with_: Any
) -> s.AdoptionOut:
    """``adoption`` as ``user`` may see it, with the steps ``user`` may take from here."""
    return s.AdoptionOut.of(
        adoption,
        private=service.shows_private(user, adoption),
        allowed=service.allowed(user, adoption),
        **with_,
    )


class AdoptionsApi(Controller):
    path = "/api/v1/adoptions"
    tags = ["adoptions"]

    @post(
        "/",
        name="api_adoptions_create",
        summary="Request to reuse an app for your region (or one of its districts)",
        guards=[requires("adoptions.request")],
    )
    @idempotent(HTTP_201_CREATED)
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: s.AdoptionRequestIn
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.request(
            user,
            RequestData(
                app=data.app,
                version=data.version,
                contact_name=data.contact_name,
                region=data.region,
                purpose=data.purpose,
                contact_phone=data.contact_phone,
                environment=data.environment,
            ),
        )
        return adoption_out(service, adoption, user)

    @get(
        "/",
        name="api_adoptions_list",
        summary="Adoptions of the apps you may see, filtered and paginated, most recently changed first",
    )
    async def list_adoptions(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        app: SlugFilter = None,
        region: RegionFilter = None,
        publisher_region: RegionFilter = None,
        status: StatusFilter | None = None,
        page: PageNumber = 1,
        per_page: int = items_per_page(20, maximum=100),
    ) -> s.AdoptionPageOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        filters = AdoptionFilters(app=app, region=region, publisher_region=publisher_region, status=status)
        found = await service.list_adoptions(filters, user, page=page, per_page=per_page)
        return s.AdoptionPageOut.of(found, lambda a: adoption_out(service, a, user))

    @get("/{adoption_id:int}", name="api_adoptions_get", summary="One adoption with its full history")
    async def get_adoption(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.get(adoption_id, user)
        return adoption_out(
            service,
            adoption,
            user,
            history=await service.list_history(adoption),
            versions=await service.list_versions(adoption),
        )

    @post(
        "/{adoption_id:int}/transitions",
        name="api_adoptions_transition",
        summary="Move an adoption to its next status (approve, decline, deploying, live, retire, withdraw)",
        guards=[requires("adoptions.act")],
    )
    @idempotent()
    async def transition(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: AdoptionId,
        data: s.TransitionIn,
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.transition(
            user,
            await service.get(adoption_id, user),
            data.to,
            data.comment,
            expected_revision=data.expected_revision,
            go_live=GoLive(data.went_live_on, data.saving_wan, data.saving_basis),
        )
        return adoption_out(service, adoption, user)

    @post(
        "/{adoption_id:int}/confirm",
        name="api_adoptions_confirm",
        summary="Confirm or dispute a live adoption (the publishing region)",
        guards=[requires("adoptions.act")],
    )
    @idempotent()
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: AdoptionId,
        data: s.ConfirmIn,
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.confirm(
            user,
            await service.get(adoption_id, user),
            data.confirmed,
            data.comment,
            expected_revision=data.expected_revision,
        )
        return adoption_out(service, adoption, user)

    @post(
        "/{adoption_id:int}/feedback",
        name="api_adoptions_feedback",
        summary="Rate a live adoption and estimate the saving (the adopting region)",
        guards=[requires("adoptions.act")],
    )
    @idempotent()
    async def feedback(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: AdoptionId,
        data: s.FeedbackIn,
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.feedback(
            user,
            await service.get(adoption_id, user),
            rating=data.rating,
            comment=data.comment,
            saving_wan=data.saving_wan,
            saving_basis=data.saving_basis,
            expected_revision=data.expected_revision,
        )
        return adoption_out(service, adoption, user)

    @post(
        "/{adoption_id:int}/upgrade",
        name="api_adoptions_upgrade",
        summary="Record that the adopting region now runs another version",
        guards=[requires("adoptions.act")],
    )
    @idempotent()
    async def upgrade(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: AdoptionId,
        data: s.UpgradeIn,
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.upgrade(
            user,
            await service.get(adoption_id, user),
            data.version,
            data.comment,
            expected_revision=data.expected_revision,
        )
        return adoption_out(service, adoption, user)

    @post(
        "/{adoption_id:int}/reconfirm",
        name="api_adoptions_reconfirm",
        summary="The adopting region's yearly confirmation that an adoption is still live",
        guards=[requires("adoptions.act")],
    )
    @idempotent()
    async def reconfirm(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: AdoptionId,
        data: s.ReconfirmIn,
    ) -> s.AdoptionOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.reconfirm(
            user,
            await service.get(adoption_id, user),
            data.comment,
            expected_revision=data.expected_revision,
        )
        return adoption_out(service, adoption, user)

    @post(
        "/{adoption_id:int}/notes",
        name="api_adoptions_note",
        summary="Add a note to an adoption's timeline (its two regions and provincial staff)",
        guards=[requires("adoptions.note")],
    )
    @idempotent(HTTP_201_CREATED)
    async def note(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: AdoptionId,
        data: s.NoteIn,
    ) -> s.AdoptionEventOut:
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.get(adoption_id, user)
        event = await service.note(user, adoption, data.comment)
        return s.AdoptionEventOut.of(event, private=service.shows_private(user, adoption))


class RegionAdoptionsApi(Controller):
    path = "/api/v1/regions/{code:str}/adoptions"
    tags = ["adoptions"]

    @get(
        "/",
        name="api_adoptions_region_list",
        summary="A region's adoptions: what it reuses (as=adopter) or who reuses its apps (as=publisher)",
    )
    async def list_for_region(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        code: str,
        role: Annotated[
            RegionRole,
            QueryParameter(
                name="as", description="adopter: what the region reuses; publisher: who reuses its apps."
            ),
        ] = "adopter",
        status: StatusFilter | None = None,
        page: PageNumber = 1,
        per_page: int = items_per_page(20, maximum=100),
    ) -> s.AdoptionPageOut:
        region = await RegionService(db_session).get(code)
        user = current_user(request)
        service = AdoptionService(db_session)
        found = await service.list_for_region(
            region.code, role, user, status=status, page=page, per_page=per_page
        )
        return s.AdoptionPageOut.of(found, lambda a: adoption_out(service, a, user))


ADOPTION_API = [AdoptionsApi, RegionAdoptionsApi]
