"""The embedded search engine: the database's own full-text search over ``search_documents``.

SQLite answers with FTS5 (``search_fts``), PostgreSQL with ``tsvector``/``tsquery`` (``tsv`` and
``tsv_x``, see migration 0005). Both read the same word-segmented, normalised text that
``index_db`` writes, so a query matches the same way on both.

How one query word matches an app (any of):

- any of its alternatives (itself, its synonyms, the terms of a thesaurus need), segmented as the
  documents are, as a phrase in the name, English name, tags, summary or description;
- its Han characters as a phrase of unigrams (a word jieba cut differently in the text);
- its pinyin syllables as a phrase (a homophone typed by a pinyin input method: 社宝卡 → 社保卡);
- typed in Latin letters: a pinyin form of the name or a tag, whole (yss, yueshengshi) or, from
  three letters (two for the last word), as a prefix, which also finds English name words;
- the pinyin of the whole query as a phrase (yue sheng shi, 低保申情) matches every word.

Relaxation, as Meilisearch's ``matchingStrategy: last``: an app matches at the level of the
longest prefix of the query's words it matches; the first word is required. Results are ordered
by that level, then (relevance sort) by where the words matched — name, tags, summary, elsewhere,
like Meilisearch's attribute rule —, then by reuse (live adoptions), then by the finer text
relevance (FTS5 ``bm25`` with column weights, PostgreSQL ``ts_rank``), then newest first. The
other sorts keep the level first, so fuller matches stay above partial ones.

User text never becomes SQL or match syntax: every value is a bound parameter, and every token
in a match expression is reduced to letters and digits before it is quoted.

One statement answers a search: the matching apps once (a CTE), the page, the facet counts (one
``GROUP BY`` over ``search_facets``) and the total; a second reads the page's documents.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE, FromClause

from .highlight import highlight
from .hits import hit_from_document
from .index_db import DOCUMENTS, FACETS, LIST_FACETS, SINGLE_FACETS
from .query import ParsedQuery, PinyinQuery, Word, pinyin_query
from .relaxation import dropped_words
from .text import has_han, is_han, words
from .types import FACETS as COUNTED_FACETS
from .types import MAX_OFFSET, SearchQuery, SearchResult, Suggestion

MAX_FACET_VALUES = 100
# A Latin word matches pinyin forms and English words as a prefix from this many letters; the
# last word of the query (still being typed) from two.
PREFIX_MIN = 3
LAST_PREFIX_MIN = 2
# A homophone (pinyin) match needs this many syllables: one syllable alone matches too much.
MIN_SYLLABLES = 2

# Where a word matched, best first: the weight each place adds to the ranking.
NAME, TAGS, SUMMARY = 3, 2, 1


# --- what a word matches, whatever the engine --------------------------------------------------


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
    # Suggestions: the name and tags only, no homophones; ``open_end``: the word is still being
    # typed, so its phrases' last token is a prefix.
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


def word_terms(word: Word, parsed: ParsedQuery, *, last: bool, typing: bool = False) -> Terms:
    """What ``word`` matches; ``last``: it is the query's last word; ``typing``: for suggestions."""
    whole_syllables, whole_joined = _whole_query(parsed)
    phrases = _unique([_tokens(alternative) for alternative in word.alternatives])
    pinyin_forms: list[str] = [whole_joined]
    prefixes: list[str] = []
    unigrams: list[tuple[str, ...]] = []
    syllables: list[tuple[str, ...]] = [whole_syllables]
    if word.is_latin:
        token = _token(word.norm)
        pinyin_forms.append(token)
        if len(token) >= (LAST_PREFIX_MIN if last else PREFIX_MIN):
            prefixes.append(token)
        if len(whole_joined) >= PREFIX_MIN:
            prefixes.append(whole_joined)
    else:
        for alternative in word.alternatives:
            chars = tuple(char for char in alternative if is_han(char))
            if chars and len(chars) == len(alternative):
                unigrams.append(chars)
        own = tuple(token for syllable in word.syllables if (token := _token(syllable)))
        if len(own) >= MIN_SYLLABLES:
            syllables.append(own)
    return Terms(
        phrases=phrases,
        pinyin_forms=_unique(pinyin_forms),
        prefixes=_unique(prefixes),
        unigrams=_unique(unigrams),
        syllables=() if typing else _unique(syllables),
        typing=typing,
        open_end=typing and last,
    )


