"""Alembic migrations of the server database, applied by ``migrate``, ``init`` and every start."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

HERE = Path(__file__).parent
# Where env.py lists the revisions it applied (``alembic_config().attributes``).
APPLIED = "desktop_auth_applied"


@dataclass(frozen=True)
class Migration:
    """What one ``upgrade`` did: the revisions this process applied, and where the schema is."""

    applied: tuple[str, ...]
    revision: str | None


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    config.attributes[APPLIED] = []
    return config


def upgrade(engine: Engine, lock_dir: Path | None = None, revision: str = "head") -> Migration:
    """Bring the schema to ``revision``.

    Several server processes (gunicorn workers) start at once; a lock file in ``lock_dir``
    lets one migrate while the others wait, then find nothing left to do. Processes with data
    dirs of their own on one PostgreSQL database are ordered by a lock in the database
    (``env.py``).
    """
    config = alembic_config(engine)
    if lock_dir is None:
        command.upgrade(config, revision)
    else:
        with _file_lock(lock_dir / ".migrate.lock"):
            command.upgrade(config, revision)
    return Migration(tuple(config.attributes[APPLIED]), current_revision(engine))


def head_revision() -> str | None:
    """The revision ``upgrade`` brings a schema to: the newest this version knows."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: the embedded server is a single process.
        yield
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
