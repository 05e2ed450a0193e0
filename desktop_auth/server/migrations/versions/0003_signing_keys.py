"""signing keys in the database, shared by every server instance

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:12:04.118920

The keys of an existing ``signing-keys.json`` are imported by the server once this table
exists (desktop_auth.server.keys.ensure_keys), not here: the migration does not know the
data dir.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=False),
        sa.Column("private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("signs_from", sa.DateTime(), nullable=False),
        sa.Column("retire_after", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
