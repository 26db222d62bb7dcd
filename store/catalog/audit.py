"""Writing the audit log. Every state change and every edit of an app goes through here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m


def _plain(value: Any) -> Any:
    """JSON-safe copy of a value for the before/after record."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(app: m.App) -> dict[str, Any]:
    """The editable fields of an app, as they would be shown in its history."""
    return {
        "kind": app.kind,
        "name": app.name,
        "name_en": app.name_en,
        "summary": app.summary,
        "description": app.description,
        "category": app.category,
        "tags": app.tags,
        "department": app.department,
        "contact_name": app.contact_name,
        "contact_phone": app.contact_phone,
        "contact_email": app.contact_email,
        "maturity": app.maturity,
        "license_type": app.license_type,
        "license_spdx": app.license_spdx,
        "reuse_terms": app.reuse_terms,
        "offering": app.offering,
        "price_yuan": _plain(app.price_yuan),
        "deployment_fee_yuan": _plain(app.deployment_fee_yuan),
        "reference_prices": _plain(app.reference_prices),
        "deployment_modes": app.deployment_modes,
        "tech_stack": list(app.tech_stack),
        "requirements": app.requirements,
        "xinchuang": app.xinchuang,
        "integrations": app.integrations,
        "docs_url": app.docs_url,
        "source_url": app.source_url,
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before[key], after[key]] for key in after if before.get(key) != after[key]}


def record(
    session: AsyncSession,
    app: m.App,
    actor: m.User | None,
    action: str,
    *,
    changes: dict[str, Any] | None = None,
    comment: str = "",
) -> m.AuditEntry:
    entry = m.AuditEntry(
        app_id=app.id,
        actor_id=actor.id if actor else None,
        action=action,
        changes=_plain(changes or {}),
        comment=comment,
    )
    session.add(entry)
    return entry
