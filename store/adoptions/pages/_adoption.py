"""An adoption's page: its header, timeline and live details, and the forms for the steps this user
may take next; and the posts of those forms.

Each form carries the revision the page was loaded at (``expected_revision``): if the adoption
moved on meanwhile, the service answers 409 and the page is shown again, fresh, with that message.
A refused post shows the page again with the errors under the form that was sent (``failed``)
and what was typed in it; a step taken redirects back, where the page says what happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.db.models._adoption import Adoption
from store.lib import policy
from store.lib.errors import AppError, field_error
from store.lib.forms import form_data, rerender
from store.lib.i18n import _
from store.lib.policy import current_user, signed_in

from .. import forms, lifecycle, rules
from ..lifecycle import Side
from ..services import AdoptionService, GoLive
from ._common import (
    CONFIRM_QUESTIONS,
    FINAL_STEPS,
    STEP_NAMES,
    done_redirect,
    forget_done,
    take_done,
)

AdoptionId = Annotated[int, Parameter(description="The adoption's number.")]


def _steps(adoption: Adoption, allowed: list[str]) -> list[dict[str, Any]]:
    """The transition forms this user gets, in the table's order, each as the template needs it."""
    steps = []
    for to in allowed:
        found = lifecycle.step(adoption.status, to)
        assert found is not None  # allowed_for lists only steps of the table
        steps.append(
            {
                "to": to,
                "name": STEP_NAMES[to],
                "needs_comment": found.needs_comment,
                "takes_go_live": found.takes_go_live,
                "final": to in FINAL_STEPS,
                "question": CONFIRM_QUESTIONS.get(to, ""),
            }
        )
    return steps


async def adoption_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    adoption_id: int,
    *,
    failed: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The adoption as this user may see it (private fields and comments for its two sides and the
    province only), with the forms for what this user may do next."""
    user = current_user(request)
    service = AdoptionService(db_session)
    adoption = await service.get(adoption_id, user)
    sides = service.sides(user, adoption)
    running = adoption.status in lifecycle.RUNNING
    upgradable = Side.ADOPTER in sides and adoption.status in lifecycle.UPGRADABLE
    offered = await service.list_offered_versions(adoption.app) if upgradable else []
    response = Template(
        "adoptions/adoption.html",
        context={
            "adoption": adoption,
            "app": adoption.app,
            "private": service.shows_private(user, adoption),
            "history": await service.list_history(adoption),
            "versions": await service.list_versions(adoption),
            "steps": _steps(adoption, service.allowed(user, adoption)),
            "may_confirm": Side.PUBLISHER in sides and running,
            "may_feedback": Side.ADOPTER in sides and running,
            "upgrade_to": [v for v in offered if v.version != adoption.current_version],
            "may_note": rules.may_note(sides) and policy.can(user, "adoptions.note"),
            "today": service.today(),
            "done": None if errors else take_done(request),
            "failed": failed,
            "values": values or {},
            "errors": _on_the_page(errors or {}),
        },
        status_code=status_code,
    )
    forget_done(request, response, adoption_id)
    return response


def _on_the_page(errors: dict[str, str]) -> dict[str, str]:
    """The errors as the page shows them: the step a form asks for (the hidden field ``to``)
    has no field to link to, so its error is the whole form's."""
    if "to" not in errors:
        return errors
    shown = {key: message for key, message in errors.items() if key != "to"}
    shown["__all__"] = " ".join(filter(None, (errors.get("__all__"), errors["to"])))
    return shown


Action = Callable[[AdoptionService, m.User | None, Adoption, dict[str, str], int | None], Awaitable[str]]


