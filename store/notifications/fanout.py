"""Writing notifications: one statement that fans a message out to a region's staff.

``for_region`` builds an ``INSERT … SELECT`` over ``users``, so it runs the same on an async
session (``await session.execute(...)``) and on the sync session an event subscriber gets inside
the commit (``session.execute(...)``), and it writes in the transaction of the change it reports:
a refused or rolled-back change notifies nobody.

The recipients are the active city staff who act for the region: its own staff and, for a
district, its city's staff (the same reach as ``adoptions.rules.acts_for``). A recipient with an
e-mail address gets ``email_state = 'pending'``; the mail worker sends those when SMTP is
configured and lets old ones expire when it is not.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Insert, Table, and_, case, insert, literal, null, or_, select

from store.db import models as m


def acting_for(region_code: str) -> Any:
    """The WHERE clause of the active city staff acting for ``region_code``."""
    parent = select(m.Region.parent_code).where(m.Region.code == region_code).scalar_subquery()
    return and_(
        m.User.is_active.is_(True),
        m.User.role == m.Role.CITY_STAFF,
        or_(m.User.region_code == region_code, m.User.region_code == parent),
    )


def for_region(
    region_code: str,
    kind: m.NotificationKind,
    *,
    app_id: int | None = None,
    adoption_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> Insert:
    """The statement that gives every staff user acting for ``region_code`` one inbox row."""
    table = cast(Table, m.Notification.__table__)
    email_state = case(
        (m.User.email != "", literal(m.EmailState.PENDING.value)), else_=literal(m.EmailState.NONE.value)
    )
    rows = select(
        m.User.id,
        literal(str(kind)),
        literal(app_id) if app_id is not None else null(),
        literal(adoption_id) if adoption_id is not None else null(),
        literal(params or {}, type_=table.c.params.type),
        literal(m.utcnow(), type_=table.c.created_at.type),
        email_state,
        literal(0),
    ).where(acting_for(region_code))
    return insert(table).from_select(
        [
            table.c.user_id,
            table.c.kind,
            table.c.app_id,
            table.c.adoption_id,
            table.c.params,
            table.c.created_at,
            table.c.email_state,
            table.c.email_attempts,
        ],
        rows,
    )
