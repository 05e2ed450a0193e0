"""ActivityRecorder: the activity-log entry for each AuthEvents signal, written off the UI thread.

Its methods are slots meant to be connected with ``connect_in_background`` and one shared
``SerialQueue`` (``recorder.queue``): they run in a worker, one at a time, in the order the
signals were emitted, so they may keep state (who is signing in) without locks.

Group commit: a slot checks its entry and adds it to a batch; the batch is committed (one
fsynced transaction) by a call queued behind the slots already waiting, so a burst of events
costs one fsync per batch instead of one per event. ``on_appended`` is called only after the
commit: nothing is reported recorded before it is on disk.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_auth.activity_log import (
    LOG_FILENAME,
    ActivityLog,
    ActivityLogError,
    NewEntry,
    new_entry,
)
from desktop_auth.errors import AuthFailure
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import SerialQueue
from desktop_auth.session import Session

log = logging.getLogger(__name__)

# Entries committed together at most: bounds one transaction's time and a failure's reach.
MAX_BATCH = 1_000


def _sqlite_reason(error: ActivityLogError) -> str:
    """SQLite's own words for why a write failed ("database or disk is full"), else ours."""
    cause = error.__cause__
    return str(cause) if cause is not None else str(error)


def _disk_full(error: ActivityLogError) -> bool:
    cause = error.__cause__
    return isinstance(cause, sqlite3.Error) and cause.sqlite_errorcode == sqlite3.SQLITE_FULL


class ActivityRecorder:
    """Appends DESIGN.md's events to an ActivityLog; a no-op (with ``error`` set) without one.

    ``warning`` is set when the old log file was damaged and a new one started. A log that
    cannot be written (a full disk) or fails its check is told through ``on_problem`` (called
    in the worker with a message fit to show); the app goes on either way.
    """

    tr = TranslationContext("ActivityRecorder")

    def __init__(
        self,
        activity_log: ActivityLog | None,
        error: str | None = None,
        on_appended: Callable[[], object] | None = None,
        *,
        warning: str | None = None,
        on_problem: Callable[[str], object] | None = None,
    ) -> None:
        self.activity_log = activity_log
        self.error = error
        self.warning = warning
        self._on_appended = on_appended
        self._on_problem = on_problem
        # Whether the last append failed: a full disk is told once, not at every event.
        self._failing = False
        self.queue = SerialQueue()
        self._batch: list[NewEntry] = []  # checked, waiting for _commit; worker-thread state
        self.issuer: str | None = None
        self._username: str | None = None  # the last one submitted; worker-thread state
        self._current: Session | None = None

    @classmethod
    def open(
        cls,
        data_dir: Path,
        on_appended: Callable[[], object] | None = None,
        on_problem: Callable[[str], object] | None = None,
    ) -> ActivityRecorder:
        """The recorder for the log in ``data_dir``; ``on_appended`` is called (in the worker)
        after each entry is committed, ``on_problem`` when the log cannot take one. A damaged
        log file is moved aside and a new one started (``warning`` says so)."""
        try:
            opened = ActivityLog.open_or_start_fresh(data_dir / LOG_FILENAME)
        except (ActivityLogError, OSError) as exc:
            log.error("activity log unavailable: %s", exc)
            return cls(
                None,
                ActivityRecorder.tr(
                    "The activity log cannot be written: {error}. The app works without it; "
                    "this session's sign-ins are not recorded."
                ).format(error=exc),
            )
        warning = None
        if opened.warning is not None:
            warning = ActivityRecorder.tr(
                "The activity log could not be read and was kept aside; a new one was "
                "started. {details}"
            ).format(details=opened.warning)
        return cls(opened.log, on_appended=on_appended, warning=warning, on_problem=on_problem)

    def _append(
        self,
        event: str,
        username: str | None,
        issuer: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        if self.activity_log is None:
            return
        self._batch.append(new_entry(event, username, issuer or self.issuer, detail))
        if len(self._batch) >= MAX_BATCH:
            self._commit()
        elif len(self._batch) == 1:
            # Behind the slots already queued: their entries join this batch.
            self.queue.submit(self._commit)

    def _commit(self) -> None:
        """Write the batch in one transaction (in the worker); tell the app once it is on disk."""
        batch, self._batch = self._batch, []
        if not batch or self.activity_log is None:
            return
        try:
            self.activity_log.commit(batch)
        except ActivityLogError as exc:
            log.error("%d activity log entries not written: %s", len(batch), exc)
            if not self._failing:
                self._failing = True
                message = ActivityRecorder.tr(
                    "The activity log {path} cannot record events right now: {error}. "
                    "The app keeps working and every entry recorded before is kept."
                ).format(path=self.activity_log.path, error=_sqlite_reason(exc))
                if _disk_full(exc):
                    message += " " + ActivityRecorder.tr(
                        "Free some disk space and the next events are recorded again."
                    )
                self._problem(message)
            return
        self._failing = False
        if self._on_appended is not None:
            self._on_appended()

    def _problem(self, message: str) -> None:
        if self._on_problem is not None:
            self._on_problem(message)

    def check(self) -> None:
        """Verify the hash chain (in the worker, at start-up). A broken chain is evidence of
        tampering or damage: the log is kept as it is, new entries still go after it, and the
        user is told how to see the details."""
        if self.activity_log is None:
            return
        try:
            result = self.activity_log.verify()
        except (ActivityLogError, OSError) as exc:
            log.error("activity log not verified: %s", exc)
            return
        if not result.ok:
            log.warning(
                "activity log %s fails verification: %s", self.activity_log.path, result.reason
            )
            self._problem(
                ActivityRecorder.tr(
                    "The activity log {path} fails its integrity check: {reason}. It is kept "
                    "unchanged as evidence and new events are added after it; "
                    "'desktop-auth-cli log verify' names the first bad entry."
                ).format(path=self.activity_log.path, reason=result.reason)
            )

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

    def permission_denied(self, permission: str, action: str, refused_by: str = "") -> None:
        """``refused_by``: the service that refused (a 403); empty when this app did."""
        session = self._current
        detail = {"permission": permission, "action": action}
        if refused_by:
            detail["refused_by"] = refused_by
        self._append(
            "permission_denied",
            session.username if session else None,
            session.issuer if session else None,
            detail,
        )
