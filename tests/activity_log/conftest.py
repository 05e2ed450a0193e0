"""Activity-log fixtures: a private data dir, a log in it, and a log with a few sessions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from desktop_auth.activity_log import EVENTS, GENESIS_HASH, ActivityLog, entry_hash
from desktop_auth.settings import resolve_data_dir

if TYPE_CHECKING:
    from desktop_auth.qt.log_viewer import ActivityLogViewer

ISSUER = "http://127.0.0.1:8765"
USERS = ("alice", "bob", "carol", "dave")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return resolve_data_dir(tmp_path / "data")


@pytest.fixture
def activity_log(data_dir: Path) -> Iterator[ActivityLog]:
    log = ActivityLog.in_data_dir(data_dir)
    yield log
    log.close()


@pytest.fixture
def sample_log(activity_log: ActivityLog) -> ActivityLog:
    """Nine entries: alice signs in and out, bob fails once then signs in and is denied."""
    append = activity_log.append
    append("app_started", detail={"version": "0.1.0"})
    append("login_succeeded", "alice", ISSUER, {"method": "native", "roles": ["admin"]})
    append("locked", "alice", ISSUER)
    append("unlocked", "alice", ISSUER)
    append("logged_out", "alice", ISSUER, {"reason": "user"})
    append("login_failed", "bob", ISSUER, {"kind": "credentials", "message": "Wrong password"})
    append("login_succeeded", "Bob", ISSUER, {"method": "password", "roles": ["viewer"]})
    append("permission_denied", "bob", ISSUER, {"permission": "users.manage"})
    append("session_expired", "bob", ISSUER)
    return activity_log


def build_log(path: Path, rows: int) -> None:
    """Write ``rows`` chained entries in one transaction, the indexes built once at the end.

    Entry n has event EVENTS[n % 10], user USERS[n % 4] and detail {"client": ..., "n": n}.
    The file is written as a log from before the text index (schema version 1), which the
    library then adds when it opens it, as it does for such a log.
    """
    ActivityLog(path).close()  # the schema, as the library makes it
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("BEGIN")
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        connection.execute("DROP TABLE entries_text")
        connection.execute("PRAGMA user_version = 1")

        def entries() -> Iterator[tuple[object, ...]]:
            previous = GENESIS_HASH
            for seq in range(1, rows + 1):
                ts = (
                    f"2025-01-01T{seq // 3600 % 24:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}.000000Z"
                )
                event, user = EVENTS[seq % len(EVENTS)], USERS[seq % len(USERS)]
                detail = f'{{"client":"desktop","n":{seq}}}'  # canonical JSON
                previous = entry_hash(seq, ts, event, user, ISSUER, detail, previous)
                yield seq, ts, event, user, ISSUER, detail, previous
            connection.execute(
                "INSERT INTO head (id, seq, hash) VALUES (1, ?, ?)", (rows, previous)
            )

        connection.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", entries())
        for _, sql in indexes:
            connection.execute(sql)
        connection.execute("COMMIT")
    finally:
        connection.close()
    ActivityLog(path).close()  # adds the text index


# --- reading the viewer (Qt is imported only by the tests that use these) -----------------------


def settled(viewer: ActivityLogViewer) -> bool:
    """Every page asked for has arrived and the total is counted."""
    return not viewer.model.loading and viewer.model.total is not None


def shown(viewer: ActivityLogViewer, column: int = 0) -> list[str]:
    """The text of one column, top to bottom, as the table shows it."""
    model = viewer.table.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


@pytest.fixture
def show_viewer(qtbot) -> Callable[[ActivityLog], ActivityLogViewer]:
    """``show_viewer(log)``: the viewer on ``log``, shown, once its first page is in."""
    from desktop_auth.qt.log_viewer import ActivityLogViewer

    def show(activity_log: ActivityLog) -> ActivityLogViewer:
        viewer = ActivityLogViewer(activity_log)
        qtbot.addWidget(viewer)
        viewer.resize(1000, 500)
        viewer.show()
        qtbot.waitUntil(lambda: settled(viewer))
        return viewer

    return show
