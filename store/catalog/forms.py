"""Turning the app form (flat strings, check boxes, text areas) into the dict validation expects."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from store.db import models as m
from store.lib.errors import ValidationFailed, field_error
from store.lib.i18n import _

from .fields import TEXT

SPLIT_RE = re.compile(r"[,，、;；\n]+")


def _split(value: str) -> list[str]:
    return [part.strip() for part in SPLIT_RE.split(value or "") if part.strip()]


def _money(errors: list[dict[str, str]], field: str, raw: str) -> Decimal | None:
    raw = (raw or "").replace(",", "").replace("，", "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        errors.append(field_error(field, _("Enter an amount in yuan, e.g. 120000 or 98000.50.")))
        return None


def app_data_from_form(
    form: dict[str, str], multi: dict[str, list[str]], *, creating: bool
) -> dict[str, Any]:
    """``form`` holds single values, ``multi`` the check-box groups."""
    errors: list[dict[str, str]] = []
    data: dict[str, Any] = {}
    for key in TEXT:
        if key == "slug" and not creating:
            continue
        if key in form:
            data[key] = form[key]
    data["tags"] = _split(form.get("tags", ""))
    data["tech_stack"] = _split(form.get("tech_stack", ""))
    data["deployment_modes"] = multi.get("deployment_modes", [])
    data["integrations"] = multi.get("integrations", [])
    data["xinchuang"] = {
        "cpus": multi.get("xc_cpus", []),
        "os": multi.get("xc_os", []),
        "databases": multi.get("xc_databases", []),
    }
    data["price_yuan"] = _money(errors, "price_yuan", form.get("price_yuan", ""))
    data["deployment_fee_yuan"] = _money(errors, "deployment_fee_yuan", form.get("deployment_fee_yuan", ""))
    if creating:
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        if "xinchuang" in data and not any(data["xinchuang"].values()):
            data.pop("xinchuang")
    else:
        # Cleared money fields are sent as None; validation treats None as "not sent", so apply here.
        data = {k: v for k, v in data.items() if v is not None}
    refs = []
    for index, line in enumerate((form.get("reference_prices") or "").splitlines()):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[|｜]", line)]
        amount = _money(errors, f"reference_prices[{index}]", parts[1] if len(parts) > 1 else "")
        year = parts[2] if len(parts) > 2 and parts[2].isdigit() else None
        if amount is None and not any(e["field"] == f"reference_prices[{index}]" for e in errors):
            errors.append(
                field_error(
                    f"reference_prices[{index}]",
                    _("Write each deal as: description | amount in yuan | year."),
                )
            )
        refs.append(
            {
                "description": parts[0],
                "amount_yuan": amount or Decimal(0),
                "year": int(year) if year else None,
            }
        )
    if refs or not creating:
        data["reference_prices"] = refs
    if errors:
        raise ValidationFailed(details=errors)
    return data


def form_values(app: m.App | None) -> dict[str, Any]:
    """The values an edit form starts with."""
    if app is None:
        return {
            "deployment_modes": [m.DeploymentMode.GOV_CLOUD],
            "xc_cpus": [],
            "xc_os": [],
            "xc_databases": [],
            "integrations": [],
        }
    return {
        **{key: getattr(app, key) for key in TEXT},
        "tags": "，".join(app.tags),
        "tech_stack": "，".join(app.tech_stack),
        "price_yuan": "" if app.price_yuan is None else str(app.price_yuan),
        "deployment_fee_yuan": "" if app.deployment_fee_yuan is None else str(app.deployment_fee_yuan),
        "reference_prices": "\n".join(
            f"{r['description']} | {r['amount_yuan']} | {r.get('year') or ''}".rstrip(" |")
            for r in app.reference_prices
        ),
        "deployment_modes": app.deployment_modes,
        "integrations": app.integrations,
        "xc_cpus": app.xinchuang["cpus"],
        "xc_os": app.xinchuang["os"],
        "xc_databases": app.xinchuang["databases"],
    }
