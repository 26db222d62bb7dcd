"""File names from clients, made safe: no directories, no control characters, bounded length."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE = re.compile(r'[<>:"|?*]')


def sanitize(name: str) -> str | None:
    """Return a safe file name, or None when nothing usable is left.

    Path separators are not "cleaned" into a base name: ``../../etc/passwd`` is refused rather
    than silently becoming ``passwd``, so the uploader notices.
    """
    name = unicodedata.normalize("NFC", name).strip()
    if not name or "/" in name or "\\" in name:
        return None
    name = _CONTROL.sub("", name)
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or name in {".", ".."}:
        return None
    if len(name) > MAX_LENGTH:
        return None
    return name
