"""The database's own search index: ``search_documents`` and ``search_facets`` follow the catalog.

Every change of an app emits a domain event; ``index_subscriber`` hears it inside the commit and
rewrites the app's row in the same transaction, so the fallback engine is never behind the catalog
and a rolled-back change never reaches it. ``rebuild`` and ``check`` serve ``store reindex``;
``documents_in_batches`` feeds the Meilisearch reindex.

What is written for one public app:

- ``search_documents``: the document (``doc``, what both engines return), its single-valued
  filter and sort columns, and the word-segmented text columns that the full-text index reads
  (see ``text_columns``);
- ``search_facets``: one row per value of each multi-valued field — tags, xinchuang (信创 CPUs,
  operating systems and databases, counted as facets) and regions (the app's region and its city,
  only filtered on). The single-valued facets (kind, category, city, zone, maturity, status) are
  columns of the document row, counted from there.

Everything is written with Core statements, never ORM objects: the subscriber runs in
``before_commit``, where rows added to the session would make it flush again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from store.db import models as m
from store.lib.events import Event

from .documents import INDEXED_STATUSES, document_for
from .text import han_chars, pinyin, segmented, words

DOCUMENTS: Table = m.SearchDocument.__table__  # type: ignore[assignment]
FACETS: Table = m.SearchFacet.__table__  # type: ignore[assignment]

# Facets that are columns of search_documents, and those written as search_facets rows.
SINGLE_FACETS = ("kind", "category", "city", "zone", "maturity", "status")
LIST_FACETS = ("tags", "xinchuang", "regions")
FACET_VALUE_CHARS = 50
BATCH_SIZE = 500

# FTS5's own command to re-read every row of its content table.
REBUILD_FTS = text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")

_SYNCED = "search.index_db.synced"  # session.info: (transaction, {app ids synced in it})


# --- the row of one document -----------------------------------------------------------------


def _pinyin_forms(doc: Mapping[str, Any]) -> str:
    """What a Latin word of a query may match (exactly or as a prefix): the full pinyin and the
    initials of the name and of each tag (yueshengshi, yss), and the full pinyin of each Han word
    of them, so a word in the middle of a name is found too (社保卡 in 办理社保卡 → shebaoka)."""
    forms = [*doc["py_full"], *doc["py_ini"]]
    for source in [doc["name"], *doc["tags"]]:
        forms += [pinyin(word).full for word in words(source) if not word.isascii()]
    return " ".join(dict.fromkeys(form for form in forms if form))


def text_columns(doc: Mapping[str, Any]) -> dict[str, str]:
    """The text the full-text index reads, as space-separated words (our segmentation, so the
    databases' plain tokenizers index our words):

    - ``t_name``: the name's words and the English name's; ``t_tags``, ``t_summary``: theirs;
      ``t_body``: the description's and the department's;
    - ``t_chars``: the Han characters of name, tags and summary one by one, for a word jieba cut
      differently in the query than in the text;
    - ``t_py``: the pinyin syllables of name, summary and tags, for homophones (社宝卡 → 社保卡)
      and pinyin typed with spaces;
    - ``t_pyx``: pinyin forms of the name and tags (``_pinyin_forms``).
    """
    return {
        "t_name": f"{segmented(doc['name'])} {segmented(doc['name_en'])}".strip(),
        "t_tags": " ".join(segmented(tag) for tag in doc["tags"]),
        "t_summary": segmented(doc["summary"]),
        "t_body": f"{segmented(doc['body_n'])} {segmented(doc['department'])}".strip(),
        "t_chars": han_chars(" ".join([doc["name"], *doc["tags"], doc["summary"]])),
        "t_py": doc["py_text"],
        "t_pyx": _pinyin_forms(doc),
    }


def document_row(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The ``search_documents`` row for ``doc``."""
    return {
        "app_id": doc["id"],
        "doc": dict(doc),
        "status": doc["status"],
        "kind": doc["kind"],
        "category": doc["category"],
        "city": doc["city"],
        "zone": doc["zone"],
        "maturity": doc["maturity"],
        "live_adoptions": doc["live_adoptions"],
        "published_at": doc["published_at"],
        "updated_at": doc["updated_at"],
        **text_columns(doc),
    }


def facet_rows(doc: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The ``search_facets`` rows of ``doc`` as ``(facet, value)`` pairs."""
    pairs = {(facet, str(value)[:FACET_VALUE_CHARS]) for facet in LIST_FACETS for value in doc[facet]}
    return {(facet, value) for facet, value in pairs if value}


# --- writing ---------------------------------------------------------------------------------


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(DOCUMENTS)
    updated = {column: statement.excluded[column] for column in rows[0] if column != "app_id"}
    session.execute(statement.on_conflict_do_update(index_elements=["app_id"], set_=updated), rows)


def _city_zones(session: Session) -> dict[str, str]:
    cities = session.execute(select(m.Region.code, m.Region.zone).where(m.Region.level == m.RegionLevel.CITY))
    return {code: zone or "" for code, zone in cities}


def _load_apps(session: Session, app_ids: Sequence[int]) -> list[m.App]:
    """The apps as they are now: the select flushes the session's pending changes first, and
    ``populate_existing`` refreshes objects already in the session from what was just written."""
    statement = (
        select(m.App)
        .where(m.App.id.in_(app_ids))
        .order_by(m.App.id)
        # Only what documents read: not the publisher or the successor the model loads eagerly.
        .options(joinedload(m.App.region), selectinload(m.App.labels), lazyload("*"))
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(statement).unique())


def documents_for(session: Session, apps: Iterable[m.App]) -> list[dict[str, Any]]:
    """The search documents of the public apps among ``apps``."""
    apps = list(apps)
    zones: dict[str, str] | None = None
    # Reuse is a ranking signal and a sort: the live-adoption count goes into every document.
    live: dict[int, int] = {
        app_id: int(count)
        for app_id, count in session.execute(m.live_adoption_counts_query([app.id for app in apps]))
    }
    docs = []
    for app in apps:
        city_zone = None
        if app.region.zone is None and app.region.parent_code:
            zones = zones if zones is not None else _city_zones(session)
            city_zone = zones.get(app.region.parent_code)
        doc = document_for(app, live_adoptions=live.get(app.id, 0), city_zone=city_zone)
        if doc is not None:
            docs.append(doc)
    return docs


def _sync(session: Session, app_ids: Sequence[int]) -> None:
    """Make the index rows of ``app_ids`` what the apps table says. Rows that would not change
    are not written (no churn in the full-text index); apps no longer public lose theirs."""
    docs = {doc["id"]: doc for doc in documents_for(session, _load_apps(session, app_ids))}
    wanted = {app_id: document_row(doc) for app_id, doc in docs.items()}
    columns = [DOCUMENTS.c[name] for name in next(iter(wanted.values()), {})]
    current: dict[int, dict[str, Any]] = {}
    if columns:
        result = session.execute(select(*columns).where(DOCUMENTS.c.app_id.in_(list(wanted))))
        current = {row.app_id: dict(row._mapping) for row in result}
    current_facets: dict[int, set[tuple[str, str]]] = {}
    for app_id, facet, value in session.execute(
        select(FACETS.c.app_id, FACETS.c.facet, FACETS.c.value).where(FACETS.c.app_id.in_(list(app_ids)))
    ):
        current_facets.setdefault(app_id, set()).add((facet, value))

    gone = [app_id for app_id in app_ids if app_id not in wanted]
    if gone:
        session.execute(delete(FACETS).where(FACETS.c.app_id.in_(gone)))
        session.execute(delete(DOCUMENTS).where(DOCUMENTS.c.app_id.in_(gone)))
    changed = [row for app_id, row in wanted.items() if current.get(app_id) != row]
    if changed:
        _upsert(session, changed)  # first: the row lock orders concurrent writers of one app
    facets_changed = {
        app_id: pairs
        for app_id, doc in docs.items()
        if (pairs := facet_rows(doc)) != current_facets.get(app_id, set())
    }
    if facets_changed:
        session.execute(delete(FACETS).where(FACETS.c.app_id.in_(list(facets_changed))))
        session.execute(
            insert(FACETS),
            [
                {"app_id": app_id, "facet": facet, "value": value}
                for app_id, pairs in facets_changed.items()
                for facet, value in sorted(pairs)
            ],
        )


def sync_app(session: Session, app_id: int) -> None:
    """Bring the index rows of one app in step with the apps table (idempotent).

    Synchronous: it runs in ``before_commit`` on the sync session (for an ``AsyncSession``,
    inside its greenlet, where plain ``session.execute`` may do I/O)."""
    _sync(session, [app_id])


def index_subscriber(session: Session, event: Event) -> None:
    """Domain-event subscriber: an event about an app (it carries ``app_id``: ``AppChanged``
    today, adoption events later) re-indexes that app, once per app per commit however many
    changes the commit holds — the events are delivered after the last of them."""
    app_id = getattr(event, "app_id", None)
    if not isinstance(app_id, int):
        return
    transaction = session.get_transaction()
    synced: tuple[Any, set[int]] | None = session.info.get(_SYNCED)
    if synced is None or synced[0] is not transaction:
        synced = (transaction, set())
        session.info[_SYNCED] = synced
    if app_id not in synced[1]:
        synced[1].add(app_id)
        sync_app(session, app_id)


# --- rebuild, check, and documents for Meilisearch --------------------------------------------


def _batches(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def rebuild(
    session: AsyncSession, progress: Callable[[int, int], None] | None = None, *, batch_size: int = BATCH_SIZE
) -> int:
    """Rewrite the index from the apps table, in batches; returns how many apps are indexed.

    ``progress(done, total)`` is called after each batch. Rows of apps that are no longer public
    are deleted; on SQLite the FTS5 index is then rebuilt from its content table, which repairs
    it whatever happened to it. The caller commits.
    """
    public = list(
        await session.scalars(select(m.App.id).where(m.App.status.in_(INDEXED_STATUSES)).order_by(m.App.id))
    )
    indexed = set(await session.scalars(select(DOCUMENTS.c.app_id)))
    stale = sorted(indexed - set(public))
    for batch in _batches(stale, batch_size):
        await session.execute(delete(FACETS).where(FACETS.c.app_id.in_(batch)))
        await session.execute(delete(DOCUMENTS).where(DOCUMENTS.c.app_id.in_(batch)))
    done = 0
    for batch in _batches(public, batch_size):
        await session.run_sync(_sync, batch)
        done += len(batch)
        if progress:
            progress(done, len(public))
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(REBUILD_FTS)
    return len(public)


@dataclass
class Drift:
    """Differences between the index and the apps table (``store reindex --check``)."""

    missing: list[int] = field(default_factory=list)  # public apps without a row
    stale: list[int] = field(default_factory=list)  # rows older than the app, or of another status
    extra: list[int] = field(default_factory=list)  # rows of apps no longer public, or gone

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


async def check(session: AsyncSession) -> Drift:
    """Compare ``search_documents`` with the apps table, app by app."""
    apps = {
        app_id: (status, int(updated_at.timestamp()))
        for app_id, status, updated_at in await session.execute(
            select(m.App.id, m.App.status, m.App.updated_at).where(m.App.status.in_(INDEXED_STATUSES))
        )
    }
    rows = {
        app_id: (status, updated_at)
        for app_id, status, updated_at in await session.execute(
            select(DOCUMENTS.c.app_id, DOCUMENTS.c.status, DOCUMENTS.c.updated_at)
        )
    }
    return Drift(
        missing=sorted(set(apps) - set(rows)),
        stale=sorted(app_id for app_id in set(apps) & set(rows) if apps[app_id] != rows[app_id]),
        extra=sorted(set(rows) - set(apps)),
    )


def _documents_of(session: Session, app_ids: Sequence[int]) -> list[dict[str, Any]]:
    return documents_for(session, _load_apps(session, app_ids))


async def documents_in_batches(
    session: AsyncSession, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every public app's document, built from the apps table, ``batch_size`` at a time."""
    after = 0
    while True:
        ids = list(
            await session.scalars(
                select(m.App.id)
                .where(m.App.status.in_(INDEXED_STATUSES), m.App.id > after)
                .order_by(m.App.id)
                .limit(batch_size)
            )
        )
        if not ids:
            return
        docs = await session.run_sync(_documents_of, ids)
        if docs:
            yield docs
        after = ids[-1]
