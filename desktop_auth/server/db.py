"""Engine and sessions: SQLite in WAL mode by default, any SQLAlchemy URL via DATABASE_URL."""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" listener below opens transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once across processes (gunicorn workers).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# Execution option of a connection that only reads (``Database.reading``).
READ_ONLY = "desktop_auth_read_only"


def _begin_immediate(connection: Connection) -> None:
    # Straight to the driver: this runs for every transaction, and SQLAlchemy's statement
    # machinery would cost more than the statement.
    driver = connection.connection.driver_connection
    if connection.get_execution_options().get(READ_ONLY):
        # Deferred: in WAL mode a reader waits for no writer, not even its own thread's.
        driver.execute("BEGIN")  # type: ignore[union-attr]
    else:
        driver.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


def _precreate_private(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (its -wal and -shm files copy the mode)."""
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)


def make_engine(url: str, pool: dict[str, Any] | None = None) -> Engine:
    """An engine for ``url``; ``pool`` (SQLAlchemy's pool_size, max_overflow, pool_timeout,
    pool_recycle) sizes the pool of a database server and is not used for SQLite."""
    if url.startswith("sqlite"):
        _precreate_private(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLite take its write lock at BEGIN, so two writers queue rather than deadlock.
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **(pool or {}))


class Database:
    """One engine per process; request code uses ``scoped``, background code ``session()``."""

    def __init__(self, url: str, pool: dict[str, Any] | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, pool)
        # A Database dropped without dispose() (a start that failed half-way) still closes its
        # connections, rather than leaving them to the garbage collector.
        weakref.finalize(self, self.engine.dispose)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        self.scoped: scoped_session[Session] = scoped_session(self.factory)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.factory() as session, session.begin():
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in a transaction, for bookkeeping that needs no ORM objects."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection in a transaction that only reads: it takes no write lock, so a
        thread may read through it while its own request's transaction holds one."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self.scoped.remove()
        self.engine.dispose()
