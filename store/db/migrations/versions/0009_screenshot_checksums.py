"""screenshot checksums: size and SHA-256 of each screenshot's image and thumbnail

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 04:00:00.000000

New uploads record them as the objects are stored, so ``store check`` and ``store backup`` can
tell a damaged image, as they do a damaged file. Existing rows keep NULL: the bytes are in object
storage, which a migration does not (and on a big store, in reasonable time, cannot) read.
``store check`` reports those rows as having no checksum recorded, and ``store check --fix``
measures their objects and records what it found.

Plain ALTER TABLE … ADD/DROP COLUMN, not batch mode: on SQLite a batch rebuild would copy and drop
``screenshots`` (see 0007).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("size", sa.BigInteger()),
    ("sha256", sa.String(length=64)),
    ("thumb_size", sa.BigInteger()),
    ("thumb_sha256", sa.String(length=64)),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("screenshots", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _type in reversed(COLUMNS):
        op.drop_column("screenshots", name)
