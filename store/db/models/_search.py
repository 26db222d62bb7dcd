"""Search: the database's own index of the public catalog, and the outbox for Meilisearch.

``search_documents`` holds one row per published or deprecated app — the document both engines
index (``doc``), the filter and sort columns, and word-segmented text columns (``t_*``) that the
database's full-text search reads: an FTS5 table kept in step by triggers on SQLite, generated
``tsvector`` columns on PostgreSQL (both made by migration 0005, invisible to the ORM).
Rows are written in the same transaction as the change of the app, so the fallback is never
behind. ``search_facets`` holds the multi-valued filters (tags, 信创, region and city) as rows.

``search_outbox`` is the transactional outbox for Meilisearch: a row per change, drained by the
search worker, which claims rows with a lease (and ``SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._base import Base, utcnow

# Made by the migration, not the ORM; model/migration comparisons skip them.
FTS_TABLE = "search_fts"
TSVECTOR_COLUMNS = ("tsv", "tsv_body", "tsv_aux")


class SearchDocument(Base):
    __tablename__ = "search_documents"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(6))
    zone: Mapped[str] = mapped_column(String(12), default="")
    maturity: Mapped[str] = mapped_column(String(20))
    live_adoptions: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[int] = mapped_column(Integer, default=0)
    # Space-separated words (jieba segmentation of normalised text), Han unigrams, pinyin.
    t_name: Mapped[str] = mapped_column(Text, default="")
    t_tags: Mapped[str] = mapped_column(Text, default="")
    t_summary: Mapped[str] = mapped_column(Text, default="")
    t_body: Mapped[str] = mapped_column(Text, default="")
    t_chars: Mapped[str] = mapped_column(Text, default="")
    t_py: Mapped[str] = mapped_column(Text, default="")
    t_pyx: Mapped[str] = mapped_column(Text, default="")
    # Last (see migration 0005): SQLite reads the columns before it in every matching row.
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class SearchFacet(Base):
    __tablename__ = "search_facets"
    __table_args__ = (
        Index("ix_search_facets_facet_value", "facet", "value", "app_id"),
        {"sqlite_with_rowid": False},
    )

    app_id: Mapped[int] = mapped_column(
        ForeignKey("search_documents.app_id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(50), primary_key=True)


class SearchOutbox(Base):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: a deleted app is deleted from the index
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before this moment (backoff after a failure).
    available_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # A worker's lease: until then no other worker takes the row.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: the FTS5 table (and its shadow tables) and the generated tsvector columns
    belong to the migration, not to the models."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "index" and name in {f"ix_search_documents_{column}" for column in TSVECTOR_COLUMNS}:
        return False
    return not (type_ == "column" and name in TSVECTOR_COLUMNS and obj.table.name == "search_documents")