# --- SQLite: FTS5 ------------------------------------------------------------------------------

FTS = table("search_fts", column("rowid", Integer), column("search_fts"))
# Where a word matched, as FTS5 column filters (intersected with the word's own filters).
PLACE_COLUMNS = {NAME: "{t_name t_pyx}", TAGS: "t_tags", SUMMARY: "t_summary"}
# bm25 column weights, in the FTS table's column order (t_name, t_tags, t_summary, t_body,
# t_chars, t_py, t_pyx). Only the name columns are scored: see sqlite_word_hits.
NAME_WEIGHTS = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7)


def _fts_phrase(tokens: Sequence[str], *, prefix: bool = False) -> str:
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def _fts_any(columns: str, phrases: list[str]) -> str | None:
    return f"{columns} : ({' OR '.join(phrases)})" if phrases else None


def fts5_expression(terms: Terms) -> str:
    """An FTS5 MATCH expression. Every phrase is quoted and made of ``_token``s only."""
    if terms.typing:
        parts = [
            _fts_any("{t_name t_tags}", [_fts_phrase(p, prefix=terms.open_end) for p in terms.phrases]),
            _fts_any("{t_name t_pyx}", [_fts_phrase([p], prefix=True) for p in terms.prefixes]),
            _fts_any("t_pyx", [_fts_phrase([p]) for p in terms.pinyin_forms]),
            _fts_any("t_chars", [_fts_phrase(p) for p in terms.unigrams]),
        ]
    else:
        parts = [
            _fts_any("{t_name t_tags t_summary t_body}", [_fts_phrase(p) for p in terms.phrases]),
            _fts_any("t_pyx", [_fts_phrase([p]) for p in terms.pinyin_forms]),
            _fts_any("{t_name t_pyx}", [_fts_phrase([p], prefix=True) for p in terms.prefixes]),
            _fts_any("t_chars", [_fts_phrase(p) for p in terms.unigrams]),
            _fts_any("t_py", [_fts_phrase(p) for p in terms.syllables]),
        ]
    return " OR ".join(f"({part})" for part in parts if part)


def _fts_select(expression: str, word: int, place: int = 0) -> Select[Any]:
    score: ColumnElement[Any] = literal_column("0.0")
    if place == NAME:
        weights: list[ColumnElement[Any]] = [literal_column(repr(weight)) for weight in NAME_WEIGHTS]
        score = -func.bm25(FTS.c.search_fts, *weights)
    return select(
        FTS.c.rowid.label("id"),
        literal_column(str(word)).label("word"),
        literal_column(str(place)).label("place"),
        score.label("score"),
    ).where(FTS.c.search_fts.op("MATCH")(literal(expression, String)))


def sqlite_word_hits(terms: Terms, word: int, *, ranked: bool) -> list[Select[Any]]:
    """``(id, word, place, score)`` rows of the apps matching one word.

    Ranked, the same match restricted to the name, the tags and the summary adds a row for each
    place where the word is found (cheap: FTS5 reads only those columns' postings); ``score`` is
    the bm25 of the name match alone, as bm25 over every match of a common word would cost more
    than the rest of the search.
    """
    expression = fts5_expression(terms)
    selects = [_fts_select(expression, word)]
    if ranked:
        selects += [
            _fts_select(f"{columns} : ({expression})", word, place)
            for place, columns in PLACE_COLUMNS.items()
        ]
    return selects


def _per_app(hits: CTE, count: int) -> Select[Any]:
    """One row per app from the hit rows: for each word ``i`` whether it matched (``m{i}``), its
    best place (``p{i}``) and score (``s{i}``)."""
    columns: list[ColumnElement[Any]] = [hits.c.id]
    for i in range(count):
        this_word = hits.c.word == literal_column(str(i))
        columns += [
            func.max(case((this_word, 1), else_=0)).label(f"m{i}"),
            func.max(case((this_word, hits.c.place), else_=0)).label(f"p{i}"),
            func.max(case((this_word, hits.c.score), else_=0.0)).label(f"s{i}"),
        ]
    return select(*columns).group_by(hits.c.id)


