"""Government vocabulary kept as data: synonyms, the need→term thesaurus and segmentation words.

The YAML files in ``search/data/`` are read once, checked, and normalised (``text.normalise``), so
Traditional or full-width entries behave like their Simplified forms. A bad entry stops the
import with a message naming the file and the entry, so a typo cannot ship silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .text import normalise

DATA_DIR = Path(__file__).parent / "data"
MAX_TERM_CHARS = 30


class VocabularyError(ValueError):
    """A data file in search/data/ is malformed."""


def _load(name: str) -> Any:
    path = DATA_DIR / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"search/data/{name}: cannot be read: {exc}") from exc


def _term(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise VocabularyError(f"{where}: {value!r} is not text (quote numbers, e.g. '12345')")
    term = normalise(value.strip())
    if not term:
        raise VocabularyError(f"{where}: empty term")
    if len(term) > MAX_TERM_CHARS:
        raise VocabularyError(f"{where}: {value!r} is longer than {MAX_TERM_CHARS} characters")
    return term


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_synonyms(data: Any, name: str = "synonyms.yaml") -> tuple[tuple[str, ...], ...]:
    """A list of groups, each a list of at least two different terms."""
    if not isinstance(data, list) or not data:
        raise VocabularyError(f"search/data/{name}: expected a list of groups")
    groups = []
    for number, group in enumerate(data, start=1):
        where = f"search/data/{name}, group {number} ({group!r})"
        if not isinstance(group, list):
            raise VocabularyError(f"{where}: a group is a list of terms")
        terms = _unique([_term(value, where) for value in group])
        if len(terms) < 2:
            raise VocabularyError(f"{where}: a group needs at least two different terms")
        groups.append(terms)
    return tuple(groups)


def parse_thesaurus(data: Any, name: str = "thesaurus.yaml") -> dict[str, tuple[str, ...]]:
    """A mapping of need → list of one or more terms."""
    if not isinstance(data, dict) or not data:
        raise VocabularyError(f"search/data/{name}: expected a mapping of need → terms")
    thesaurus: dict[str, tuple[str, ...]] = {}
    for need, terms in data.items():
        where = f"search/data/{name}, entry {need!r}"
        key = _term(need, where)
        if not isinstance(terms, list) or not terms:
            raise VocabularyError(f"{where}: the terms are a non-empty list")
        if key in thesaurus:
            raise VocabularyError(f"{where}: the need appears twice")
        thesaurus[key] = _unique([_term(value, where) for value in terms])
    return thesaurus


def parse_words(data: Any, name: str = "words.yaml") -> tuple[str, ...]:
    if not isinstance(data, list) or not data:
        raise VocabularyError(f"search/data/{name}: expected a list of words")
    return _unique([_term(value, f"search/data/{name}, word {value!r}") for value in data])


SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = parse_synonyms(_load("synonyms.yaml"))
THESAURUS: dict[str, tuple[str, ...]] = parse_thesaurus(_load("thesaurus.yaml"))
WORDS: tuple[str, ...] = parse_words(_load("words.yaml"))
GENERIC_WORDS: frozenset[str] = frozenset(parse_words(_load("generic.yaml"), "generic.yaml"))


def _synonym_index() -> dict[str, tuple[str, ...]]:
    others: dict[str, list[str]] = {}
    for group in SYNONYM_GROUPS:
        for term in group:
            others.setdefault(term, []).extend(other for other in group if other != term)
    return {term: _unique(values) for term, values in others.items()}


_SYNONYMS = _synonym_index()


def synonyms_of(word: str) -> tuple[str, ...]:
    """The other terms of every group ``word`` belongs to, normalised; () if it has none."""
    return _SYNONYMS.get(normalise(word.strip()), ())


def dictionary_words() -> tuple[str, ...]:
    """Every word segmentation must keep whole: words.yaml, synonyms and thesaurus terms.

    Thesaurus needs are left out: they are everyday phrases found in queries before segmentation,
    and as words they would hide their parts (办身份证 would no longer contain 身份证).
    """
    terms = [term for group in SYNONYM_GROUPS for term in group]
    terms += [term for values in THESAURUS.values() for term in values]
    return _unique([*WORDS, *terms])


def meilisearch_synonyms() -> dict[str, list[str]]:
    """Every synonym term → the others, the shape of Meilisearch's ``synonyms`` setting."""
    return {term: list(others) for term, others in _SYNONYMS.items()}
