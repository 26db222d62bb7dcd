"""API shapes for accounts. Length limits here give a 400 before any service runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from store.db import models as m
from store.lib.pagination import PageOut
from store.lib.schemas import from_attributes

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
RoleName = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
RegionCode = Annotated[str, msgspec.Meta(pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 440300")]
Email = Annotated[
    str, msgspec.Meta(max_length=254, description="Address for notification e-mails; empty for none.")
]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password


class RegionRefOut(msgspec.Struct):
    code: str
    name: str
    level: str


class UserOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    region: RegionRefOut
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: m.User) -> UserOut:
        return from_attributes(cls, user, region=from_attributes(RegionRefOut, user.region))


class UserCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    role: RoleName
    password: Password
    region: RegionCode | None = None
    display_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    email: Email = ""


class UserUpdateIn(msgspec.Struct, forbid_unknown_fields=True):
    role: RoleName | None = None
    region: RegionCode | None = None
    display_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    email: Email | None = None
    is_active: bool | None = None
    password: Password | None = None
    # With a new password: also revoke the user's API tokens (whoever had the old one may hold one).
    revoke_tokens: bool = True


class UserPageOut(PageOut):
    items: list[UserOut]


class TokenCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None


class TokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: m.ApiToken) -> TokenOut:
        return from_attributes(cls, token)


class IssuedTokenOut(msgspec.Struct):
    token: TokenOut
    secret: str = msgspec.field(name="secret")
