"""The adoption pages' forms (flat strings) as the services' inputs.

Every field is bounded as in ``schemas`` (the API's limits), and what a form can tell on its own
(a field too long, a date or an amount that does not parse, a box not ticked) is collected and
reported at once, by field, before the service is asked. Meaning stays with the service and the
life-cycle table: the service checks states, sides, versions and amounts again either way.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from store.lib.errors import AppError, ValidationFailed, field_error
from store.lib.i18n import _

from .services import GoLive, RequestData, checked_saving

# The same limits as the API's (schemas.py).
LIMITS = {
    "version": 64,
    "region": 6,
    "purpose": 5000,
    "contact_name": 50,
    "contact_phone": 30,
    "environment": 200,
    "comment": 5000,
    "saving_basis": 500,
    "saving_wan": 20,
    "went_live_on": 10,
    "rating": 1,
}
MAX_REVISION = 2**31 - 1
REGION_RE = re.compile(r"^\d{6}$")
Errors = list[dict[str, str]]


def text(form: dict[str, str], errors: Errors, field: str) -> str:
    """The field's text, or "" with an error when it is longer than its limit."""
    value = form.get(field, "")
    if len(value) > LIMITS[field]:
        errors.append(field_error(field, _("At most %(max)s characters are allowed."), max=LIMITS[field]))
        return ""
    return value


def refuse(errors: Errors) -> None:
    """Raise the collected errors together (422), if any."""
    if errors:
        raise ValidationFailed(details=errors)


def expected_revision(form: dict[str, str]) -> int | None:
    """The revision the page was loaded at (a hidden field), or None when not sent."""
    raw = form.get("expected_revision", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_REVISION:
        raise ValidationFailed(
            details=[field_error("__all__", _("The form is out of date. Reload the page and try again."))]
        )
    return int(raw)


def request_data(form: dict[str, str], slug: str) -> tuple[RequestData, Errors]:
    """The request form as the service takes it, and what the form can tell is wrong with it
    (the required fields named when empty), for the service to report with its own findings."""
    errors: Errors = []
    version = text(form, errors, "version").strip()
    if not version and not any(e["field"] == "version" for e in errors):
        errors.append(field_error("version", _("Choose a version.")))
    region = text(form, errors, "region").strip()
    if region and not REGION_RE.match(region):
        errors.append(field_error("region", _("Choose a region.")))
    contact_name = text(form, errors, "contact_name")
    if not contact_name.strip() and not any(e["field"] == "contact_name" for e in errors):
        errors.append(field_error("contact_name", _("Name a contact person.")))
    data = RequestData(
        app=slug,
        version=version,
        contact_name=contact_name,
        region=region or None,
        purpose=text(form, errors, "purpose"),
        contact_phone=text(form, errors, "contact_phone"),
        environment=text(form, errors, "environment"),
    )
    return data, errors


def saving(form: dict[str, str], errors: Errors) -> Decimal | None:
    """The saving in 万元 ("1,200.5" and "1200.50" alike), or None when left empty."""
    raw = text(form, errors, "saving_wan").replace(",", "").replace("，", "").strip()
    if not raw:
        return None
    try:
        return checked_saving(Decimal(raw))
    except (InvalidOperation, AppError):
        errors.append(field_error("saving_wan", _("Give the saving in 万元, from 0 to 9999999999.99.")))
        return None


def go_live(form: dict[str, str], errors: Errors, today: date) -> GoLive:
    """The ``live`` step's figures: the go-live date (today when empty), saving and its basis.
    A date after ``today`` is refused here too, with the other fields' errors (the service
    checks it again)."""
    raw = text(form, errors, "went_live_on").strip()
    went_live_on = None
    if raw:
        try:
            went_live_on = date.fromisoformat(raw)
        except ValueError:
            errors.append(field_error("went_live_on", _("Enter a date as YYYY-MM-DD.")))
        else:
            if went_live_on > today:
                errors.append(field_error("went_live_on", _("The go-live date cannot be in the future.")))
    return GoLive(went_live_on, saving(form, errors), text(form, errors, "saving_basis"))


def rating(form: dict[str, str], errors: Errors) -> int | None:
    raw = form.get("rating", "").strip()
    if not raw:
        return None
    if raw not in {"1", "2", "3", "4", "5"}:
        errors.append(field_error("rating", _("Rate from 1 to 5.")))
        return None
    return int(raw)


def ticked(form: dict[str, str], errors: Errors) -> None:
    """A step that cannot be undone needs its confirmation box ticked (pages work without script,
    so the browser's confirm() alone is not enough)."""
    if form.get("confirm") != "yes":
        errors.append(field_error("confirm", _("Tick the box to confirm.")))
