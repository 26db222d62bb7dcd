"""Message catalogs and the per-request language.

Message ids are English; ``zh_CN`` is the default language. Catalogs are read from the ``.po``
files at start-up (compiled in memory) so there is no build step to forget.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LOCALE = "zh_CN"
LOCALES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
LANG_COOKIE = "lang"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str, **params: Any) -> str:
    """Translate into the current request's language, then fill ``%(name)s`` placeholders."""
    text = translations(current_locale.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def _(message: str) -> str:
    """Mark a message for extraction without translating it yet (translated where it is shown)."""
    return message


def normalize_locale(raw: str | None) -> str | None:
    """Map user input such as ``en-US``, ``zh``, ``zh-CN`` or ``zh_Hans`` to a supported locale."""
    if not raw:
        return None
    value = raw.strip().replace("-", "_").lower()
    if value.startswith("en"):
        return "en"
    if value.startswith("zh"):
        return "zh_CN"
    return None


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """Pick the language: explicit choice first, then the browser's list, else Chinese."""
    for candidate in (query_lang, cookie_lang):
        found = normalize_locale(candidate)
        if found:
            return found
    if accept_language:
        weighted: list[tuple[float, str]] = []
        for part in accept_language.split(","):
            lang, _sep, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            found = normalize_locale(lang)
            if found and weight > 0:  # q=0 means "not acceptable"
                weighted.append((weight, found))
        if weighted:
            return max(weighted, key=lambda item: item[0])[1]
    return DEFAULT_LOCALE
