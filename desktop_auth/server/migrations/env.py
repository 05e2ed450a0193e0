"""Alembic environment: runs against the engine the server hands over."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.migration import MigrationContext, MigrationInfo
from sqlalchemy import text

from desktop_auth.server.migrations import APPLIED
from desktop_auth.server.models import Base

# Any constant: the key of the transaction-level advisory lock that orders migrations.
POSTGRES_MIGRATION_LOCK = 0x64612D6D6967

engine = context.config.attributes["engine"]
applied: list[str] = context.config.attributes.setdefault(APPLIED, [])


def _applied(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    applied.extend(step.up_revision_ids)


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        on_version_apply=_applied,
    )
    with context.begin_transaction():
        if engine.dialect.name == "postgresql":
            # Instances on one database share no lock file. Taken before Alembic reads the
            # schema's version, held until this transaction (the whole migration) ends.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK}
            )
        context.run_migrations()
