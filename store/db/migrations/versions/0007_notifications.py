"""notifications: the inbox (and e-mail outbox); versions.security_fix; users.email

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:40:00.000000

One new table, ``notifications`` (see ``store/db/models/_notification.py``), and two columns with
defaults, so existing rows need no backfill: ``versions.security_fix`` (false) and
``users.email`` (empty: no e-mail).
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=True),
        sa.Column("adoption_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        _moment("created_at", nullable=False),
        _moment("read_at", nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=False),
        sa.Column("email_attempts", sa.SmallInteger(), nullable=False),
        _moment("email_claimed_at", nullable=True),
        _moment("emailed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["adoptions.id"],
            name=op.f("fk_notifications_adoption_id_adoptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_notifications_app_id_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_adoption_id"), ["adoption_id"], unique=False)
        batch_op.create_index("ix_notifications_user_id_read_at", ["user_id", "read_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_email_state"), ["email_state"], unique=False)
    # Plain ALTER TABLE … ADD COLUMN (SQLite supports it with a constant default), not batch mode:
    # a batch rebuild copies and drops the table, and on SQLite with foreign keys on, dropping
    # ``versions`` would cascade to every artifact.
    op.add_column(
        "versions", sa.Column("security_fix", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("users", sa.Column("email", sa.String(length=254), server_default="", nullable=False))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), for the same reason: no table rebuild.
    op.drop_column("users", "email")
    op.drop_column("versions", "security_fix")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_email_state"))
        batch_op.drop_index("ix_notifications_user_id_read_at")
        batch_op.drop_index(batch_op.f("ix_notifications_adoption_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_user_id"))
    op.drop_table("notifications")
