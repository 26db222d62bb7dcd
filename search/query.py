"""What a person typed, taken apart once for every engine: words, their alternatives, pinyin.

Each word of the query matches through any of its alternatives: itself and its synonyms, or, for
an everyday need found by the thesaurus (开饭店), the government terms it stands for
(食品经营许可). Engines turn words into their own query syntax; highlighting uses ``terms()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import vocabulary
from .text import has_han, normalise, syllables_of, word_spans
from .types import MAX_QUERY_CHARS

MAX_WORDS = 10
# Thesaurus needs, longest first, so 办营业执照 wins over a shorter need inside it.
_NEEDS = tuple(sorted(vocabulary.THESAURUS, key=len, reverse=True))


@dataclass(frozen=True)
class Word:
    text: str  # the word as typed (original script), for "dropped words"
    norm: str  # normalised
    alternatives: tuple[str, ...]  # norm first, then its synonyms; or a thesaurus need's terms
    syllables: tuple[str, ...]  # pinyin of norm, for homophone matching ("she", "bao")
    is_latin: bool  # letters/digits only (may be pinyin typed by the user)


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    norm: str
    words: tuple[Word, ...]  # at most MAX_WORDS; empty for an empty query

    def terms(self) -> tuple[str, ...]:
        """Every alternative of every word, longest first (for highlighting)."""
        unique = dict.fromkeys(term for word in self.words for term in word.alternatives)
        return tuple(sorted(unique, key=len, reverse=True))

    @property
    def is_empty(self) -> bool:
        return not self.words


@dataclass(frozen=True)
class PinyinQuery:
    full: str  # "shebaoka", "yueshengshi"
    spaced: str  # "she bao ka", "yue sheng shi"


def _is_latin(norm: str) -> bool:
    return norm.isalnum() and not has_han(norm)


def _is_accident(start: int, end: int, segmentation: list[tuple[int, int, str]]) -> bool:
    """Whether a need found at [start, end) is only an accident of spelling: it is part of a
    longer word (结婚 in 结婚证), or it starts and ends inside words (买房 in 购买 + 房产). One cut
    edge is normal: 怎么办身份证 segments as 怎么办 + 身份证, yet asks how to 办身份证."""
    if any(s <= start and end <= e and e - s > end - start for s, e, _ in segmentation):
        return True
    return any(s < start < e for s, e, _ in segmentation) and any(s < end < e for s, e, _ in segmentation)


def _need_spans(norm: str) -> list[tuple[int, int, str]]:
    """Where thesaurus needs occur in the normalised query, longest first, never overlapping."""
    found: list[tuple[int, int, str]] = []
    segmentation: list[tuple[int, int, str]] | None = None
    for need in _NEEDS:
        start = norm.find(need)
        while start != -1:
            end = start + len(need)
            if all(end <= s or start >= e for s, e, _ in found):
                if segmentation is None:
                    segmentation = word_spans(norm)
                if not _is_accident(start, end, segmentation):
                    found.append((start, end, need))
            start = norm.find(need, start + 1)
    return sorted(found)


def _word(raw: str, start: int, end: int, norm: str, alternatives: tuple[str, ...]) -> Word:
    return Word(
        text=raw[start:end],
        norm=norm,
        alternatives=alternatives,
        syllables=syllables_of(norm),
        is_latin=_is_latin(norm),
    )


def parse_query(raw: str) -> ParsedQuery:
    """Split a query into words: thesaurus needs first (as typed, before segmentation), then the
    segmented rest, each with its synonyms. At most ``MAX_WORDS`` words; the rest are dropped."""
    return _parse(raw[:MAX_QUERY_CHARS])  # trimmed first, so the cache holds short keys only


@lru_cache(maxsize=4096)
def _parse(raw: str) -> ParsedQuery:
    norm = normalise(raw)  # same length as raw: positions in one are positions in the other
    found: list[tuple[int, Word]] = []
    cursor = 0
    # The text between needs is segmented; the sentinel at the end takes the rest.
    for start, end, need in [*_need_spans(norm), (len(norm), len(norm), "")]:
        for span_start, span_end, text in word_spans(norm[cursor:start]):
            alternatives = (text, *vocabulary.synonyms_of(text))
            found.append(
                (cursor + span_start, _word(raw, cursor + span_start, cursor + span_end, text, alternatives))
            )
        if need:
            found.append((start, _word(raw, start, end, need, vocabulary.THESAURUS[need])))
        cursor = end
    unique: dict[str, Word] = {}
    for _, word in sorted(found, key=lambda item: item[0]):
        unique.setdefault(word.norm, word)
    return ParsedQuery(raw=raw, norm=norm, words=tuple(unique.values())[:MAX_WORDS])


def pinyin_query(parsed: ParsedQuery) -> PinyinQuery | None:
    """The query as pinyin, for homophones and pinyin typed by the user.

    With Han characters: the syllables of the whole query (社宝卡 → "she bao ka", "shebaoka"), which
    find 社保卡. All Latin: the words as typed ("yue sheng shi" → "yue sheng shi", "yueshengshi").
    """
    if not parsed.words:
        return None
    if has_han(parsed.norm):
        syllables = syllables_of(parsed.norm)
    else:
        syllables = tuple(word.norm for word in parsed.words)
    return PinyinQuery(full="".join(syllables), spaced=" ".join(syllables))