def sqlite_matched(terms: list[Terms], query: SearchQuery, *, all_words: bool) -> Select[Any]:
    """Each word's matches are read once (FTS5 reads a word's postings quickly, however common),
    as rows of one ``UNION ALL``, and grouped by app: no join between the words' sets, whose
    sizes SQLite's planner cannot guess."""
    ranked = query.sort == "relevance"
    selects = [hit for i, word in enumerate(terms) for hit in sqlite_word_hits(word, i, ranked=ranked)]
    hits = (union_all(*selects) if len(selects) > 1 else selects[0]).cte("hits")
    apps = _per_app(hits, len(terms)).subquery("apps")
    count = len(terms)
    level = case(*((apps.c[f"m{i}"] == 0, i) for i in range(1, count)), else_=count) if count > 1 else None
    required = range(count) if all_words else range(1)
    return (
        select(
            *_MATCHED_COLUMNS,
            (level if level is not None else literal_column("1")).label("level"),
            _prefix_sum(
                [apps.c[f"p{i}"] for i in range(count)], [apps.c[f"m{i}"] == 0 for i in range(count)]
            ).label("place"),
            _prefix_sum(
                [apps.c[f"s{i}"] for i in range(count)], [apps.c[f"m{i}"] == 0 for i in range(count)]
            ).label("score"),
        )
        .select_from(apps.join(DOCUMENTS, DOCUMENTS.c.app_id == apps.c.id))
        .where(*(apps.c[f"m{i}"] == 1 for i in required), *_filters(query))
    )


