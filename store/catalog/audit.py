"""Writing the audit log. Every state change and every edit of an app goes through here, so this
is also where each of them is announced as a domain event (``AppChanged``, see
``store/lib/events.py``): services make no extra call, and no change can be missed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import events

from .events import AppChanged
from .fields import EDITABLE


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
    """The editable fields of an app, as they would be shown in its history (copies: an edit
    that changes a list in place must not change the "before")."""
    return {name: _plain(getattr(app, name)) for name in EDITABLE}


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
    events.emit(session, AppChanged(app_id=app.id, what=action, version=_version_of(changes)))
    return entry


def _version_of(changes: dict[str, Any] | None) -> str | None:
    """The version a change is about: ``changes["version"]`` is ``[before, after]`` (``[None,
    "1.2.0"]`` when one is added, the same twice when one is yanked or reviewed)."""
    pair = (changes or {}).get("version")
    if isinstance(pair, list | tuple) and pair:
        named = pair[-1] if pair[-1] is not None else pair[0]
        return str(named) if named is not None else None
    return None
