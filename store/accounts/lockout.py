"""Counting sign-in attempts: a bounded number of password checks per lockout, even in parallel,
and the same answers whether or not the username exists.

An attempt is counted *before* its password is checked, in one atomic ``UPDATE … RETURNING``:
parallel guesses each get a distinct number, and the one that reaches the limit locks the
account in the same statement, so at most ``max_failures`` passwords are ever checked before the
lock. A success clears the count again. The caller commits the count before the (slow) password
check, so the row lock is not held while argon2 runs.

Unknown usernames follow the same rule on a row of their own in ``login_throttles`` (keyed by a
SHA-256 of the name, created by an atomic upsert), so they lock after the same number of attempts
in every worker instead of answering 401 forever.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Attempt:
    """A counted sign-in attempt that may go on to check a password."""

    user_id: int | None  # None: no such user (the password check still runs, on a dummy hash)
    number: int  # 1 for the first attempt since the last success or lock
    locks: bool = False  # this attempt reached the limit: unless its password is right, it locks


async def count_attempt(
    session: AsyncSession, username: str, *, now: datetime, max_failures: int, lockout_seconds: int
) -> Attempt | None:
    """Count one attempt for ``username``; ``None`` while it is locked out (known or not)."""
    unlocked = m.User.locked_until.is_(None)
    number = case((unlocked, m.User.failed_logins + 1), else_=1)  # after an expired lock: 1 again
    lock_end = literal(now + timedelta(seconds=lockout_seconds), m.User.locked_until.type)
    row = (
        await session.execute(
            update(m.User)
            .where(m.User.username == username, or_(unlocked, m.User.locked_until <= now))
            .values(failed_logins=number, locked_until=case((number >= max_failures, lock_end), else_=None))
            .returning(m.User.id, m.User.failed_logins)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is not None:
        return Attempt(row.id, row.failed_logins, locks=row.failed_logins >= max_failures)
    if await session.scalar(select(m.User.id).where(m.User.username == username)) is not None:
        return None  # a real account, locked
    counted = await _count_unknown(
        session, username, now=now, max_failures=max_failures, lockout_seconds=lockout_seconds
    )
    return Attempt(None, counted, locks=counted >= max_failures) if counted else None


async def succeeded(session: AsyncSession, attempt: Attempt) -> None:
    """Clear the count after a right password, unless other attempts were counted meanwhile
    (their failures still count, and a lock one of them set stays)."""
    await session.execute(
        update(m.User)
        .where(m.User.id == attempt.user_id, m.User.failed_logins == attempt.number)
        .values(failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )


async def _count_unknown(
    session: AsyncSession, username: str, *, now: datetime, max_failures: int, lockout_seconds: int
) -> int | None:
    """The same rule for a name without an account: one atomic upsert that counts and locks.
    Returns the attempt's number, or ``None`` while the name is locked out."""
    throttle = m.LoginThrottle.__table__
    unlocked = throttle.c.locked_until.is_(None)
    number = case((unlocked, throttle.c.failed_logins + 1), else_=1)  # after an expired lock: 1 again
    lock_end = literal(now + timedelta(seconds=lockout_seconds), throttle.c.locked_until.type)
    key = hashlib.sha256(username.encode("utf-8")).hexdigest()
    first_lock = lock_end if max_failures <= 1 else None
    statement = (
        _INSERTS[session.get_bind().dialect.name](throttle)
        .values(name_sha256=key, failed_logins=1, locked_until=first_lock)
        .on_conflict_do_update(
            index_elements=["name_sha256"],
            set_={
                "failed_logins": number,
                "locked_until": case((number >= max_failures, lock_end), else_=None),
            },
            where=or_(unlocked, throttle.c.locked_until <= now),
        )
        .returning(throttle.c.failed_logins)
    )
    row = (await session.execute(statement)).first()
    return row[0] if row is not None else None