# --- PostgreSQL: tsquery -----------------------------------------------------------------------

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
    ``tsv_aux`` (unigrams and syllables). Empty where there is nothing to match.

    Plain lexemes need no weights, so GIN answers them without reading the row again; only
    phrases, prefixes of the name and the ranking checks are rechecked on the row."""
    latin = [_lexeme(p, "A", prefix=True) for p in terms.prefixes] + [_lexeme(p) for p in terms.pinyin_forms]
    latin_in_name = [_lexeme(p, "A", prefix=True) for p in terms.prefixes]
    latin_in_name += [_lexeme(p, "A") for p in terms.pinyin_forms]
    if terms.typing:
        open_end = terms.open_end
        return {
            "tsv": _ts_any([_ts_phrase(p, "AB", prefix=open_end) for p in terms.phrases] + latin),
            "A": _ts_any([_ts_phrase(p, "A", prefix=open_end) for p in terms.phrases] + latin_in_name),
            "B": _ts_any([_ts_phrase(p, "B", prefix=open_end) for p in terms.phrases]),
            "tsv_aux": _ts_any([_ts_phrase(p) for p in terms.unigrams]),
        }
    return {
        "tsv": _ts_any([_ts_phrase(p) for p in terms.phrases] + latin),
        "A": _ts_any([_ts_phrase(p, "A") for p in terms.phrases] + latin_in_name),
        "B": _ts_any([_ts_phrase(p, "B") for p in terms.phrases]),
        "C": _ts_any([_ts_phrase(p, "C") for p in terms.phrases]),
        "tsv_body": _ts_any([_ts_phrase(p) for p in terms.phrases]),
        "tsv_aux": _ts_any([_ts_phrase(p) for p in terms.unigrams + terms.syllables]),
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


def postgres_matched(terms: list[Terms], query: SearchQuery, *, all_words: bool) -> Select[Any]:
    """The first word's matches are the candidates (GIN index scans); the level comes from the
    sets of apps matching the first two, three … words (GIN scans ANDed, so a common word costs
    no more than its postings); place and score from each word's match in the small ranked
    ``tsv``. Nothing reads the long description vector of thousands of rows."""
    queries = [tsqueries(word) for word in terms]
    count = len(terms)
    d = DOCUMENTS.c
    required = range(count) if all_words else range(1)
    conditions = [_ts_condition(_vectors(), queries[i]) for i in required]
    level: ColumnElement[Any] = literal_column(str(count) if all_words else "1")
    if count > 1 and not all_words:
        prefix_sets = []
        for k in range(count, 1, -1):  # the apps matching the first k words
            docs = TSV.alias(f"s{k}")
            matching = select(docs.c.app_id).where(
                *(_ts_condition(_vectors(docs), queries[i]) for i in range(k))
            )
            prefix_sets.append((d.app_id.in_(matching), k))
        level = case(*prefix_sets, else_=1)
    places: list[ColumnElement[Any]] = []
    scores: list[ColumnElement[Any]] = []
    joined: Any = DOCUMENTS
    if query.sort == "relevance":
        for i, word in enumerate(queries):
            if not word.get("tsv"):
                places.append(literal_column("0"))
                scores.append(literal_column("0.0"))
                continue
            docs = TSV.alias(f"p{i}")
            whens = [
                (_matches(docs.c.tsv, word[w]), value)
                for value, w in ((NAME, "A"), (TAGS, "B"), (SUMMARY, "C"))
                if word.get(w)
            ]
            ranked = (
                select(
                    docs.c.app_id,
                    (case(*whens, else_=0) if whens else literal_column("0")).label("place"),
                    func.ts_rank(docs.c.tsv, _tsquery(word["tsv"])).label("score"),
                )
                .where(_matches(docs.c.tsv, word["tsv"]))
                .subquery(f"r{i}")
            )
            joined = joined.outerjoin(ranked, ranked.c.app_id == d.app_id)
            places.append(func.coalesce(ranked.c.place, 0))
            scores.append(func.coalesce(ranked.c.score, 0.0))
    inner = (
        select(
            *_MATCHED_COLUMNS,
            level.label("level"),
            *(p.label(f"p{i}") for i, p in enumerate(places)),
            *(s.label(f"s{i}") for i, s in enumerate(scores)),
        )
        .select_from(joined)
        .where(*conditions, *_filters(query))
        .cte("apps")
        # Computed once: inlined, the level's sub-selects would be copied into every use of it.
        .prefix_with("MATERIALIZED")
    )
    within = [inner.c.level <= i for i in range(count)]  # word i is past the matched prefix
    place = (
        _prefix_sum([inner.c[f"p{i}"] for i in range(len(places))], within) if places else literal_column("0")
    )
    score = (
        _prefix_sum([inner.c[f"s{i}"] for i in range(len(scores))], within)
        if scores
        else literal_column("0.0")
    )
    return select(
        *(inner.c[c.name] for c in _MATCHED_COLUMNS),
        inner.c.level,
        place.label("place"),
        score.label("score"),
    )


# --- shared ------------------------------------------------------------------------------------

# What the page, the facets and the ordering read of each matching app.
_MATCHED_COLUMNS = [
    DOCUMENTS.c[name] for name in ("app_id", "live_adoptions", "published_at", *SINGLE_FACETS)
]


def _prefix_sum(values: list[ColumnElement[Any]], missing: list[Any]) -> ColumnElement[Any]:
    """The sum of ``values`` over the words of the longest matched prefix (the first word is
    always matched): ``v0 + (0 if word 1 missing else v1 + (0 if word 2 missing else …))``."""
    total = values[-1]
    for i in range(len(values) - 2, -1, -1):
        total = values[i] + case((missing[i + 1], 0), else_=total)
    return total


def _has_facet(facet: str, value: str | None = None) -> ColumnElement[bool]:
    row = FACETS.alias("ff")
    conditions = [row.c.app_id == DOCUMENTS.c.app_id, row.c.facet == facet]
    if value is not None:
        conditions.append(row.c.value == value)
    return exists().where(*conditions)


def _filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    d = DOCUMENTS.c
    found: list[ColumnElement[bool]] = []
    for name in ("kind", "category", "zone", "maturity"):
        if (value := getattr(query, name)) is not None:
            found.append(d[name] == value)
    if query.region is not None:
        found.append(_has_facet("regions", query.region))
    if query.tag is not None:
        found.append(_has_facet("tags", query.tag))
    if query.xinchuang is not None:
        found.append(_has_facet("xinchuang", None if query.xinchuang == "any" else query.xinchuang))
    if query.exclude_ids:
        found.append(d.app_id.not_in(list(query.exclude_ids)))
    return found


@asynccontextmanager
async def _planned_for_search(session: AsyncSession, *, text_search: bool = True) -> AsyncIterator[None]:
    """PostgreSQL: no sequential scans of the documents while a search runs.

    For a common word (a third of the catalog) the planner prefers reading the whole table to
    the GIN index, not knowing that it then evaluates every row's tsquery — phrase alternatives,
    unigrams, syllables — which costs far more than the pages it saves. The setting is local to
    the transaction and put back at once.
    """
    if not text_search or session.get_bind().dialect.name != "postgresql":
        yield
        return
    before = await session.scalar(
        text("SELECT current_setting('enable_seqscan') || set_config('enable_seqscan', 'off', true)")
    )
    try:
        yield
    finally:
        previous = "on" if str(before).startswith("on") else "off"
        await session.execute(text("SELECT set_config('enable_seqscan', :value, true)"), {"value": previous})


async def _scalars(session: AsyncSession, statement: Select[Any]) -> list[Any]:
    async with _planned_for_search(session):
        return list(await session.scalars(statement))


@dataclass(frozen=True)
class _Matched:
    cte: CTE
    words: int  # 0 for an empty query


class DatabaseEngine:
    """The fallback (and the ``make run`` default) engine: see the module docstring."""

    async def search(self, session: AsyncSession, query: SearchQuery, parsed: ParsedQuery) -> SearchResult:
        started = time.perf_counter()
        dialect = session.get_bind().dialect.name
        offset = min(query.offset, MAX_OFFSET)
        terms = [
            word_terms(word, parsed, last=i == len(parsed.words) - 1) for i, word in enumerate(parsed.words)
        ]
        if terms and not terms[0]:  # the first word is required and can match nothing
            return self._result(query, [], 0, {}, [], started)
        # A word that can match nothing ends the prefix that any app can match.
        usable = next((i for i, t in enumerate(terms) if not t), len(terms))
        matched = self._matched(dialect, terms[:usable], query)
        async with _planned_for_search(session, text_search=bool(matched.words)):
            rows = (await session.execute(self._statement(matched, query, offset))).all()

        page = sorted((row.n, row.app_id) for row in rows if row.part == "h")
        total_row = next(row for row in rows if row.part == "t")
        facets: dict[str, dict[str, int]] = {facet: {} for facet in COUNTED_FACETS}
        for row in sorted((r for r in rows if r.part == "f"), key=lambda r: (-r.n, r.value)):
            values = facets[row.facet]
            if len(values) < MAX_FACET_VALUES:
                values[row.value] = int(row.n)
        best = next((row.app_id for row in rows if row.part == "b"), None)

        ids = [app_id for _, app_id in page]
        wanted = ids + ([best] if best is not None and best not in ids else [])
        docs = await self._documents(session, wanted)
        hits = [hit_from_document(docs[app_id], parsed) for app_id in ids if app_id in docs]
        dropped: list[str] = []
        top_level = int(total_row.level or 0)
        top = ids[0] if offset == 0 and ids else best
        if parsed.words and total_row.n and top_level < len(parsed.words) and top in docs:
            # The words past the matched prefix are dropped; the best hit says which it lacks.
            dropped = dropped_words(parsed, docs[top]) or [w.text for w in parsed.words[top_level:]]
        return self._result(query, hits, int(total_row.n), facets, dropped, started)

    @staticmethod
    def _result(
        query: SearchQuery,
        hits: list[Any],
        total: int,
        facets: dict[str, dict[str, int]],
        dropped: list[str],
        started: float,
    ) -> SearchResult:
        return SearchResult(
            hits=hits,
            total=total,
            page=query.page,
            per_page=query.per_page,
            facets=facets or {facet: {} for facet in COUNTED_FACETS},
            engine="database",
            processing_ms=round((time.perf_counter() - started) * 1000, 2),
            dropped_words=dropped,
        )

    @staticmethod
    def _matched(
        dialect: str, terms: list[Terms], query: SearchQuery, *, all_words: bool = False
    ) -> _Matched:
        """The apps that match the first word (every word with ``all_words``) and the filters, with
        their level (how many words of the query, from the first, they match), place and score."""
        if not terms:
            columns: list[ColumnElement[Any]] = [
                literal_column("0").label(name) for name in ("level", "place", "score")
            ]
            statement = select(*_MATCHED_COLUMNS, *columns).where(*_filters(query))
        else:
            build = postgres_matched if dialect == "postgresql" else sqlite_matched
            statement = build(terms, query, all_words=all_words)
        return _Matched(statement.cte("matched"), len(terms))

    @staticmethod
    def _order(matched: CTE, sort: str) -> list[ColumnElement[Any]]:
        c = matched.c
        if sort == "newest":
            return [c.level.desc(), c.published_at.desc(), c.app_id.desc()]
        if sort == "reuse":
            return [c.level.desc(), c.live_adoptions.desc(), c.published_at.desc(), c.app_id.desc()]
        return [
            c.level.desc(),
            c.place.desc(),
            c.live_adoptions.desc(),
            c.score.desc(),
            c.published_at.desc(),
            c.app_id.desc(),
        ]

    def _statement(self, matched: _Matched, query: SearchQuery, offset: int) -> CompoundSelect:
        """The page (``h``, ordered by ``n``), the facet counts (``f``), the total and the best
        level (``t``), and, past the first page, the best hit (``b``): one round trip."""
        m = matched.cte
        order = self._order(m, query.sort)
        no_text, no_number = cast(null(), String), cast(null(), Integer)
        page = (
            select(m.c.app_id, func.row_number().over(order_by=order).label("n"))
            .order_by(*order)
            .limit(query.per_page)
            .offset(offset)
            .subquery("page")
        )
        parts: list[Select[Any]] = [
            select(
                literal("h").label("part"),
                page.c.app_id,
                no_text.label("facet"),
                no_text.label("value"),
                page.c.n,
                no_number.label("level"),
            ),
            *self._facet_counts(m),
            select(literal("t"), no_number, no_text, no_text, func.count(), func.max(m.c.level)).select_from(
                m
            ),
        ]
        if offset and matched.words:
            best = select(m.c.app_id).order_by(*order).limit(1).subquery("best")
            parts.append(select(literal("b"), best.c.app_id, no_text, no_text, no_number, no_number))
        return union_all(*parts)

    @staticmethod
    def _facet_counts(m: CTE) -> list[Select[Any]]:
        """``f`` rows: one ``GROUP BY`` per single-valued facet over the matches' columns, and
        one over their ``search_facets`` rows for the multi-valued ones."""
        no_number = cast(null(), Integer)
        counts = [
            select(literal("f"), no_number, literal(name, String), m.c[name], func.count(), no_number)
            .where(m.c[name] != "")
            .group_by(m.c[name])
            for name in SINGLE_FACETS
            if name in COUNTED_FACETS
        ]
        # Written as IN and "not the uncounted facets" so that SQLite seeks each match's rows by
        # primary key instead of scanning every tag of the catalog (PostgreSQL hashes either way).
        uncounted = [name for name in LIST_FACETS if name not in COUNTED_FACETS]
        row = FACETS.alias("f")
        counts.append(
            select(literal("f"), no_number, row.c.facet, row.c.value, func.count(), no_number)
            .where(row.c.app_id.in_(select(m.c.app_id)), row.c.facet.not_in(uncounted))
            .group_by(row.c.facet, row.c.value)
        )
        return counts

    @staticmethod
    async def _documents(session: AsyncSession, app_ids: list[int]) -> dict[int, dict[str, Any]]:
        if not app_ids:
            return {}
        rows = await session.execute(
            select(DOCUMENTS.c.app_id, DOCUMENTS.c.doc).where(DOCUMENTS.c.app_id.in_(app_ids))
        )
        return {app_id: doc for app_id, doc in rows}

    async def suggest(self, session: AsyncSession, parsed: ParsedQuery, limit: int = 8) -> list[Suggestion]:
        """Apps whose name (or tags, or their pinyin forms) match every word, the last one as a
        prefix of what is being typed: published before deprecated, then the most reused."""
        if not parsed.words or limit <= 0:
            return []
        last = len(parsed.words) - 1
        terms = [word_terms(w, parsed, last=i == last, typing=True) for i, w in enumerate(parsed.words)]
        if not all(terms):
            return []
        dialect = session.get_bind().dialect.name
        m = self._matched(dialect, terms, SearchQuery(), all_words=True).cte
        published = case((m.c.status == "published", 1), else_=0)
        statement = (
            select(DOCUMENTS.c.doc)
            .select_from(m.join(DOCUMENTS, DOCUMENTS.c.app_id == m.c.app_id))
            .order_by(
                published.desc(),
                m.c.place.desc(),
                m.c.live_adoptions.desc(),
                m.c.score.desc(),
                m.c.app_id.desc(),
            )
            .limit(limit)
        )
        return [
            Suggestion(
                slug=doc["slug"],
                name=doc["name"],
                name_html=str(highlight(doc["name"], parsed)),
                region_name=doc["region_name"],
            )
            for doc in await _scalars(session, statement)
        ]