class AdoptionPages(Controller):
    include_in_schema = False
    path = "/adoptions/{adoption_id:int}"

    @get("/", name="adoption_page")
    async def page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Template:
        return await adoption_page(request, db_session, adoption_id)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        adoption_id: int,
        failed: Callable[[dict[str, str]], str],
        action: Action,
    ) -> Response[Any]:
        """Run ``action`` on the adoption with the posted form; back to the page with what
        happened, or the page again with the errors under the form named ``failed(form)``."""
        user = current_user(request)
        service = AdoptionService(db_session)
        adoption = await service.get(adoption_id, user)
        form = await form_data(request)
        try:
            done = await action(service, user, adoption, form, forms.expected_revision(form))
        except AppError as exc:
            return await rerender(
                db_session,
                exc,
                adoption_page,
                request,
                db_session,
                adoption_id,
                failed=failed(form),
                values=form,
            )
        return done_redirect(request, adoption_id, done)

    @post("/transitions", name="adoption_transition", guards=[signed_in])
    async def transition(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Response[Any]:
        async def act(
            service: AdoptionService, user: m.User | None, a: Adoption, form: dict[str, str], seen: int | None
        ) -> str:
            to = form.get("to", "")[:20]
            go_live = GoLive()
            errors: forms.Errors = []
            comment = forms.text(form, errors, "comment")
            # The form's own checks only for a step this user may take now, on the page as it
            # is: otherwise the service's answer (who may do what from here, or "changed since
            # you loaded it") is the one that helps.
            if to in service.allowed(user, a) and seen in (None, a.revision):
                found = lifecycle.step(a.status, to)
                assert found is not None
                if found.takes_go_live:
                    go_live = forms.go_live(form, errors, service.today())
                if to in FINAL_STEPS:
                    forms.ticked(form, errors)
                if errors and found.needs_comment and not comment.strip():
                    errors.append(field_error("comment", _("Say why, in a comment.")))
            forms.refuse(errors)
            await service.transition(user, a, to, comment, expected_revision=seen, go_live=go_live)
            return to

        return await self._act(
            request, db_session, adoption_id, lambda form: "to-" + form.get("to", "")[:20], act
        )

    @post("/confirm", name="adoption_confirm", guards=[signed_in])
    async def confirm(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Response[Any]:
        async def act(
            service: AdoptionService, user: m.User | None, a: Adoption, form: dict[str, str], seen: int | None
        ) -> str:
            confirmed = form.get("confirmed") == "yes"
            errors: forms.Errors = []
            comment = forms.text(form, errors, "comment")
            if not confirmed and Side.PUBLISHER in service.sides(user, a) and seen in (None, a.revision):
                forms.ticked(form, errors)
                if errors and not comment.strip():
                    errors.append(field_error("comment", _("Say what is wrong with this record.")))
            forms.refuse(errors)
            await service.confirm(user, a, confirmed, comment, expected_revision=seen)
            return "confirmed" if confirmed else "disputed"

        return await self._act(
            request,
            db_session,
            adoption_id,
            lambda form: "confirm" if form.get("confirmed") == "yes" else "dispute",
            act,
        )

    @post("/feedback", name="adoption_feedback", guards=[signed_in])
    async def feedback(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Response[Any]:
        async def act(
            service: AdoptionService, user: m.User | None, a: Adoption, form: dict[str, str], seen: int | None
        ) -> str:
            errors: forms.Errors = []
            rating = forms.rating(form, errors)
            comment = forms.text(form, errors, "comment")
            saving_wan = forms.saving(form, errors)
            saving_basis = forms.text(form, errors, "saving_basis")
            forms.refuse(errors)
            await service.feedback(
                user,
                a,
                rating=rating,
                comment=comment,
                saving_wan=saving_wan,
                saving_basis=saving_basis,
                expected_revision=seen,
            )
            return "feedback"

        return await self._act(request, db_session, adoption_id, lambda _form: "feedback", act)

    @post("/upgrade", name="adoption_upgrade", guards=[signed_in])
    async def upgrade(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Response[Any]:
        async def act(
            service: AdoptionService, user: m.User | None, a: Adoption, form: dict[str, str], seen: int | None
        ) -> str:
            errors: forms.Errors = []
            version = forms.text(form, errors, "version").strip()
            comment = forms.text(form, errors, "comment")
            if not version and not errors:
                errors.append(field_error("version", _("Choose a version.")))
            forms.refuse(errors)
            await service.upgrade(user, a, version, comment, expected_revision=seen)
            return "upgraded"

        return await self._act(request, db_session, adoption_id, lambda _form: "upgrade", act)

    @post("/reconfirm", name="adoption_reconfirm", guards=[signed_in])
    async def reconfirm(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Response[Any]:
        async def act(
            service: AdoptionService, user: m.User | None, a: Adoption, form: dict[str, str], seen: int | None
        ) -> str:
            errors: forms.Errors = []
            comment = forms.text(form, errors, "comment")
            forms.refuse(errors)
            await service.reconfirm(user, a, comment, expected_revision=seen)
            return "reconfirmed"

        return await self._act(request, db_session, adoption_id, lambda _form: "reconfirm", act)

    @post("/notes", name="adoption_note", guards=[signed_in])
    async def note(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, adoption_id: AdoptionId
    ) -> Response[Any]:
        async def act(
            service: AdoptionService, user: m.User | None, a: Adoption, form: dict[str, str], seen: int | None
        ) -> str:
            errors: forms.Errors = []
            comment = forms.text(form, errors, "comment")
            forms.refuse(errors)
            # A note changes neither the adoption nor its revision: a page loaded earlier may
            # still add one, so ``seen`` is not checked.
            await service.note(user, a, comment)
            return "noted"

        return await self._act(request, db_session, adoption_id, lambda _form: "note", act)
