"""Create-if-missing without a race, on SQLite and PostgreSQL alike.

Checking for a row and then inserting it lets a parallel request insert the same row in between,
and the loser's flush fails with an IntegrityError that ends its whole transaction. A savepoint
would contain that on PostgreSQL, but not on SQLite: the pysqlite driver opens no transaction
before a ``SAVEPOINT``, so releasing the savepoint commits everything. ``INSERT … ON CONFLICT DO
NOTHING`` works on both (SQLite ≥ 3.24, RETURNING ≥ 3.35): the loser's insert waits for the
winner's transaction and then simply inserts nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Base

ModelT = TypeVar("ModelT", bound=Base)
_INSERTS: dict[str, Callable[[Any], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


async def insert_unless_exists(session: AsyncSession, row: ModelT, *unique: str) -> ModelT | None:
    """Insert the (new, unsaved) ``row`` unless a row with the same values in the ``unique``
    columns exists. Returns the inserted row, loaded, or ``None`` when one existed already.

    Column defaults apply as for ``session.add``; relationships of ``row`` are not saved.
    """
    model = type(row)
    mapper = inspect(model)
    values: dict[str, Any] = {}
    for attribute in mapper.column_attrs:
        value = row.__dict__.get(attribute.key)  # only what was set: defaults fill in the rest
        if value is not None:
            values[attribute.columns[0].key] = value
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(model)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*mapper.primary_key)
    )
    key = (await session.execute(statement)).first()
    if key is None:
        return None
    return await session.get(model, tuple(key))
