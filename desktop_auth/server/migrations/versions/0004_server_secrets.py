"""the session cookie key in the database, shared by every server instance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:05:00.000000

The key itself is written by the server once this table exists
(desktop_auth.server.secret_key.load_or_create_secret_key), not here: an old ``session-secret``
file is imported from the data dir, which the migration does not know.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
