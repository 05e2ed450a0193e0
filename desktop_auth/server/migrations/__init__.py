"""Alembic migrations of the server database, applied on ``init`` and on every start."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, lock_dir: Path | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision``.

    Several server processes (gunicorn workers) start at once; a lock file in ``lock_dir``
    lets one migrate while the others wait, then find nothing left to do.
    """
    if lock_dir is None:
        command.upgrade(alembic_config(engine), revision)
        return
    with _file_lock(lock_dir / ".migrate.lock"):
        command.upgrade(alembic_config(engine), revision)


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
