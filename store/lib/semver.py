"""Semantic versions (semver.org 2.0.0): validation and a sort key that orders like semver.

The key is a plain string so the database can ORDER BY it: 1.10.0 sorts after 1.9.0, and a
pre-release (1.0.0-rc.1) before its release (1.0.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
MAX_LENGTH = 64
_WIDTH = 10


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]
    build: str

    @property
    def sort_key(self) -> str:
        core = ".".join(str(part).zfill(_WIDTH) for part in (self.major, self.minor, self.patch))
        if not self.prerelease:
            return core + "~"  # '~' sorts after '-', so a release follows its pre-releases
        parts = [("0" + p.zfill(_WIDTH)) if p.isdigit() else ("1" + p) for p in self.prerelease]
        # '!' sorts below every identifier character, so "alpha" < "alpha-b" as semver wants.
        return core + "-" + "!".join(parts)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)


def parse(text: str) -> Version | None:
    """Parse ``text``; None when it is not a semantic version."""
    if len(text) > MAX_LENGTH:
        return None
    match = SEMVER_RE.match(text)
    if not match:
        return None
    major, minor, patch, pre, build = match.groups()
    numbers = [major, minor, patch, *(p for p in (pre or "").split(".") if p.isdigit())]
    if max(len(n) for n in numbers) > _WIDTH:
        return None
    return Version(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else (), build or "")
