"""Mark what matched in a name or summary, for every engine alike.

Matches are found on the normalised text and mapped back one to one (``normalise`` keeps
lengths), so the page shows what the publisher wrote, in their script, with the matches marked.
Everything else is HTML-escaped: the only markup in the result is the highlight tag.
"""

from __future__ import annotations

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


def _homophone_spans(syllables: list[str | None], query: tuple[str, ...]) -> list[tuple[int, int]]:
    """Han characters whose syllables equal a consecutive run of the query's (社宝卡 → 社保卡)."""
    spans = []
    for start in range(len(syllables)):
        best = 0
        for offset in range(len(query)):
            length = 0
            while (
                start + length < len(syllables)
                and offset + length < len(query)
                and syllables[start + length] == query[offset + length]
            ):
                length += 1
            best = max(best, length)
        if best >= MIN_PINYIN_CHARS:
            spans.append((start, start + best))
    return spans


def _latin_pinyin_spans(syllables: list[str | None], full: str, words: list[str]) -> list[tuple[int, int]]:
    """Han characters spelled by pinyin typed in Latin letters: their syllables joined appear in
    the query ("yueshengshi", "yue sheng shi"), or their initials are a query word ("yss")."""
    spans = []
    for run_start, run_end in _syllable_runs(syllables):
        for start in range(run_start, run_end):
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
