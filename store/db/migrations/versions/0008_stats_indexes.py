"""stats indexes: adoptions by (status, went_live_on) and by created_at; apps by (status, published_at)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 21:30:00.000000

The provincial statistics count live adoptions that went live in a period, adoptions requested
in a period and apps first published in a period; without these they scan the tables. Plain
CREATE INDEX (no batch mode: nothing is rebuilt on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_adoptions_status_went_live_on", "adoptions", ["status", "went_live_on"], unique=False)
    op.create_index("ix_adoptions_created_at", "adoptions", ["created_at"], unique=False)
    op.create_index("ix_apps_status_published_at", "apps", ["status", "published_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_apps_status_published_at", table_name="apps")
    op.drop_index("ix_adoptions_created_at", table_name="adoptions")
    op.drop_index("ix_adoptions_status_went_live_on", table_name="adoptions")
