"""``DatabaseEngine``: one search as one statement, whichever the database (see the package)."""

from __future__ import annotations

import time
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
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE

from ..highlight import highlight
from ..hits import hit_from_document
from ..index_db import DOCUMENTS, FACETS, LIST_FACETS, SINGLE_FACETS
from ..query import ParsedQuery
from ..relaxation import dropped_words
from ..types import FACETS as COUNTED_FACETS
from ..types import MAX_OFFSET, SearchQuery, SearchResult, Suggestion
from ._postgres import planned_for_search, postgres_matched
from ._shared import MATCHED_COLUMNS, filters
from ._sqlite import sqlite_matched
from ._terms import Terms, typing_terms, word_terms

MAX_FACET_VALUES = 100


async def _scalars(session: AsyncSession, statement: Select[Any]) -> list[Any]:
    async with planned_for_search(session):
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
        async with planned_for_search(session, text_search=bool(matched.words)):
            rows = (await session.execute(self._statement(matched, query, offset, dialect))).all()

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
            statement = select(*MATCHED_COLUMNS, *columns).where(*filters(query))
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

    def _statement(self, matched: _Matched, query: SearchQuery, offset: int, dialect: str) -> CompoundSelect:
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
            *self._facet_counts(m, dialect),
            select(literal("t"), no_number, no_text, no_text, func.count(), func.max(m.c.level)).select_from(
                m
            ),
        ]
        if offset and matched.words:
            best = select(m.c.app_id).order_by(*order).limit(1).subquery("best")
            parts.append(select(literal("b"), best.c.app_id, no_text, no_text, no_number, no_number))
        return union_all(*parts)

    @staticmethod
    def _facet_counts(m: CTE, dialect: str) -> list[Select[Any]]:
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
        uncounted = [name for name in LIST_FACETS if name not in COUNTED_FACETS]
        row = FACETS.alias("f")
        listed = select(literal("f"), no_number, row.c.facet, row.c.value, func.count(), no_number)
        if dialect == "postgresql":
            # A join, which PostgreSQL sizes from the matches (an IN list it guesses at 200 rows,
            # and then probes the index once per match instead of hashing).
            listed = listed.select_from(m.join(row, row.c.app_id == m.c.app_id))
            listed = listed.where(row.c.facet.not_in(uncounted))
        else:
            # IN and "not the uncounted facets": SQLite then seeks each match's rows by primary
            # key instead of scanning every tag of the catalog.
            listed = listed.where(row.c.app_id.in_(select(m.c.app_id)), row.c.facet.not_in(uncounted))
        counts.append(listed.group_by(row.c.facet, row.c.value))
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
        terms = typing_terms(parsed)
        if not terms or not all(terms):
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
