"""Strict, explained validation of app metadata: every wrong field is reported at once, by name."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from store.db import models as m
from store.lib.amounts import AMOUNT_HELP, AmountError, parse_amount
from store.lib.errors import ValidationFailed, field_error
from store.lib.i18n import _

from . import constants as c
from .fields import CHOICES, LIMITS, REQUIRED_ON_CREATE

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
SPDX_REF_RE = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]{1,50}$")
MAX_PRICE = Decimal("1000000000")


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str, **params: Any) -> None:
        self.items.append(field_error(field, message, **params))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(details=self.items)


def _clean_list(
    errors: _Errors, field: str, values: list[str], *, allowed: tuple[str, ...] | None = None, max_items: int
) -> list[str]:
    """Trimmed, de-duplicated entries in their order. Linear, and refused before any work when the
    list is longer than any request may send (forms reach here without the schema's bound)."""
    if len(values) > c.MAX_LIST_INPUT:
        errors.add(field, _("At most %(max)s entries are allowed."), max=max_items)
        return []
    choices = frozenset(allowed) if allowed is not None else None
    cleaned: dict[str, None] = {}  # a dict keeps the order and answers "seen?" in O(1)
    for raw in values:
        value = raw.strip()
        if not value or value in cleaned:
            continue
        if choices is not None and value not in choices:
            errors.add(
                field,
                _("%(value)s is not one of: %(choices)s."),
                value=value,
                choices="、".join(allowed or ()),
            )
            continue
        if len(value) > c.MAX_TAG_LENGTH and field == "tags":
            errors.add(field, _("A tag may have at most %(max)s characters."), max=c.MAX_TAG_LENGTH)
            continue
        cleaned[value] = None
    if len(cleaned) > max_items:
        errors.add(field, _("At most %(max)s entries are allowed."), max=max_items)
    return list(cleaned)


def _check_url(errors: _Errors, field: str, value: str) -> None:
    if not value:
        return
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        errors.add(field, _("Enter a full web address starting with http:// or https://."))


def _money(errors: _Errors, field: str, value: Decimal | str | None) -> Decimal | None:
    """The amount to store. The API sends numbers; a form sends what was typed ("8万",
    "100,000"), read by ``store.lib.amounts``."""
    if isinstance(value, str):
        try:
            value = parse_amount(value)
        except AmountError:
            errors.add(field, AMOUNT_HELP)
            return None
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        errors.add(field, _("Enter an amount in yuan between 0 and 1,000,000,000."))
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.add(field, _("Use at most two decimal places (fen)."))
    return value


def _fen(value: Decimal | None) -> Decimal | None:
    """A valid price as its column keeps it (two decimals): 80000 typed again over a stored
    80000.00 is no change in the app's history. Refused values are left alone."""
    if value is None or not value.is_finite() or not 0 <= value <= MAX_PRICE:
        return value
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        return value
    return value.quantize(Decimal("0.01"))


def clean_app(data: dict[str, Any], *, current: m.App | None) -> dict[str, Any]:
    """Check ``data`` (only the fields sent, for an edit) and return the values to store.

    ``current`` is the app being edited (None when creating); rules that span fields look at
    the merged result, so an edit cannot leave an app in a state a new app could not have.
    """
    errors = _Errors()
    out: dict[str, Any] = {}

    for key in LIMITS:
        if key in data:
            value = str(data[key]).strip()
            if len(value) > LIMITS[key]:
                errors.add(key, _("At most %(max)s characters are allowed."), max=LIMITS[key])
            out[key] = value

    if current is None:
        for key in REQUIRED_ON_CREATE:
            if not str(data.get(key) or "").strip():
                errors.add(key, _("This field is required."))
    else:
        for key in REQUIRED_ON_CREATE:
            if key in data and not str(data[key] or "").strip():
                errors.add(key, _("This field is required."))
        if "slug" in data and data["slug"] != current.slug:
            errors.add("slug", _("The slug is permanent: links to the app must keep working."))

    for key, choices in CHOICES.items():
        if data.get(key):
            if data[key] not in choices:
                errors.add(
                    key,
                    _("%(value)s is not one of: %(choices)s."),
                    value=data[key],
                    choices=", ".join(choices),
                )
            else:
                out[key] = data[key]

    if current is None and data.get("slug"):
        slug = str(data["slug"]).strip()
        if not SLUG_RE.match(slug):
            errors.add(
                "slug",
                _("Use 3 to 64 lower-case letters, digits and dashes, not starting or ending with a dash."),
            )
        out["slug"] = slug

    for key in ("contact_phone",):
        if out.get(key) and not PHONE_RE.match(out[key]):
            errors.add(key, _("Enter a phone number of digits, spaces, +, - or brackets."))
    if out.get("contact_email") and not EMAIL_RE.match(out["contact_email"]):
        errors.add("contact_email", _("Enter an e-mail address such as name@example.gov.cn."))
    phone = out.get("contact_phone", current.contact_phone if current else "")
    email = out.get("contact_email", current.contact_email if current else "")
    if not phone and not email:
        errors.add("contact_phone", _("Give a phone number or an e-mail address (or both)."))

    for key in ("docs_url", "source_url"):
        if key in out:
            _check_url(errors, key, out[key])

    license_type = out.get("license_type", current.license_type if current else None)
    spdx = out.get("license_spdx", current.license_spdx if current else "")
    if license_type == m.LicenseType.OPEN_SOURCE:
        if not spdx:
            errors.add(
                "license_spdx",
                _("Open-source apps need an SPDX licence identifier, e.g. MulanPSL-2.0 or Apache-2.0."),
            )
        elif spdx not in c.SPDX_IDS and not SPDX_REF_RE.match(spdx):
            errors.add(
                "license_spdx",
                _("%(value)s is not a known SPDX identifier (use LicenseRef-… for others)."),
                value=spdx,
            )
    elif "license_spdx" in out and spdx and license_type is not None:
        errors.add("license_spdx", _("Only open-source apps carry an SPDX identifier."))

    for key in ("price_yuan", "deployment_fee_yuan"):
        if key in data:
            out[key] = _fen(_money(errors, key, data[key]))
    offering = out.get("offering", current.offering if current else None)
    price = out.get("price_yuan", current.price_yuan if current else None)
    if (license_type == m.LicenseType.PAID or offering == m.Offering.NEGOTIATED) and price is None:
        errors.add("price_yuan", _("Paid and negotiated offers need a price, so adopters can budget."))

    if "reference_prices" in data:
        prices = []
        for index, ref in enumerate(data["reference_prices"][: c.MAX_REFERENCE_PRICES + 1]):
            ref_dict = (
                ref
                if isinstance(ref, dict)
                else {"description": ref.description, "amount_yuan": ref.amount_yuan, "year": ref.year}
            )
            description = str(ref_dict.get("description", "")).strip()
            year = ref_dict.get("year")
            field = f"reference_prices[{index}]"
            if not description:
                errors.add(field, _("Describe the deal (who, what)."))
            raw = ref_dict.get("amount_yuan")
            amount = _money(errors, field, raw if isinstance(raw, Decimal | str) or raw is None else str(raw))
            if amount is None and not (isinstance(raw, str) and raw.strip()):
                errors.add(field, _("Write each deal as: description | amount in yuan | year."))
            # A form sends the year as typed; what is not a whole number is not a year.
            if year is not None and (not isinstance(year, int) or not 2000 <= year <= 2100):
                errors.add(field, _("The year must be between 2000 and 2100."))
            prices.append({"description": description, "amount_yuan": str(amount), "year": year})
        if len(data["reference_prices"]) > c.MAX_REFERENCE_PRICES:
            errors.add(
                "reference_prices", _("At most %(max)s entries are allowed."), max=c.MAX_REFERENCE_PRICES
            )
        out["reference_prices"] = prices

    if "tech_stack" in data:
        out["tech_stack"] = _clean_list(errors, "tech_stack", data["tech_stack"], max_items=c.MAX_LIST_ITEMS)

    labels: dict[str, list[str]] = {}
    if "tags" in data:
        labels[m.LabelKind.TAG] = _clean_list(errors, "tags", data["tags"], max_items=c.MAX_TAGS)
    if "deployment_modes" in data:
        labels[m.LabelKind.DEPLOYMENT] = _clean_list(
            errors, "deployment_modes", data["deployment_modes"], allowed=tuple(m.DeploymentMode), max_items=3
        )
    if "integrations" in data:
        labels[m.LabelKind.INTEGRATION] = _clean_list(
            errors,
            "integrations",
            data["integrations"],
            allowed=c.YUE_PLATFORMS,
            max_items=len(c.YUE_PLATFORMS),
        )
    if "xinchuang" in data:
        xc = data["xinchuang"]
        xc_dict = xc if isinstance(xc, dict) else {"cpus": xc.cpus, "os": xc.os, "databases": xc.databases}
        labels[m.LabelKind.XC_CPU] = _clean_list(
            errors, "xinchuang.cpus", xc_dict.get("cpus", []), allowed=c.XC_CPUS, max_items=10
        )
        labels[m.LabelKind.XC_OS] = _clean_list(
            errors, "xinchuang.os", xc_dict.get("os", []), allowed=c.XC_OS, max_items=10
        )
        labels[m.LabelKind.XC_DB] = _clean_list(
            errors, "xinchuang.databases", xc_dict.get("databases", []), allowed=c.XC_DATABASES, max_items=10
        )
    if ("deployment_modes" in data or current is None) and not labels.get(m.LabelKind.DEPLOYMENT):
        errors.add("deployment_modes", _("Choose at least one way to deploy the app."))

    errors.raise_if_any()
    out["labels"] = labels
    return out
