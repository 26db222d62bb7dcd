"""search: the database's search index and the Meilisearch outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 18:00:00.000000

``search_documents`` (one row per public app) with its full-text index: on SQLite an FTS5 table
over the ``t_*`` columns, kept in step by triggers; on PostgreSQL generated ``tsvector`` columns
with GIN indexes: ``tsv``, small, over the name and its pinyin forms (weight A), the tags (B) and
the summary (C), which ranks a match; ``tsv_body`` over the description; ``tsv_aux`` over the Han
unigrams and pinyin syllables. Three vectors rather than one with weights: GIN answers a plain
word from its postings alone, but a weight must be checked on the row, and a search for a common
word would then read the long description vector of most of the catalog. The text is segmented
by the store (jieba) before it is
written, so both use the plain tokenizers ('unicode61', 'simple'). ``search_facets`` and
``search_outbox`` are ordinary tables. The documents are filled by ``store reindex`` (and by
every later change of an app); this migration leaves them empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = ("t_name", "t_tags", "t_summary", "t_body", "t_chars", "t_py", "t_pyx")
# PostgreSQL: ``search/database/`` reads these columns and the weights of ``tsv``.
PG_TSVECTORS = {
    "tsv": (
        "setweight(to_tsvector('simple', coalesce(t_name, '') || ' ' || coalesce(t_pyx, '')), 'A')"
        " || setweight(to_tsvector('simple', coalesce(t_tags, '')), 'B')"
        " || setweight(to_tsvector('simple', coalesce(t_summary, '')), 'C')"
    ),
    "tsv_body": "to_tsvector('simple', coalesce(t_body, ''))",
    # Han characters and Latin syllables never share a token, so one vector holds both.
    "tsv_aux": "to_tsvector('simple', coalesce(t_chars, '') || ' ' || coalesce(t_py, ''))",
}


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=6), nullable=False),
        sa.Column("zone", sa.String(length=12), nullable=False),
        sa.Column("maturity", sa.String(length=20), nullable=False),
        sa.Column("live_adoptions", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in TEXT_COLUMNS),
        # Last: SQLite reads a row's columns in order, and the filter and sort columns of
        # thousands of matches must not wait behind a document that spills into overflow pages.
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_search_documents_app_id_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_search_documents")),
    )
    op.create_table(
        "search_facets",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["search_documents.app_id"],
            name=op.f("fk_search_facets_app_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "facet", "value", name=op.f("pk_search_facets")),
        # SQLite: the rows are the primary key's b-tree, so an app's facets are one seek away.
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("search_facets", schema=None) as batch_op:
        batch_op.create_index("ix_search_facets_facet_value", ["facet", "value", "app_id"], unique=False)
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("claimed_until", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_outbox_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_outbox_created_at"), ["created_at"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for column, expression in PG_TSVECTORS.items():
            op.execute(
                f"ALTER TABLE search_documents ADD COLUMN {column} tsvector"
                f" GENERATED ALWAYS AS ({expression}) STORED"
            )
            # fastupdate off: with GIN's pending list every search scans the unmerged entries
            # until a vacuum merges them, and the planner, costing that, falls back to seq scans.
            op.execute(
                f"CREATE INDEX ix_search_documents_{column} ON search_documents"
                f" USING gin ({column}) WITH (fastupdate = off)"
            )
    else:
        # Column names from the constant above, never input: S608 does not apply.
        columns = ", ".join(TEXT_COLUMNS)
        new = ", ".join(f"new.{c}" for c in TEXT_COLUMNS)
        old = ", ".join(f"old.{c}" for c in TEXT_COLUMNS)
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='search_documents',"
            " content_rowid='app_id', tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN"
            f" INSERT INTO search_fts(rowid, {columns}) VALUES (new.app_id, {new}); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN"
            f" INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.app_id, {old}); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN"
            f" INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.app_id, {old});"
            f" INSERT INTO search_fts(rowid, {columns}) VALUES (new.app_id, {new}); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_outbox")
    op.drop_table("search_facets")
    op.drop_table("search_documents")
