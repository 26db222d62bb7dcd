"""Users, sign-in sessions and API tokens. Services flush but never commit: the caller owns the
transaction (the request, or the CLI wrapper)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.lib import metrics, security
from store.lib.errors import Conflict, NotFound, TooManyRequests, Unauthorized, ValidationFailed, field_error
from store.lib.i18n import _
from store.lib.pagination import paginate
from store.regions.data import PROVINCE_CODE

from . import lockout

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
# A plain address check (one @, a dot in the domain, no spaces or characters that have no place
# in an address header); the mail server is the real judge.
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\.]+$")
MAX_EMAIL_LENGTH = 254  # users.email
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


def checked_email(value: str) -> str:
    """An e-mail address for notifications, or "" for none; 422 naming the field otherwise."""
    value = value.strip()
    if value and (len(value) > MAX_EMAIL_LENGTH or not EMAIL_RE.match(value)):
        raise ValidationFailed(
            details=[
                field_error(
                    "email", _("Enter an e-mail address such as name@example.gov.cn, or leave it empty.")
                )
            ]
        )
    return value


def _details(exc: ValidationFailed) -> list[dict[str, Any]]:
    return exc.details if isinstance(exc.details, list) else []


class UserRepository(SQLAlchemyAsyncRepository[m.User]):
    """advanced-alchemy's queries on users (a page with its total)."""

    model_type = m.User


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> m.User:
        user = await self.session.get(m.User, user_id)
        if user is None:
            raise NotFound(_("No user with this id."))
        return user

    async def find_by_username(self, username: str) -> m.User | None:
        return await self.session.scalar(select(m.User).where(m.User.username == username))

    async def list_users(self, *, page: int = 1, per_page: int = 50) -> OffsetPagination[m.User]:
        query = select(m.User).order_by(m.User.username)
        return await paginate(UserRepository(session=self.session), query, page=page, per_page=per_page)

    async def _check_role_region(self, role: str, region_code: str | None) -> str:
        """Provincial roles belong to 广东省; city staff to a city or district."""
        if role not in set(m.Role):
            raise ValidationFailed(details=[field_error("role", _("Unknown role %(role)s."), role=role)])
        if role != m.Role.CITY_STAFF:
            return region_code or PROVINCE_CODE
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
        email: str = "",
    ) -> m.User:
        errors = []
        if not USERNAME_RE.match(username):
            errors.append(
                field_error("username", _("Use 3 to 64 letters, digits, dots, dashes or underscores."))
            )
        try:
            email = checked_email(email)
        except ValidationFailed as exc:
            errors.extend(_details(exc))
        # Every refused field at once: the password, the role and region too.
        try:
            check_password_strength(password)
        except ValidationFailed as exc:
            errors.extend(_details(exc))
        region = ""
        try:
            region = await self._check_role_region(role, region_code)
        except ValidationFailed as exc:
            errors.extend(_details(exc))
        if errors:
            raise ValidationFailed(details=errors)
        taken = Conflict(_("The username %(username)s is already taken."), username=username)
        if await self.find_by_username(username) is not None:
            raise taken
        user = m.User(
            username=username,
            role=role,
            region_code=region,
            display_name=display_name or username,
            email=email,
            password_hash=await security.make_password_hash(password),
        )
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # taken by a parallel request since the check
            raise taken from exc
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
        email: str | None = None,
        password: str | None = None,
        revoke_tokens: bool = True,
    ) -> m.User:
        """Change what is given; a new ``password`` as set_password does (``revoke_tokens``).
        Nothing changes unless every field given is right."""
        new_role = role or user.role
        # Every refused field at once: the address, the role and region, and the password.
        errors: list[dict[str, Any]] = []
        if email is not None:
            try:
                email = checked_email(email)
            except ValidationFailed as exc:
                errors.extend(_details(exc))
        region = user.region_code
        try:
            region = await self._check_role_region(new_role, region_code or user.region_code)
        except ValidationFailed as exc:
            errors.extend(_details(exc))
        if password is not None:
            try:
                check_password_strength(password)
            except ValidationFailed as exc:
                errors.extend(_details(exc))
        if errors:
            raise ValidationFailed(details=errors)
        user.region_code = region
        user.role = new_role
        if email is not None:
            user.email = email
        if display_name is not None:
            user.display_name = display_name
        if is_active is not None:
            user.is_active = is_active
            if not is_active:
                await SessionService(self.session).end_all(user)
        if password is not None:
            await self.set_password(user, password, revoke_tokens=revoke_tokens)
        await self.session.flush()
        await self.session.refresh(user)
        return user

    async def set_email(self, user: m.User, email: str) -> m.User:
        """The user's own address for notification e-mails ("" for none)."""
        user.email = checked_email(email)
        await self.session.flush()
        return user

    async def set_password(self, user: m.User, password: str, *, revoke_tokens: bool = True) -> int:
        """Set a new password, unlock the account and end all its sessions; by default also
        revoke its API tokens (whoever knew the old password may have made one). Returns the
        number of tokens revoked."""
        check_password_strength(password)
        user.password_hash = await security.make_password_hash(password)
        user.failed_logins = 0
        user.locked_until = None
        await SessionService(self.session).end_all(user)
        revoked = await TokenService(self.session).revoke_all(user) if revoke_tokens else 0
        await self.session.flush()
        return revoked

    async def count_sign_in(
        self, username: str, *, max_failures: int, lockout_seconds: int
    ) -> lockout.Attempt:
        """Count a sign-in attempt before its password is checked; 429 while locked out.

        The caller commits the count before calling :meth:`authenticate`, so parallel guesses
        see each other's counts and at most ``max_failures`` passwords are checked per lockout.
        Unknown usernames are counted and locked the same way (see ``lockout``).
        """
        attempt = await lockout.count_attempt(
            self.session, username, now=m.utcnow(), max_failures=max_failures, lockout_seconds=lockout_seconds
        )
        if attempt is None:
            metrics.login_failed(locked_out=True)
            raise TooManyRequests(_("Too many failed sign-ins. Try again in a few minutes."))
        return attempt

    async def authenticate(self, attempt: lockout.Attempt, password: str) -> m.User:
        """Check the password of a counted attempt. An unknown user costs the same password
        check (on a dummy hash) and gets the same answer as a wrong password."""
        user = await self.session.get(m.User, attempt.user_id) if attempt.user_id is not None else None
        ok = await security.password_matches(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            metrics.login_failed(now_locked=attempt.locks)
            raise Unauthorized(_("Wrong username or password."))
        await lockout.succeeded(self.session, attempt)
        return user


class SessionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, user: m.User, *, max_age: int, user_agent: str = "") -> str:
        """Create a session and return the cookie value (only its hash is stored)."""
        secret = security.new_secret()
        now = m.utcnow()
        user.last_login_at = now
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

    async def list_tokens(self, user: m.User) -> list[m.ApiToken]:
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
        # Parallel requests must not all pass the limit: lock the user's row (PostgreSQL; SQLite
        # ignores FOR UPDATE but takes its write lock at the insert, which comes before the count).
        await self.session.execute(select(m.User.id).where(m.User.id == user.id).with_for_update())
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
        active = await self.session.scalar(
            select(func.count())
            .select_from(m.ApiToken)
            .where(m.ApiToken.user_id == user.id, m.ApiToken.revoked_at.is_(None))
        )
        if (active or 0) > self.MAX_ACTIVE:  # the new one included; the caller rolls it back
            raise Conflict(_("You have too many active tokens. Revoke some first."))
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

    async def revoke_all(self, user: m.User) -> int:
        """Revoke every active token of ``user``; returns how many there were."""
        result = await self.session.execute(
            update(m.ApiToken)
            .where(m.ApiToken.user_id == user.id, m.ApiToken.revoked_at.is_(None))
            .values(revoked_at=m.utcnow())
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

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
