"""Which query words a document does not match: what relaxation dropped, for every engine.

Engines relax the same way (all words first, then words dropped from the end); the page says
which words the best hit lacks, as the user typed them. A word matches a document the way the
engines match it: through any of its alternatives in the normalised text, through its syllables
(homophones, pinyin typed with spaces), or, typed in Latin letters, as the start of a full pinyin,
initials or English word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .query import ParsedQuery, Word

TEXT_FIELDS = ("name_n", "name_en_n", "tags_n", "summary_n", "words", "body_n", "department_n")
_LATIN_WORD = re.compile(r"[^\W_]+")


def _strings(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _has_run(haystack: list[str], needle: tuple[str, ...]) -> bool:
    width = len(needle)
    return any(tuple(haystack[i : i + width]) == needle for i in range(len(haystack) - width + 1))


class _Document:
    """The searchable text of one document, read once for every word of the query."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.text = "\n".join(text for field in TEXT_FIELDS for text in _strings(doc.get(field)))
        self.syllable_lines = [
            line.split() for field in ("py_text", "py_syl") for line in _strings(doc.get(field))
        ]
        self.latin_words = [
            *_strings(doc.get("py_full")),
            *_strings(doc.get("py_ini")),
            *_LATIN_WORD.findall(" ".join(_strings(doc.get("name_en_n")))),
        ]

    def contains(self, term: str) -> bool:
        if not term.isascii():
            return term in self.text
        # Latin words match from the start of a word ("oa" is not in "board"; it is in "公文oa")
        return re.search(rf"(?<![0-9a-z]){re.escape(term)}", self.text) is not None

    def matches(self, word: Word) -> bool:
        if any(self.contains(alternative) for alternative in word.alternatives):
            return True
        if word.syllables and any(_has_run(line, word.syllables) for line in self.syllable_lines):
            return True
        return word.is_latin and any(entry.startswith(word.norm) for entry in self.latin_words)


def dropped_words(parsed: ParsedQuery, doc: Mapping[str, Any]) -> list[str]:
    """The words of ``parsed`` (as typed) that ``doc`` does not match, in query order."""
    if not parsed.words:
        return []
    document = _Document(doc)
    return [word.text for word in parsed.words if not document.matches(word)]
