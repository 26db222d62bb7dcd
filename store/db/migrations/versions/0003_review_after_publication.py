"""review after publication: review status of versions, files and screenshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00.000000

Everything that exists already was shown to the public under the old rules, so it migrates as
approved. The database default is "pending", like the models': a row written without a review
status stays hidden rather than becoming public.

Only ADD COLUMN, UPDATE and CREATE INDEX: on SQLite anything else makes batch mode copy the table,
and dropping the old ``versions`` table would cascade (foreign keys are on) and delete every
artifact.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> does it get a review comment too (artifacts share their version's comment)
TABLES = {"versions": True, "artifacts": False, "screenshots": True}


def upgrade() -> None:
    for table, with_comment in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("review_status", sa.String(length=20), nullable=False, server_default="pending")
            )
            if with_comment:
                batch_op.add_column(sa.Column("review_comment", sa.Text(), nullable=False, server_default=""))
            batch_op.create_index(batch_op.f(f"ix_{table}_review_status"), ["review_status"], unique=False)
        op.execute(sa.text(f"UPDATE {table} SET review_status = 'approved'"))


def downgrade() -> None:
    for table, with_comment in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_review_status"))
            if with_comment:
                batch_op.drop_column("review_comment")
            batch_op.drop_column("review_status")
