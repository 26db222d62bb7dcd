"""PostgreSQL: ``tsquery`` against the generated vectors ``tsv``, ``tsv_body`` and ``tsv_aux``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
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
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import FromClause

from ..index_db import DOCUMENTS
from ..types import SearchQuery
from ._shared import MATCHED_COLUMNS, NAME, SUMMARY, TAGS, filters
from ._terms import Terms

TSV = table(
    "search_documents",
    column("app_id", Integer),
    column("tsv"),
    column("tsv_body"),
    column("tsv_aux"),
)


def _lexeme(token: str, weight: str = "", *, prefix: bool = False) -> str:
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    suffix = ("*" if prefix else "") + weight
    return f"{quoted}:{suffix}" if suffix else quoted


def _ts_phrase(tokens: Sequence[str], weight: str = "", *, prefix: bool = False) -> str:
    last = len(tokens) - 1
    lexemes = [_lexeme(token, weight, prefix=prefix and i == last) for i, token in enumerate(tokens)]
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def _ts_any(parts: list[str]) -> str:
    return " | ".join(parts)


def tsqueries(terms: Terms) -> dict[str, str]:
    """tsquery texts for one word, by column: ``tsv`` (name and pinyin forms ``A``, tags ``B``,
    summary ``C``; also restricted to ``A``, ``B`` and ``C`` for ranking), ``tsv_body`` and
    ``tsv_aux`` (unigrams and syllables; ``U`` the unigrams alone, for ranking). Empty where there
    is nothing to match.

    Plain lexemes need no weights, so GIN answers them without reading the row again; only
    phrases, prefixes of the name and the ranking checks are rechecked on the row."""
    latin = [_lexeme(p, "A", prefix=True) for p in terms.prefixes] + [_lexeme(p) for p in terms.pinyin_forms]
    latin_in_name = [_lexeme(p, "A", prefix=True) for p in terms.prefixes]
    latin_in_name += [_lexeme(p, "A") for p in terms.pinyin_forms]
    if terms.typing:
        open_end = terms.open_end
        forms = [_lexeme(p, "A") for p in terms.pinyin_forms]
        return {
            "tsv": _ts_any(
                [_ts_phrase(p, "AB", prefix=open_end) for p in terms.phrases]
                + [_lexeme(p, "AB", prefix=True) for p in terms.prefixes]
                + forms
            ),
            "A": _ts_any(
                [_ts_phrase(p, "A", prefix=open_end) for p in terms.phrases]
                + [_lexeme(p, "A", prefix=True) for p in terms.prefixes]
                + forms
            ),
            "B": _ts_any(
                [_ts_phrase(p, "B", prefix=open_end) for p in terms.phrases]
                + [_lexeme(p, "B", prefix=True) for p in terms.prefixes]
            ),
        }
    return {
        "tsv": _ts_any([_ts_phrase(p) for p in terms.phrases] + latin),
        "A": _ts_any([_ts_phrase(p, "A") for p in terms.phrases] + latin_in_name),
        "B": _ts_any([_ts_phrase(p, "B") for p in terms.phrases]),
        "C": _ts_any([_ts_phrase(p, "C") for p in terms.phrases]),
        "tsv_body": _ts_any([_ts_phrase(p) for p in terms.phrases]),
        "tsv_aux": _ts_any([_ts_phrase(p) for p in terms.unigrams + terms.syllables]),
        "U": _ts_any([_ts_phrase(p) for p in terms.unigrams]),
    }


def _tsquery(text: str) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column("'simple'"), literal(text, String))


def _matches(vector: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    return vector.bool_op("@@")(_tsquery(text))


def _vectors(docs: FromClause | None = None) -> Callable[[str], ColumnElement[Any]]:
    """The tsvector columns of ``docs`` (an alias of ``TSV``), or of ``search_documents`` itself."""
    if docs is None:
        return lambda name: literal_column(f"{DOCUMENTS.name}.{name}")
    return lambda name: docs.c[name]


def _ts_condition(
    vector: Callable[[str], ColumnElement[Any]], queries: dict[str, str]
) -> ColumnElement[bool]:
    # The small, ranked vector first: PostgreSQL stops at the first true branch of an OR.
    return or_(*(_matches(vector(v), queries[v]) for v in ("tsv", "tsv_aux", "tsv_body") if queries.get(v)))


def _word_place(docs: FromClause, word: dict[str, str]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Where ``word`` is in the row of ``docs`` — name (ts_rank scores how well, as SQLite scores
    the name alone), tags, summary or its characters, elsewhere — as ``(place, score)``."""
    vector = docs.c.tsv
    whens: list[tuple[ColumnElement[bool], int]] = []
    score: ColumnElement[Any] = literal_column("0.0")
    if word.get("A"):
        in_name = _matches(vector, word["A"])
        whens.append((in_name, NAME))
        score = case((in_name, func.ts_rank(vector, _tsquery(word["tsv"]))), else_=0.0)
    if word.get("B"):
        whens.append((_matches(vector, word["B"]), TAGS))
    if elsewhere := [
        _matches(v, word[k]) for v, k in ((vector, "tsv"), (docs.c.tsv_aux, "U")) if word.get(k)
    ]:
        whens.append((or_(*elsewhere), SUMMARY))  # tsv holds name, tags and summary only
    return (case(*whens, else_=0) if whens else literal_column("0")), score


