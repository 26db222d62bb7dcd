"""Chinese text for search: one normal form, word segmentation and pinyin.

Documents and queries go through the same functions, so both sides agree on what a word is.
``normalise`` keeps the length of its input (one character in, one character out): positions found
in the normalised text are positions in what the publisher wrote, which is how highlighting marks
the original text.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import opencc

if TYPE_CHECKING:
    import jieba

# Han ideographs: CJK unified (with extension A and the supplementary planes), compatibility
# ideographs, and 〇.
HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(f"[{HAN_CLASS}]")
_HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
# A run of Han characters, or a run of other letters/digits (Latin words, numbers such as 12345).
# Everything else (spaces, punctuation, symbols, emoji) separates words.
_RUNS = re.compile(f"(?P<han>[{HAN_CLASS}]+)|(?P<other>(?:(?![{HAN_CLASS}])[^\\W_])+)")

# Full-width ASCII (U+FF01–FF5E) and the ideographic space, folded to their ASCII forms. A regular
# expression finds the few of them in a text several times faster than str.translate walks it.
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


def _narrow(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


_converter_lock = threading.Lock()
_converter: opencc.OpenCC | None = None


def _t2s() -> opencc.OpenCC:
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                _converter = opencc.OpenCC("t2s")
    return _converter


@lru_cache(maxsize=8192)
def _t2s_char(char: str) -> str:
    converted = _t2s().convert(char)
    return converted if len(converted) == 1 else char


def _lower_char(char: str) -> str:
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char  # "İ".lower() is two characters


def normalise(text: str) -> str:
    """Fold width, Traditional→Simplified script and case, one character for one character.

    ``len(normalise(t)) == len(t)`` always holds. OpenCC converts phrases (頭髮→头发); when a
    phrase conversion would change the length, each character is converted on its own instead.
    """
    if not text:
        return ""
    folded = _WIDE.sub(_narrow, text)
    converted = _t2s().convert(folded)
    if len(converted) != len(folded):
        converted = "".join(_t2s_char(char) for char in folded)
    lowered = converted.lower()
    if len(lowered) != len(converted):
        lowered = "".join(_lower_char(char) for char in converted)
    return lowered


def is_han(char: str) -> bool:
    return _HAN.match(char) is not None


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


# --- word segmentation -------------------------------------------------------------------------

_tokenizer_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _load_tokenizer() -> jieba.Tokenizer:
    """A private jieba tokenizer with our vocabulary, built once (the global one is left alone)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                from . import vocabulary

                logging.getLogger("jieba").setLevel(logging.WARNING)  # "Building prefix dict…"
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in vocabulary.dictionary_words():
                    # Latin runs are split off before jieba sees the text, so only Han words matter.
                    if all(is_han(char) for char in word):
                        tokenizer.add_word(word)
                _tokenizer = tokenizer
    return _tokenizer


# Names, tags and query words repeat; long runs from descriptions rarely do and would only fill
# the caches, so only texts up to this length are cached.
CACHED_CHARS = 40


def _cut_han_uncached(run: str) -> tuple[str, ...]:
    # Without HMM, unknown words fall apart into characters the same way in documents and in
    # queries, instead of being glued into guessed words that depend on their neighbours.
    return tuple(_load_tokenizer().cut(run, HMM=False))


_cut_han_cached = lru_cache(maxsize=32768)(_cut_han_uncached)


def _cut_han(run: str) -> tuple[str, ...]:
    return _cut_han_cached(run) if len(run) <= CACHED_CHARS else _cut_han_uncached(run)


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """The words of ``text`` as ``(start, end, word)``: positions in ``text``, words normalised.

    Han runs are segmented by jieba; each run of other letters or digits is one word
    ("OA协同" → oa, 协同; "12345热线" → 12345, 热线); spaces and punctuation are dropped.
    """
    norm = normalise(text)
    spans: list[tuple[int, int, str]] = []
    for match in _RUNS.finditer(norm):
        start = match.start()
        if match.lastgroup == "other":
            spans.append((start, match.end(), match.group()))
            continue
        for word in _cut_han(match.group()):
            spans.append((start, start + len(word), word))
            start += len(word)
    return spans


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order (see ``word_spans``)."""
    return [word for _, _, word in word_spans(text)]


def segmented(text: str) -> str:
    """The words of ``text`` joined by spaces: lets engines index our segmentation as is."""
    return " ".join(words(text))


def han_chars(text: str) -> str:
    """The Han characters of the normalised text separated by spaces (a unigram index)."""
    return " ".join(_HAN.findall(normalise(text)))


# --- pinyin ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinyin:
    full: str  # "yueshengshi"
    syllables: tuple[str, ...]  # ("yue", "sheng", "shi")
    initials: str  # "yss"


def _han_syllables(run: str) -> tuple[str, ...]:
    return _han_syllables_cached(run) if len(run) <= CACHED_CHARS else _han_syllables_uncached(run)


def _each_char(chars: str) -> Any:
    # pypinyin's errors= callback, for characters without a known reading: each stands for itself,
    # so the syllables stay aligned with the characters.
    return list(chars)


def _han_syllables_uncached(run: str) -> tuple[str, ...]:
    """One toneless syllable per character of a Han run, read as phrases (重庆 → chong qing)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(run, style=Style.NORMAL, errors=_each_char)
    if len(syllables) != len(run):
        syllables = [lazy_pinyin(char, style=Style.NORMAL, errors=_each_char)[0] for char in run]
    return tuple(syllables)


_han_syllables_cached = lru_cache(maxsize=32768)(_han_syllables_uncached)


def char_syllables(text: str) -> list[str | None]:
    """For each character of ``text``, its syllable if it is a Han character, else None.

    The readings are those of ``pinyin``: each Han run is read as a whole.
    """
    norm = normalise(text)
    result: list[str | None] = [None] * len(norm)
    for match in _HAN_RUN.finditer(norm):
        result[match.start() : match.end()] = _han_syllables(match.group())
    return result


def pinyin(text: str) -> Pinyin:
    """The pinyin of the normalised text, without tones.

    A run of Latin letters or digits passes through as one "syllable" of its own, and counts whole
    in the initials ("OA协同" → oa xie tong, initials "oaxt"); punctuation is left out.
    """
    return _pinyin_cached(text) if len(text) <= CACHED_CHARS else _pinyin_uncached(text)


def _pinyin_uncached(text: str) -> Pinyin:
    syllables: list[str] = []
    initials: list[str] = []
    for match in _RUNS.finditer(normalise(text)):
        if match.lastgroup == "other":
            syllables.append(match.group())
            initials.append(match.group())
        else:
            run = _han_syllables(match.group())
            syllables.extend(run)
            initials.extend(syllable[0] for syllable in run if syllable)
    return Pinyin(full="".join(syllables), syllables=tuple(syllables), initials="".join(initials))


_pinyin_cached = lru_cache(maxsize=32768)(_pinyin_uncached)


def syllables_of(text: str) -> tuple[str, ...]:
    return pinyin(text).syllables


def warm_up() -> None:
    """Load OpenCC, jieba and pypinyin now, so the first request does not pay about a second."""
    normalise("預熱")
    _load_tokenizer()
    pinyin("预热")
