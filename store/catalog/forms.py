"""The app form: turning what was posted (flat strings, check boxes, text areas) into the dict
validation expects, the values the form starts with, and its errors as the page shows them.

The form reports everything that is wrong in one answer. So this module refuses nothing itself:
amounts travel as typed and are read, with every other rule, in one pass of ``clean_app``; it
only reshapes (lists split at commas, links given their missing ``https://``, one line per deal).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib.links import normalize_link

from .fields import TEXT

SPLIT_RE = re.compile(r"[,，、;；\n]+")
# A deal's parts: "梅州市医保局部署 | 18万 | 2024".
DEAL_PARTS_RE = re.compile(r"\s*[|｜]\s*")
YEAR_RE = re.compile(r"^(\d{4})年?$")
LINKS = ("docs_url", "source_url")
# Validation names the 信创 lists by their place in the API's shape; the form has a group each.
FORM_FIELD = {"xinchuang.cpus": "xc_cpus", "xinchuang.os": "xc_os", "xinchuang.databases": "xc_databases"}
REFERENCE_PRICES = "reference_prices"


def _split(value: str) -> list[str]:
    return [part.strip() for part in SPLIT_RE.split(value or "") if part.strip()]


def _deal_lines(text: str) -> list[tuple[int, str]]:
    """The non-empty lines of the reference prices, each with its place in the text area."""
    return [(number, line) for number, line in enumerate((text or "").splitlines()) if line.strip()]


def _year(raw: str) -> int | str | None:
    """A year as written ("2024", "2024年", full-width digits); anything else goes on as typed,
    for validation to refuse."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        return None
    found = YEAR_RE.match(value)
    return int(found.group(1)) if found else value


def _deal(line: str) -> dict[str, Any]:
    parts = DEAL_PARTS_RE.split(line.strip())
    return {
        "description": parts[0],
        "amount_yuan": parts[1] if len(parts) > 1 else "",
        "year": _year(parts[2]) if len(parts) > 2 else None,
    }


def app_data_from_form(
    form: dict[str, str], multi: dict[str, list[str]], *, creating: bool
) -> dict[str, Any]:
    """``form`` holds single values, ``multi`` the check-box groups."""
    data: dict[str, Any] = {}
    for key in TEXT:
        if key == "slug" and not creating:
            continue
        if key in form:
            data[key] = form[key]
    for key in LINKS:
        if key in data:
            data[key] = normalize_link(data[key])
    # The SPDX identifier belongs to open-source apps only; the page hides it for the others,
    # and a value left in it from an earlier choice is dropped rather than refused.
    if data.get("license_type") in set(m.LicenseType) - {m.LicenseType.OPEN_SOURCE}:
        data["license_spdx"] = ""
    data["tags"] = _split(form.get("tags", ""))
    data["tech_stack"] = _split(form.get("tech_stack", ""))
    data["deployment_modes"] = multi.get("deployment_modes", [])
    data["integrations"] = multi.get("integrations", [])
    data["xinchuang"] = {
        "cpus": multi.get("xc_cpus", []),
        "os": multi.get("xc_os", []),
        "databases": multi.get("xc_databases", []),
    }
    # Amounts as typed ("8万", "100,000"): validation reads them, with the other rules.
    for key in ("price_yuan", "deployment_fee_yuan"):
        if key in form:
            data[key] = form[key].strip()
    if creating:
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        if "xinchuang" in data and not any(data["xinchuang"].values()):
            data.pop("xinchuang")
    refs = [_deal(line) for _number, line in _deal_lines(form.get(REFERENCE_PRICES, ""))]
    if refs or not creating:
        data[REFERENCE_PRICES] = refs
    return data


def form_errors_by_field(errors: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    """Validation's errors under the names of the form's fields: the 信创 lists by their check-box
    groups, a deal by its line in the text area (empty lines are skipped when reading, so the
    third deal may be on the fifth line)."""
    raw = values.get(REFERENCE_PRICES)
    lines = [number for number, _line in _deal_lines(raw if isinstance(raw, str) else "")]
    out: dict[str, str] = {}
    for key, message in errors.items():
        name = FORM_FIELD.get(key, key)
        found = re.fullmatch(rf"{REFERENCE_PRICES}\[(\d+)\]", key)
        if found and int(found.group(1)) < len(lines):
            name = f"{REFERENCE_PRICES}[{lines[int(found.group(1))]}]"
        out[name] = f"{out[name]} {message}" if name in out else message
    return out


def errors_per_field(errors: dict[str, str]) -> dict[str, int]:
    """How many errors each field has, the lines of a list counted under the list."""
    counts: dict[str, int] = {}
    for key in errors:
        name = key.split("[", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    return counts


async def new_app_values(session: AsyncSession, user: m.User | None) -> dict[str, Any]:
    """What a new app's form starts with: what the store knows of the publisher.

    The department and contact come from the user's latest app (a city publishes from the same
    office again and again), the department else from the region's latest app; the contact name
    and e-mail else from the account. Choices that change what else is required (the licence,
    the way it is offered) start with nothing chosen, so nothing is required by surprise.
    """
    values: dict[str, Any] = {
        "deployment_modes": [m.DeploymentMode.GOV_CLOUD],
        "xc_cpus": [],
        "xc_os": [],
        "xc_databases": [],
        "integrations": [],
    }
    if user is None:
        return values
    # Apps of the user's region only (indexed), also for the user's own: after a move to another
    # region, the old office is not the new one.
    latest = select(m.App).where(m.App.region_code == user.region_code).order_by(m.App.id.desc()).limit(1)
    own = await session.scalar(latest.where(m.App.created_by_id == user.id))
    regional = own or await session.scalar(latest)
    values["department"] = regional.department if regional else ""
    values["department_prefilled"] = regional is not None  # the form asks to check it
    # An account without a name of its own shows its username, which is no contact's name.
    name = user.display_name if user.display_name != user.username else ""
    values["contact_name"] = (own.contact_name if own else "") or name
    values["contact_email"] = (own.contact_email if own else "") or user.email
    values["contact_phone"] = own.contact_phone if own else ""
    return values


def form_values(app: m.App) -> dict[str, Any]:
    """The values an edit form starts with."""
    return {
        **{key: getattr(app, key) for key in TEXT},
        "tags": "，".join(app.tags),
        "tech_stack": "，".join(app.tech_stack),
        "price_yuan": "" if app.price_yuan is None else _plain(app.price_yuan),
        "deployment_fee_yuan": "" if app.deployment_fee_yuan is None else _plain(app.deployment_fee_yuan),
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


def _plain(amount: Any) -> str:
    """An amount as the form shows it: 80000, not 80000.00; 98000.5 stays."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
