"""Activity-log fixtures: a private data dir, a log in it, and a log with a few sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from desktop_auth.activity_log import ActivityLog
from desktop_auth.settings import resolve_data_dir

if TYPE_CHECKING:
    from desktop_auth.qt.log_viewer import ActivityLogViewer

ISSUER = "http://127.0.0.1:8765"


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


# --- reading the viewer (Qt is imported only by the tests that use these) -----------------------


def settled(viewer: ActivityLogViewer) -> bool:
    """Every page asked for has arrived and the total is counted."""
    return not viewer.model.loading and viewer.model.total is not None


def shown(viewer: ActivityLogViewer, column: int = 0) -> list[str]:
    """The text of one column, top to bottom, as the table shows it."""
    model = viewer.table.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]
