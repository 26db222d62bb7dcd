"""Users, sign-in sessions and API tokens. Services flush but never commit: the caller owns the
transaction (the request, or the CLI wrapper)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import security
from store.lib.errors import Conflict, NotFound, TooManyRequests, Unauthorized, ValidationFailed, field_error
from store.lib.i18n import _

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for some drivers; treat them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            details=[
                field_error(
                    field,
                    _("A password must have between %(min)s and %(max)s characters."),
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                )
            ]
        )


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> m.User:
        user = await self.session.get(m.User, user_id)
        if user is None:
            raise NotFound(_("No user with this id."))
        return user

    async def by_username(self, username: str) -> m.User | None:
        return await self.session.scalar(select(m.User).where(m.User.username == username))

    async def list(self, *, page: int = 1, per_page: int = 50) -> tuple[list[m.User], int]:
        total = await self.session.scalar(select(func.count()).select_from(m.User)) or 0
        rows = await self.session.scalars(
            select(m.User).order_by(m.User.username).offset((page - 1) * per_page).limit(per_page)
        )
        return list(rows), total

    async def _check_role_region(self, role: str, region_code: str | None) -> str:
        """Provincial roles belong to 广东省; city staff to a city or district."""
        if role not in set(m.Role):
            raise ValidationFailed(details=[field_error("role", _("Unknown role %(role)s."), role=role)])
        if role != m.Role.CITY_STAFF:
            return region_code or "440000"
        if not region_code:
            raise ValidationFailed(details=[field_error("region", _("City staff must belong to a region."))])
        region = await self.session.get(m.Region, region_code)
        if region is None:
            raise ValidationFailed(
                details=[field_error("region", _("Unknown region code %(code)s."), code=region_code)]
            )
        if region.level == m.RegionLevel.PROVINCE:
            raise ValidationFailed(
                details=[
                    field_error(
                        "region", _("City staff must belong to a city or a district, not the province.")
                    )
                ]
            )
        return region_code

    async def create(
        self,
        *,
        username: str,
        role: str,
        password: str,
        region_code: str | None = None,
        display_name: str = "",
    ) -> m.User:
        errors = []
        if not USERNAME_RE.match(username):
            errors.append(
                field_error("username", _("Use 3 to 64 letters, digits, dots, dashes or underscores."))
            )
        if errors:
            raise ValidationFailed(details=errors)
        check_password_strength(password)
        region = await self._check_role_region(role, region_code)
        if await self.by_username(username) is not None:
            raise Conflict(_("The username %(username)s is already taken."), username=username)
        user = m.User(
            username=username,
            role=role,
            region_code=region,
            display_name=display_name or username,
            password_hash=security.hash_password(password),
        )
        self.session.add(user)
        await self.session.flush()
        await self.session.refresh(user)
        return user

    async def update(
        self,
        user: m.User,
        *,
        role: str | None = None,
        region_code: str | None = None,
        display_name: str | None = None,
        is_active: bool | None = None,
    ) -> m.User:
        new_role = role or user.role
        user.region_code = await self._check_role_region(new_role, region_code or user.region_code)
        user.role = new_role
        if display_name is not None:
            user.display_name = display_name
        if is_active is not None:
            user.is_active = is_active
            if not is_active:
                await SessionService(self.session).end_all(user)
        await self.session.flush()
        await self.session.refresh(user)
        return user

    async def set_password(self, user: m.User, password: str) -> None:
        check_password_strength(password)
        user.password_hash = security.hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        await SessionService(self.session).end_all(user)
        await self.session.flush()

    async def authenticate(
        self, username: str, password: str, *, max_failures: int, lockout_seconds: int
    ) -> m.User:
        """Check a password, counting failures; lock the account for a while after too many."""
        user = await self.by_username(username)
        now = m.utcnow()
        if user is not None and user.locked_until is not None and _utc(user.locked_until) > now:
            raise TooManyRequests(_("Too many failed sign-ins. Try again in a few minutes."))
        ok = security.verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= max_failures:
                    user.locked_until = now + timedelta(seconds=lockout_seconds)
                    user.failed_logins = 0
                await self.session.flush()
            raise Unauthorized(_("Wrong username or password."))
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        await self.session.flush()
        return user


class SessionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, user: m.User, *, max_age: int, user_agent: str = "") -> str:
        """Create a session and return the cookie value (only its hash is stored)."""
        secret = security.new_secret()
        now = m.utcnow()
        self.session.add(
            m.UserSession(
                id=security.digest(secret),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(seconds=max_age),
                user_agent=user_agent[:255],
            )
        )
        # Old expired sessions are swept here so the table does not grow without bound.
        await self.session.execute(delete(m.UserSession).where(m.UserSession.expires_at < now))
        await self.session.flush()
        return secret

    async def resolve(self, secret: str) -> m.User | None:
        row = await self.session.get(m.UserSession, security.digest(secret))
        if row is None or _utc(row.expires_at) <= m.utcnow() or not row.user.is_active:
            return None
        return row.user

    async def end(self, secret: str) -> None:
        await self.session.execute(delete(m.UserSession).where(m.UserSession.id == security.digest(secret)))
        await self.session.flush()

    async def end_all(self, user: m.User) -> None:
        await self.session.execute(delete(m.UserSession).where(m.UserSession.user_id == user.id))


@dataclass(frozen=True)
class IssuedToken:
    token: m.ApiToken
    secret: str


class TokenService:
    MAX_ACTIVE = 50

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, user: m.User) -> list[m.ApiToken]:
        rows = await self.session.scalars(
            select(m.ApiToken).where(m.ApiToken.user_id == user.id).order_by(m.ApiToken.created_at.desc())
        )
        return list(rows)

    async def issue(self, user: m.User, name: str, expires_in_days: int | None = None) -> IssuedToken:
        name = name.strip()
        if not name:
            raise ValidationFailed(details=[field_error("name", _("Give the token a name."))])
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise ValidationFailed(
                details=[field_error("expires_in_days", _("Choose between 1 and 3650 days, or no expiry."))]
            )
        active = await self.session.scalar(
            select(func.count())
            .select_from(m.ApiToken)
            .where(m.ApiToken.user_id == user.id, m.ApiToken.revoked_at.is_(None))
        )
        if (active or 0) >= self.MAX_ACTIVE:
            raise Conflict(_("You have too many active tokens. Revoke some first."))
        secret = security.new_secret(security.TOKEN_PREFIX)
        now = m.utcnow()
        token = m.ApiToken(
            user_id=user.id,
            name=name,
            prefix=secret[:10],
            token_hash=security.digest(secret),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        self.session.add(token)
        await self.session.flush()
        return IssuedToken(token=token, secret=secret)

    async def revoke(self, user: m.User, token_id: int) -> m.ApiToken:
        token = await self.session.get(m.ApiToken, token_id)
        # Another user's token is reported as missing, not forbidden: ids reveal nothing.
        if token is None or token.user_id != user.id:
            raise NotFound(_("No token with this id."))
        if token.revoked_at is None:
            token.revoked_at = m.utcnow()
            await self.session.flush()
        return token

    async def resolve(self, secret: str) -> m.User | None:
        token = await self.session.scalar(
            select(m.ApiToken).where(m.ApiToken.token_hash == security.digest(secret))
        )
        now = m.utcnow()
        if token is None or token.revoked_at is not None or not token.user.is_active:
            return None
        if token.expires_at is not None and _utc(token.expires_at) <= now:
            return None
        token.last_used_at = now
        await self.session.flush()
        return token.user
