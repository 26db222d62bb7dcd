"""What a query word matches, whatever the database: ``Terms``, every string reduced to letters and
digits (``_token``), so nothing typed can become match syntax."""

from __future__ import annotations

from dataclasses import dataclass

from ..query import MAX_WORDS, ParsedQuery, PinyinQuery, Word, pinyin_query
from ..text import has_han, is_han, syllables_of, words

# The last word of a query, typed in Latin letters, also matches as the start of a pinyin form or
# an English name word (it may still be being typed), from this many letters — as Meilisearch
# matches the last word as a prefix.
PREFIX_MIN = 2
# A homophone (pinyin) match needs this many syllables: one syllable alone matches too much.
MIN_SYLLABLES = 2


def _token(text: str) -> str:
    """Letters and digits only: nothing in it can be match syntax (quotes, *, :, operators)."""
    return "".join(char for char in text if char.isalnum())


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token for word in words(text) if (token := _token(word)))


@dataclass(frozen=True)
class Terms:
    """One query word as what it may match; every string is a ``_token``."""

    phrases: tuple[tuple[str, ...], ...] = ()  # words of the text (name, tags, summary, body)
    pinyin_forms: tuple[str, ...] = ()  # whole pinyin forms of the name and tags
    prefixes: tuple[str, ...] = ()  # prefixes of pinyin forms and of name words
    unigrams: tuple[tuple[str, ...], ...] = ()  # Han characters one by one
    syllables: tuple[tuple[str, ...], ...] = ()  # pinyin syllables
    # Suggestions (``typing_terms``): the name and tags only; ``open_end``: the piece is still
    # being typed, so its phrases' last token is a prefix.
    typing: bool = False
    open_end: bool = False

    def __bool__(self) -> bool:
        return bool(self.phrases or self.pinyin_forms or self.prefixes or self.unigrams or self.syllables)


def _unique[T](items: list[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def _whole_query(parsed: ParsedQuery) -> tuple[tuple[str, ...], str]:
    """The query's pinyin as a phrase of syllables (two or more), and, for a query typed all in
    Latin letters with several words, its joined form (yue sheng shi → yueshengshi)."""
    spelled: PinyinQuery | None = pinyin_query(parsed)
    if spelled is None:
        return (), ""
    syllables = tuple(token for part in spelled.spaced.split() if (token := _token(part)))
    joined = _token(spelled.full) if len(parsed.words) > 1 and not has_han(parsed.norm) else ""
    return (syllables if len(syllables) >= MIN_SYLLABLES else ()), joined


def _piece_syllables(word: Word, parsed: ParsedQuery) -> tuple[str, ...]:
    """The syllables of the space-separated piece of the query that holds ``word`` (社宝卡, which
    jieba cuts into 社 宝 卡), when it has Han characters."""
    for piece in parsed.norm.split():
        if word.norm in piece and has_han(piece):
            return tuple(token for syllable in syllables_of(piece) if (token := _token(syllable)))
    return ()


def word_terms(word: Word, parsed: ParsedQuery, *, last: bool) -> Terms:
    """What ``word`` of a search matches; ``last``: it is the query's last word.

    Homophones are matched on the syllables of the whole query and of the word's piece, not of
    the word alone: a wrong character splits the segmentation (社宝卡 → 社 宝 卡), and two
    syllables of one word meet across words of a text too easily (公积 → 办公 机关).
    """
    whole_syllables, whole_joined = _whole_query(parsed)
    phrases = _unique([_tokens(alternative) for alternative in word.alternatives])
    pinyin_forms: list[str] = [whole_joined]
    prefixes: list[str] = []
    unigrams: list[tuple[str, ...]] = []
    syllables: list[tuple[str, ...]] = [whole_syllables]
    if word.is_latin:
        token = _token(word.norm)
        pinyin_forms.append(token)
        if last and len(token) >= PREFIX_MIN:
            prefixes += [token, whole_joined]
    else:
        for alternative in word.alternatives:
            chars = tuple(char for char in alternative if is_han(char))
            # One character alone would match any text that has it, in any word.
            if len(chars) >= 2 and len(chars) == len(alternative):
                unigrams.append(chars)
        piece = _piece_syllables(word, parsed)
        if len(piece) >= MIN_SYLLABLES:
            # The whole query's syllables hold the piece's: an app that has them has these.
            syllables = [piece]
    return Terms(
        phrases=phrases,
        pinyin_forms=_unique(pinyin_forms),
        prefixes=_unique(prefixes),
        unigrams=_unique(unigrams),
        syllables=_unique(syllables),
    )


def typing_terms(parsed: ParsedQuery) -> list[Terms]:
    """What each piece of a query being typed matches, for suggestions: names and tags only.

    The pieces are what the person separated by spaces, not the segmenter's words: 粤省 is the
    start of 粤省事 although jieba cuts it into 粤 and 省. A piece matches as the start of a word of
    the name or tags (or of a pinyin form), or its words as a phrase; pieces typed all in Latin
    letters also match joined (yue sheng → yuesheng…).
    """
    pieces = [token for piece in parsed.norm.split() if (token := _token(piece))][:MAX_WORDS]
    joined = "".join(pieces) if len(pieces) > 1 and all(piece.isascii() for piece in pieces) else ""
    terms = []
    for i, piece in enumerate(pieces):
        phrases = (_tokens(piece),)
        long_enough = has_han(piece) or len(piece) >= PREFIX_MIN  # "y" would start half the catalog
        prefixes = [piece] if long_enough else []
        if len(joined) >= PREFIX_MIN:
            prefixes.append(joined)
        forms = [piece] if piece.isascii() else []
        terms.append(
            Terms(
                phrases=phrases if phrases[0] else (),
                pinyin_forms=_unique(forms),
                prefixes=_unique(prefixes),
                typing=True,
                open_end=i == len(pieces) - 1 and long_enough,
            )
        )
    return terms
