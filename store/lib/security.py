"""Secrets: argon2id password hashes and high-entropy tokens stored only as SHA-256; and where a
browser may be sent back to after a form (never to another site)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .offload import run_cpu_bound

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

SESSION_COOKIE = "store_session"
TOKEN_PREFIX = "yfy_"  # noqa: S105 - a marker, not a secret

# Verifying against this keeps sign-in timing the same whether or not the username exists.
_DUMMY_HASH = _hasher.hash("timing-equaliser")


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# Argon2 is deliberately slow (~0.1-0.4 s of CPU); on the event loop ten bad sign-ins would stall
# every other request. Only these awaitable forms are public, so no caller can block the loop.
async def make_password_hash(password: str) -> str:
    """An argon2id hash of ``password``, computed in the CPU pool."""
    return await run_cpu_bound(_hash, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; ``None`` (unknown user) costs the same and is False."""
    return await run_cpu_bound(_verify, password_hash, password)


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret: enough for random tokens, unlike passwords."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default``.

    A ``next`` parameter (sign-in, language switch) must not become an open redirect: browsers
    read ``//host`` and ``/\\host`` as another site.
    """
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
