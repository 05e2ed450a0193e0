"""The schema comes from Alembic migrations, and they match the models exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from desktop_auth.server.config import load_config
from desktop_auth.server.db import Database
from desktop_auth.server.migrations import upgrade
from desktop_auth.server.models import Base, User
from tests.server.conftest import ALICE, LiveServer


def test_migrated_schema_matches_the_models(
    server_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if server_backend == "postgresql":
        url: str = request.getfixturevalue("postgres_database")  # empty, not the migrated copy
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    db = Database(url)
    try:
        upgrade(db.engine)
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            version = MigrationContext.configure(connection).get_current_revision()
        assert diff == [], f"models and migrations disagree: {diff}"
        assert version is not None
        assert set(inspect(db.engine).get_table_names()) >= {"users", "clients", "tokens", "audit"}
    finally:
        db.dispose()


def test_restarting_on_an_existing_database_keeps_accounts(
    server: LiveServer, start_server: Callable[..., LiveServer]
) -> None:
    server.served.stop()
    again = start_server(data_dir=server.data_dir)
    again.sign_in(*ALICE)
    db = Database(load_config(server.data_dir).resolved_database_url)
    try:
        upgrade(db.engine)
        with db.session() as session:
            names = sorted(session.scalars(select(User.username)))
        assert names == ["alice", "bob"]
    finally:
        db.dispose()
