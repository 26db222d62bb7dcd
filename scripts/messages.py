"""Message catalogs: extract every translatable string and merge it into the .po files.

    python scripts/messages.py update   # refresh store/locale/messages.pot and each messages.po
    python scripts/messages.py check    # exit 1 if a zh_CN message has no translation

English is the message-id language, so the ``en`` catalog stays empty on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "store" / "locale"
METHOD_MAP = [("store/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(project="yue-store", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, METHOD_MAP, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if message:
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def update() -> None:
    template = extract()
    with (LOCALE_DIR / "messages.pot").open("wb") as fh:
        write_po(fh, template, omit_header=True, sort_output=True, include_lineno=False)
    for locale in ("zh_CN", "en"):
        path = _po_path(locale)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
        else:
            catalog = Catalog(locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header is maintained here, not by a translator
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, include_lineno=False, ignore_obsolete=True)


def missing(locale: str = "zh_CN") -> list[str]:
    with _po_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    known = {msg.id: msg for msg in catalog if msg.id}
    gaps = []
    for msg in extract():
        if not msg.id:
            continue
        found = known.get(msg.id)
        text = found.string if found else None
        if not text or (isinstance(text, tuple) and not all(text)) or (found and found.fuzzy):
            gaps.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return gaps


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "check":
        gaps = missing()
        for gap in gaps:
            print(f"untranslated: {gap!r}")
        sys.exit(1 if gaps else 0)
    else:
        sys.exit(__doc__)