def postgres_matched(terms: list[Terms], query: SearchQuery, *, all_words: bool) -> Select[Any]:
    """The first word's matches are the candidates (GIN index scans). The apps matching the first
    two, three … words are GIN scans ANDed — a common word costs little more than its postings —
    each a subset of the one before, so an app's level is how many of them hold it; each also
    carries the place and score of its last word, computed for those apps only. The first word's
    place comes from the apps that have it in name, tags or summary. Nothing evaluates the
    description vectors of the thousands of apps a common word can match."""
    queries = [tsqueries(word) for word in terms]
    count = len(terms)
    d = DOCUMENTS.c
    ranked = query.sort == "relevance"
    required = range(count) if all_words else range(1)
    joined: Any = DOCUMENTS
    places: list[ColumnElement[Any]] = []
    scores: list[ColumnElement[Any]] = []
    level: ColumnElement[Any] = literal_column("1")
    if ranked:
        docs = TSV.alias("p0")
        first = queries[0]
        if wheres := [
            _matches(v, first[k]) for v, k in ((docs.c.tsv, "tsv"), (docs.c.tsv_aux, "U")) if first.get(k)
        ]:
            place, score = _word_place(docs, first)
            named = select(docs.c.app_id, place.label("place"), score.label("score")).where(or_(*wheres))
            placed = named.subquery("r0")
            joined = joined.outerjoin(placed, placed.c.app_id == d.app_id)
            places.append(func.coalesce(placed.c.place, 0))
            scores.append(func.coalesce(placed.c.score, 0.0))
    for k in range(2, count + 1):  # the apps matching the first k words
        docs = TSV.alias(f"s{k}")
        columns: list[ColumnElement[Any]] = [docs.c.app_id]
        if ranked:
            place, score = _word_place(docs, queries[k - 1])
            columns += [place.label("place"), score.label("score")]
        conditions = [_ts_condition(_vectors(docs), queries[i]) for i in range(k)]
        prefix = select(*columns).where(*conditions).subquery(f"q{k}")
        joined = joined.outerjoin(prefix, prefix.c.app_id == d.app_id)
        level = level + case((prefix.c.app_id.is_(None), 0), else_=1)
        if ranked:
            places.append(func.coalesce(prefix.c.place, 0))
            scores.append(func.coalesce(prefix.c.score, 0.0))
    total_place = sum(places[1:], places[0]) if places else literal_column("0")
    total_score = sum(scores[1:], scores[0]) if scores else literal_column("0.0")
    return (
        select(*MATCHED_COLUMNS, level.label("level"), total_place.label("place"), total_score.label("score"))
        .select_from(joined)
        .where(*(_ts_condition(_vectors(), queries[i]) for i in required), *filters(query))
    )


@asynccontextmanager
async def planned_for_search(session: AsyncSession, *, text_search: bool = True) -> AsyncIterator[None]:
    """PostgreSQL: plan each search for its own words, and without sequential scans.

    For a common word (a third of the catalog) the planner prefers reading the whole table to
    the GIN index, not knowing that it then evaluates every row's tsquery — phrase alternatives,
    unigrams, syllables — which costs far more than the pages it saves. And a prepared statement
    run often gets a generic plan, which cannot see how common the words are. Both settings are
    local to the transaction and put back at once.
    """
    if not text_search or session.get_bind().dialect.name != "postgresql":
        yield
        return
    before = (
        await session.execute(
            text(
                "SELECT current_setting('enable_seqscan'), current_setting('plan_cache_mode'),"
                " set_config('enable_seqscan', 'off', true),"
                " set_config('plan_cache_mode', 'force_custom_plan', true)"
            )
        )
    ).one()
    # Should the search fail, the transaction's rollback puts the settings back by itself.
    yield
    restore = "SELECT set_config('enable_seqscan', :scan, true), set_config('plan_cache_mode', :plans, true)"
    await session.execute(text(restore), {"scan": before[0], "plans": before[1]})
