"""Mark what matched in a name or summary, for every engine alike.

Matches are found on the normalised text and mapped back one to one (``normalise`` keeps
lengths), so the page shows what the publisher wrote, in their script, with the matches marked.
Everything else is HTML-escaped: the only markup in the result is the highlight tag.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import escape

from .query import ParsedQuery, pinyin_query
from .text import char_syllables, has_han, normalise

# A homophone or pinyin match needs this many characters: one syllable alone matches too much.
MIN_PINYIN_CHARS = 2
# Initials ("yss") shorter than this match almost anything.
MIN_INITIALS = 3


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _term_spans(norm: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for term in terms:
        latin = _is_word_char(term[0])
        start = norm.find(term)
        while start != -1:
            # A Latin term starts a word ("oa" is not marked inside "board"); it may end mid-word,
            # as the last query word is matched as a prefix.
            if not (latin and start > 0 and _is_word_char(norm[start - 1])):
                spans.append((start, start + len(term)))
            start = norm.find(term, start + 1)
    return spans


def _syllable_runs(syllables: list[str | None]) -> list[tuple[int, int]]:
    """Runs of consecutive Han characters, as (start, end)."""
    runs, start = [], None
    for index, syllable in enumerate([*syllables, None]):
        if syllable is not None and start is None:
            start = index
        elif syllable is None and start is not None:
            runs.append((start, index))
            start = None
    return runs


@lru_cache(maxsize=1024)
def _query_runs(query: tuple[str, ...]) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """Every run of at least ``MIN_PINYIN_CHARS`` consecutive syllables of the query, and the
    shortest ones (what a match starts with)."""
    runs = frozenset(
        query[start:end]
        for start in range(len(query))
        for end in range(start + MIN_PINYIN_CHARS, len(query) + 1)
    )
    return runs, frozenset(run for run in runs if len(run) == MIN_PINYIN_CHARS)


def _homophone_spans(syllables: list[str | None], query: tuple[str, ...]) -> list[tuple[int, int]]:
    """Han characters whose syllables equal a consecutive run of the query's (社宝卡 → 社保卡).

    Each position takes the longest run starting there; the query's runs are a set, so a position
    costs one look-up unless it starts a match (runs of a run are runs too: growing one syllable
    at a time finds the longest).
    """
    runs, first = _query_runs(query)
    spans = []
    for start in range(len(syllables) - MIN_PINYIN_CHARS + 1):
        if syllables[start] not in query or tuple(syllables[start : start + MIN_PINYIN_CHARS]) not in first:
            continue
        end = start + MIN_PINYIN_CHARS
        while end < len(syllables) and tuple(syllables[start : end + 1]) in runs:
            end += 1
        spans.append((start, end))
    return spans


def _latin_pinyin_spans(syllables: list[str | None], full: str, words: list[str]) -> list[tuple[int, int]]:
    """Han characters spelled by pinyin typed in Latin letters: their syllables joined appear in
    the query ("yueshengshi", "yue sheng shi"), or their initials are a query word ("yss")."""
    spans = []
    for run_start, run_end in _syllable_runs(syllables):
        for start in range(run_start, run_end):
            first = syllables[start] or ""
            if first not in full and not any(word.startswith(first[:1]) for word in words):
                continue  # every span from here would start with this syllable or its initial
            joined = initials = ""
            for end in range(start + 1, run_end + 1):
                syllable = syllables[end - 1] or ""
                joined += syllable
                initials += syllable[:1]
                if end - start < MIN_PINYIN_CHARS:
                    continue
                if joined in full or (len(initials) >= MIN_INITIALS and initials in words):
                    spans.append((start, end))
                elif not any(word.startswith(initials) for word in words):
                    break  # neither the syllables nor the initials can match any longer
    return spans


def _choose(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest first, no overlaps; then touching spans are joined into one mark."""
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda span: (span[0] - span[1], span[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(chosen):
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def match_spans(original: str, parsed: ParsedQuery) -> list[tuple[int, int]]:
    """Where ``parsed`` matches ``original``: sorted, disjoint (start, end) positions."""
    if not parsed.words or not original:
        return []
    norm = normalise(original)
    spans = _term_spans(norm, parsed.terms())
    pinyin = pinyin_query(parsed)
    if pinyin and has_han(norm):
        syllables = char_syllables(norm)
        if has_han(parsed.norm):
            spans += _homophone_spans(syllables, tuple(pinyin.spaced.split(" ")))
        else:
            latin = [word.norm for word in parsed.words if word.is_latin]
            spans += _latin_pinyin_spans(syllables, pinyin.full, latin)
    return _choose(spans)


def highlight(original: str, parsed: ParsedQuery, *, tag: str = "mark") -> str:
    """``original`` HTML-escaped, with ``<tag>…</tag>`` around every match of the query."""
    parts: list[str] = []
    cursor = 0
    for start, end in match_spans(original, parsed):
        parts += [escape(original[cursor:start]), f"<{tag}>", escape(original[start:end]), f"</{tag}>"]
        cursor = end
    parts.append(escape(original[cursor:]))
    return "".join(parts)
