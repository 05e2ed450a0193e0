"""Your own slots on every AuthEvents signal, writing your own log file.

python examples/every_signal.py --issuer http://127.0.0.1:8765 --log signals.log

Each signal writes one line, "<signal> <what it carries>"; sign in, lock (Ctrl+L), unlock
and sign out (Ctrl+Shift+O) to see them. Slots run in the UI thread: one that does slow
work should be connected with ``desktop_auth.qt.connect_in_background`` instead.
"""

from __future__ import annotations

import argparse
import logging
import sys

from PyQt5.QtCore import QObject, pyqtSlot
from PyQt5.QtWidgets import QApplication, QLabel, QMainWindow, QToolBar

from desktop_auth import AuthFailure, Session
from desktop_auth.qt import AuthEvents, DesktopAuth, apply_style

log = logging.getLogger("every_signal")


class SignalLog(QObject):
    """One slot per AuthEvents signal, each writing a line to the ``every_signal`` logger."""

    def __init__(self, events: AuthEvents, status: QLabel) -> None:
        super().__init__(events)
        self.status = status
        events.login_started.connect(self.on_login_started)
        events.login_succeeded.connect(self.on_login_succeeded)
        events.login_failed.connect(self.on_login_failed)
        events.logged_out.connect(self.on_logged_out)
        events.session_refreshed.connect(self.on_session_refreshed)
        events.session_expired.connect(self.on_session_expired)
        events.locked.connect(self.on_locked)
        events.unlocked.connect(self.on_unlocked)
        events.permissions_changed.connect(self.on_permissions_changed)

    @pyqtSlot(str)
    def on_login_started(self, username: str) -> None:
        log.info("login_started %s", username)

    @pyqtSlot(Session)
    def on_login_succeeded(self, session: Session) -> None:
        log.info("login_succeeded %s roles=%s", session.username, ",".join(sorted(session.roles)))
        self.status.setText(f"Signed in as {session.display_name}")

    @pyqtSlot(AuthFailure)
    def on_login_failed(self, failure: AuthFailure) -> None:
        log.info("login_failed %s: %s", failure.kind, failure.message)

    @pyqtSlot(str)
    def on_logged_out(self, reason: str) -> None:
        log.info("logged_out %s", reason)
        self.status.setText("Signed out")

    @pyqtSlot(Session)
    def on_session_refreshed(self, session: Session) -> None:
        log.info("session_refreshed %s until %s", session.username, session.expires_at.isoformat())

    @pyqtSlot()
    def on_session_expired(self) -> None:
        log.info("session_expired")

    @pyqtSlot()
    def on_locked(self) -> None:
        log.info("locked")

    @pyqtSlot(Session)
    def on_unlocked(self, session: Session) -> None:
        log.info("unlocked %s", session.username)

    @pyqtSlot(object)
    def on_permissions_changed(self, permissions: frozenset[str]) -> None:
        log.info("permissions_changed %s", ",".join(sorted(permissions)) or "-")


def build(issuer: str, client_id: str = "desktop-auth") -> tuple[DesktopAuth, SignalLog]:
    """Sign-in to ``issuer``, a window with Lock and Sign out, and the slots."""
    window = QMainWindow()
    window.setObjectName("mainWindow")
    status = QLabel()
    window.setCentralWidget(status)
    auth = DesktopAuth(issuer, client_id, main_window=window)
    toolbar = QToolBar("Session", window)
    window.addToolBar(toolbar)
    toolbar.addAction("&Lock", auth.lock).setShortcut("Ctrl+L")
    toolbar.addAction("Sign &out", auth.sign_out).setShortcut("Ctrl+Shift+O")
    return auth, SignalLog(auth.events, status)


def write_log_to(path: str) -> logging.Handler:
    """Send the slots' lines to the file at ``path``; returns the handler to remove."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", default="desktop-auth")
    parser.add_argument("--log", required=True, help="the file the slots write to")
    args = parser.parse_args(argv)
    handler = write_log_to(args.log)
    app = QApplication(sys.argv[:1])
    apply_style(app)
    auth, _slots = build(args.issuer, args.client_id)
    auth.show_login()
    status = app.exec_()
    auth.close()
    log.removeHandler(handler)
    handler.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
