"""ActivityRecorder: the activity-log entry for each AuthEvents signal, written off the UI thread.

Its methods are slots meant to be connected with ``connect_in_background`` and one shared
``SerialQueue`` (``recorder.queue``): they run in a worker, one at a time, in the order the
signals were emitted, so they may keep state (who is signing in) without locks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_auth.activity_log import ActivityLog, ActivityLogError
from desktop_auth.errors import AuthFailure
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import SerialQueue
from desktop_auth.session import Session

log = logging.getLogger(__name__)


class ActivityRecorder:
    """Appends DESIGN.md's events to an ActivityLog; a no-op (with ``error`` set) without one."""

    tr = TranslationContext("ActivityRecorder")

    def __init__(
        self,
        activity_log: ActivityLog | None,
        error: str | None = None,
        on_appended: Callable[[], object] | None = None,
    ) -> None:
        self.activity_log = activity_log
        self.error = error
        self._on_appended = on_appended
        self.queue = SerialQueue()
        self.issuer: str | None = None
        self._username: str | None = None  # the last one submitted; worker-thread state
        self._current: Session | None = None

    @classmethod
    def open(
        cls, data_dir: Path, on_appended: Callable[[], object] | None = None
    ) -> ActivityRecorder:
        """The recorder for the log in ``data_dir``; ``on_appended`` is called (in the worker)
        after each entry is committed."""
        try:
            return cls(ActivityLog.in_data_dir(data_dir), on_appended=on_appended)
        except (ActivityLogError, OSError) as exc:
            log.error("activity log unavailable: %s", exc)
            return cls(
                None,
                ActivityRecorder.tr("The activity log cannot be written: {error}").format(
                    error=exc
                ),
            )

    def _append(
        self,
        event: str,
        username: str | None,
        issuer: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        if self.activity_log is None:
            return
        self.activity_log.append(event, username, issuer or self.issuer, detail)
        if self._on_appended is not None:
            self._on_appended()

    def close(self) -> None:
        if self.activity_log is not None:
            self.activity_log.close()

    # Slots, run in the queue's worker.

    def app_started(self, server: str) -> None:
        self._append("app_started", None, detail={"server": server})

    def login_started(self, username: str) -> None:
        self._username = username

    def login_succeeded(self, session: Session) -> None:
        self._current = session
        self._append(
            "login_succeeded",
            session.username,
            session.issuer,
            {"method": session.method, "roles": sorted(session.roles)},
        )

    def login_failed(self, failure: AuthFailure) -> None:
        self._append(
            "login_failed", self._username, detail={"kind": failure.kind, "reason": failure.message}
        )

    def session_restored(self, session: Session) -> None:
        self._current = session
        self._append("session_restored", session.username, session.issuer)

    def logged_out(self, reason: str) -> None:
        session, self._current = self._current, None
        self._append(
            "logged_out",
            session.username if session else None,
            session.issuer if session else None,
            {"reason": reason},
        )

    def session_refreshed(self, session: Session) -> None:
        self._current = session
        self._append("session_refreshed", session.username, session.issuer)

    def session_expired(self) -> None:
        session = self._current
        self._append(
            "session_expired",
            session.username if session else None,
            session.issuer if session else None,
        )

    def locked(self, reason: str = "user") -> None:
        """``reason``: user (Ctrl+L), idle (the idle timeout) or expired (renewal failed)."""
        session = self._current
        self._append(
            "locked",
            session.username if session else None,
            session.issuer if session else None,
            {"reason": reason},
        )

    def unlocked(self, session: Session) -> None:
        self._current = session
        self._append("unlocked", session.username, session.issuer)

    def permission_denied(self, permission: str, action: str) -> None:
        session = self._current
        self._append(
            "permission_denied",
            session.username if session else None,
            session.issuer if session else None,
            {"permission": permission, "action": action},
        )
