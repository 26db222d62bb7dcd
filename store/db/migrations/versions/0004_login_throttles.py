"""login throttles: failed sign-ins for usernames without an account

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:00:00.000000

Unknown usernames lock after the same number of failures as real ones, across every worker, so
the answers do not reveal which accounts exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("name_sha256", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name_sha256", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_locked_until"), ["locked_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_locked_until"))
    op.drop_table("login_throttles")
