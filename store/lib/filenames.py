"""File names from clients, made safe: no directories, no control characters, bounded length.

A name is shown to people and used when they save the file, on any system. So it must read as
what it is: invisible and bidirectional-control characters (which can make ``exe.pdf`` display
as ``fdp.exe``) are removed; look-alike slashes and names Windows reserves are refused.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0080-\u009f]")
# Shown as nothing, or as a blank, though they are not spaces. Unicode's "format" characters
# (soft hyphen U+00AD, Arabic letter mark U+061C, zero-width U+200B-U+200F, bidi embeddings and
# isolates U+202A-U+202E and U+2066-U+2069, word joiner U+2060, BOM U+FEFF ...) are found by
# their category; these others are letters or marks by category but invisible in practice.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u2800\u3164\uffa0")
# Characters drawn like "/" or "\": a name holding one could pose as a path.
_SLASH_LIKE = frozenset("\u1735\u2044\u2215\u2216\u2571\u2572\u29f5\u29f8\u29f9\u2f03\ufe68\uff0f\uff3c")
_UNSAFE = re.compile(r'[<>:"|?*]')
# CON, PRN, AUX, NUL, COM0-9, LPT0-9 (superscript digits too), with or without an extension:
# Windows opens the device instead of the file, whatever the extension.
_WINDOWS_RESERVED = re.compile(
    r"^(?:con|prn|aux|nul|conin\$|conout\$|(?:com|lpt)[0-9\u00b9\u00b2\u00b3])(?:\s*\..*)?$",
    re.IGNORECASE,
)


def _visible(char: str) -> bool:
    return char not in _INVISIBLE and unicodedata.category(char) != "Cf"


def sanitize(name: str) -> str | None:
    """Return a safe file name, or None when nothing usable is left.

    Path separators are not "cleaned" into a base name: ``../../etc/passwd`` is refused rather
    than silently becoming ``passwd``, so the uploader notices. The same holds for slashes that
    only look like one, and for names Windows reserves (``nul.txt``).
    """
    name = unicodedata.normalize("NFC", name)
    if len(name) > 4 * MAX_LENGTH:  # refused before any per-character work
        return None
    if "/" in name or "\\" in name or any(char in _SLASH_LIKE for char in name):
        return None
    name = _CONTROL.sub("", name)
    name = "".join(char for char in name if _visible(char))
    name = _UNSAFE.sub("_", name).strip().strip(" .")
    if not name or name in {".", ".."} or _WINDOWS_RESERVED.match(name):
        return None
    if len(name) > MAX_LENGTH:
        return None
    return name
