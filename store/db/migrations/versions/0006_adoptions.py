"""adoptions: the reuse workflow, its timeline and the versions each adopter has run

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:30:00.000000

Three new tables (see ``store/db/models/_adoption.py`` for what each holds). The one rule the
database keeps itself: one open adoption (requested, approved, deploying, live) per app and
adopting region — a partial unique index, which SQLite (≥ 3.8) and PostgreSQL both support with
the same WHERE text. Nothing existing is altered.
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same text as ``store.db.models._adoption``; written out, as a migration must not change
# when the models do later.
OPEN_WHERE = "status IN ('requested', 'approved', 'deploying', 'live')"
STATUS_CHECK = "status IN ('requested', 'approved', 'declined', 'withdrawn', 'deploying', 'live', 'retired')"


def _moment(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "adoptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("adopter_region_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("requested_version", sa.String(length=64), nullable=False),
        sa.Column("current_version", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=200), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        _moment("decided_at", nullable=True),
        sa.Column("went_live_on", sa.Date(), nullable=True),
        _moment("closed_at", nullable=True),
        sa.Column("saving_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("saving_basis", sa.String(length=500), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        _moment("feedback_at", nullable=True),
        sa.Column("publisher_confirmation", sa.String(length=12), nullable=False),
        sa.Column("confirmation_comment", sa.Text(), nullable=False),
        _moment("confirmed_at", nullable=True),
        sa.Column("reconfirm_due_on", sa.Date(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_adoptions_status_known")),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)", name=op.f("ck_adoptions_rating_range")
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_adoptions_revision_positive")),
        sa.CheckConstraint(
            "saving_wan IS NULL OR saving_wan >= 0", name=op.f("ck_adoptions_saving_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["adopter_region_code"], ["regions.code"], name=op.f("fk_adoptions_adopter_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_adoptions_app_id_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_adoptions_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoptions")),
    )
    with op.batch_alter_table("adoptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adoptions_adopter_region_code"), ["adopter_region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_adoptions_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adoptions_reconfirm_due_on"), ["reconfirm_due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_adoptions_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_adoptions_open_per_region",
            ["app_id", "adopter_region_code"],
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE),
            postgresql_where=sa.text(OPEN_WHERE),
        )

    op.create_table(
        "adoption_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _moment("at", nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_adoption_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["adoptions.id"],
            name=op.f("fk_adoption_events_adoption_id_adoptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoption_events")),
    )
    with op.batch_alter_table("adoption_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adoption_events_adoption_id"), ["adoption_id"], unique=False)

    op.create_table(
        "adoption_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        _moment("since", nullable=False),
        _moment("until", nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["adoptions.id"],
            name=op.f("fk_adoption_versions_adoption_id_adoptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_adoption_versions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoption_versions")),
    )
    with op.batch_alter_table("adoption_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adoption_versions_adoption_id"), ["adoption_id"], unique=False)


def downgrade() -> None:
    # Whole tables only: dropping a table drops its indexes on both databases.
    op.drop_table("adoption_versions")
    op.drop_table("adoption_events")
    op.drop_table("adoptions")
