"""SQLite: FTS5 over ``search_fts`` (the ``t_*`` columns of ``search_documents``, by triggers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    case,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)

from ..index_db import DOCUMENTS
from ..types import SearchQuery
from ._shared import MATCHED_COLUMNS, NAME, SUMMARY, TAGS, filters
from ._terms import Terms

FTS = table("search_fts", column("rowid", Integer), column("search_fts"))
# bm25 column weights, in the FTS table's column order (t_name, t_tags, t_summary, t_body,
# t_chars, t_py, t_pyx). Only the name columns are scored: see sqlite_hits.
NAME_WEIGHTS = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7)


def _fts_phrase(tokens: Sequence[str], *, prefix: bool = False) -> str:
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def _fts_any(columns: str, phrases: list[str]) -> str | None:
    return f"{columns} : ({' OR '.join(phrases)})" if phrases else None


def fts5_expression(terms: Terms, place: int | None = None) -> str:
    """An FTS5 MATCH expression; with ``place``, only for that place (``NAME``, ``TAGS`` or
    ``SUMMARY``, which takes the characters too: an exact match that is not one of jieba's words
    ranks above a homophone or the description). Every phrase is quoted and made of ``_token``s
    only."""
    phrases = [_fts_phrase(p, prefix=terms.open_end) for p in terms.phrases]
    forms = [_fts_phrase([p]) for p in terms.pinyin_forms]
    prefixes = [_fts_phrase([p], prefix=True) for p in terms.prefixes]
    unigrams = [_fts_phrase(p) for p in terms.unigrams]
    if place == NAME:
        parts = [_fts_any("t_name", phrases), _fts_any("t_pyx", forms), _fts_any("{t_name t_pyx}", prefixes)]
    elif place == TAGS:
        parts = [_fts_any("t_tags", phrases)] + ([_fts_any("t_tags", prefixes)] if terms.typing else [])
    elif place == SUMMARY:
        parts = [_fts_any("t_summary", phrases), _fts_any("t_chars", unigrams)]
    elif terms.typing:
        parts = [
            _fts_any("{t_name t_tags}", phrases),
            _fts_any("{t_name t_tags t_pyx}", prefixes),
            _fts_any("t_pyx", forms),
        ]
    else:
        parts = [
            _fts_any("{t_name t_tags t_summary t_body}", phrases),
            _fts_any("t_pyx", forms),
            _fts_any("{t_name t_pyx}", prefixes),
            _fts_any("t_chars", unigrams),
            _fts_any("t_py", [_fts_phrase(p) for p in terms.syllables]),
        ]
    return " OR ".join(f"({part})" for part in parts if part)


def _fts_select(expression: str, *, level: int = 0, word: int = 0, place: int = 0) -> Select[Any]:
    """``(id, level, word, place, score)`` of the apps matching ``expression``: one that holds the
    first ``level`` words of the query, or, with ``place``, where ``word`` is found."""
    score: ColumnElement[Any] = literal_column("0.0")
    if place == NAME:
        weights: list[ColumnElement[Any]] = [literal_column(repr(weight)) for weight in NAME_WEIGHTS]
        score = -func.bm25(FTS.c.search_fts, *weights)
    return select(
        FTS.c.rowid.label("id"),
        literal_column(str(level)).label("level"),
        literal_column(str(word)).label("word"),
        literal_column(str(place)).label("place"),
        score.label("score"),
    ).where(FTS.c.search_fts.op("MATCH")(literal(expression, String)))


def sqlite_hits(terms: list[Terms], *, ranked: bool) -> list[Select[Any]]:
    """Rows for every app matching the first word, the first two words, … (``level``: FTS5
    intersects the postings itself, so a common later word adds no rows of its own) and, ranked,
    a row for each word found in the name, the tags or the summary (cheap: FTS5 reads only those
    columns' postings). ``score`` is the bm25 of the name match alone: bm25 over every match of
    a common word would cost more than the rest of the search."""
    expressions = [fts5_expression(word) for word in terms]
    selects = [
        _fts_select(" AND ".join(f"({expression})" for expression in expressions[:level]), level=level)
        for level in range(1, len(expressions) + 1)
    ]
    if ranked:
        # Later words only among the apps that match the first (a common word is everywhere).
        among = [""] + [f"({expressions[0]}) AND "] * (len(expressions) - 1)
        for word, terms_of_word in enumerate(terms):
            for place in (NAME, TAGS, SUMMARY):
                if expression := fts5_expression(terms_of_word, place):
                    selects.append(_fts_select(f"{among[word]}({expression})", word=word, place=place))
    return selects


def sqlite_matched(terms: list[Terms], query: SearchQuery, *, all_words: bool) -> Select[Any]:
    """The hit rows (``sqlite_hits``) as one ``UNION ALL`` grouped by app: its level is the longest
    prefix of words it matches, its place and score the sums over those words — no join between
    sets whose sizes SQLite's planner cannot guess."""
    selects = sqlite_hits(terms, ranked=query.sort == "relevance")
    hits = (union_all(*selects) if len(selects) > 1 else selects[0]).cte("hits")
    count = len(terms)
    columns: list[ColumnElement[Any]] = [hits.c.id, func.max(hits.c.level).label("level")]
    for i in range(count):
        this_word = hits.c.word == literal_column(str(i))
        columns += [
            func.max(case((this_word, hits.c.place), else_=0)).label(f"p{i}"),
            func.max(case((this_word, hits.c.score), else_=0.0)).label(f"s{i}"),
        ]
    apps = select(*columns).group_by(hits.c.id).subquery("apps")
    # A word past the matched prefix does not count, wherever it is found.
    place = sum((case((apps.c.level > i, apps.c[f"p{i}"]), else_=0) for i in range(1, count)), apps.c.p0)
    score = sum((case((apps.c.level > i, apps.c[f"s{i}"]), else_=0.0) for i in range(1, count)), apps.c.s0)
    return (
        select(*MATCHED_COLUMNS, apps.c.level, place.label("place"), score.label("score"))
        .select_from(apps.join(DOCUMENTS, DOCUMENTS.c.app_id == apps.c.id))
        .where(apps.c.level >= (count if all_words else 1), *filters(query))
    )
