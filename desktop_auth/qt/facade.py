"""DesktopAuth: sign-in, permission gating, the activity log and notifications for your own
PyQt5 app, composed in one object."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, Qt, QThreadPool, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QAction, QApplication, QWidget

from desktop_auth.errors import AuthFailure
from desktop_auth.permissions import PermissionSource, policy_from
from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.events import AuthEvents, connect_activity_log
from desktop_auth.qt.login_window import LoginWindow
from desktop_auth.qt.notifications import (
    Notifier,
    SupportsNotify,
    notify_permission_denied,
    notify_revocation_failed,
)
from desktop_auth.qt.permission_gate import PermissionGate
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import SerialQueue
from desktop_auth.session import Session

if TYPE_CHECKING:
    from desktop_auth.activity_log import ActivityLog
    from desktop_auth.oidc import OIDCClient
    from desktop_auth.oidc.roles import RoleMapper
    from desktop_auth.qt.activity import ActivityRecorder
    from desktop_auth.sinks import EntryForwarder, LogSink

log = logging.getLogger(__name__)

# How long close() waits for background work (revocation, the log's last entries, sinks).
SHUTDOWN_WAIT_MS = 15_000

# The reference app's translation context: DesktopAuth shows the same notices, in the same
# words, so they are translated once for both.
DesktopApp = TranslationContext("DesktopApp")


class DesktopAuth(QObject):
    """Sign-in for a PyQt5 app: the login window (and lock screen), the ``AuthEvents``
    signals, permission gating, the tamper-evident activity log and notifications, composed
    and connected::

        auth = DesktopAuth(issuer="https://id.example.com", client_id="my-app")
        auth.gate(save_button, "documents.write")
        auth.events.login_succeeded.connect(on_signed_in)
        auth.show_login()
        app.exec_()
        auth.close()

    ``permissions``: a ``PermissionPolicy``, the path of a TOML policy (read now: ValueError
    when it is wrong), any object with ``permissions_for(roles)`` (an app's own policy), or
    None for the bundled policy (read at first sign-in). ``data_dir`` holds the activity log
    (default: ``$DESKTOP_AUTH_DATA_DIR``, else the platform's user data directory);
    ``ca_bundle`` is a PEM file of extra trusted CAs; ``roles_claim`` a dotted claim path to
    read roles from instead of the standard claims.

    Extension points, all optional:

    - ``role_mapper``: a callable given the user's claims that returns their role names
      (``desktop_auth.RoleMapper``), replacing the standard claims.
    - ``log_sinks``: objects with ``write(entry)`` (``desktop_auth.LogSink``) that get each
      activity-log entry once committed, in a worker thread; with ``entry_point_sinks``
      (the default) those installed under the ``desktop_auth.log_sinks`` entry point group
      too.
    - ``notifier``: an object with ``notify(title, message)`` (``SupportsNotify``), for
      example a ``Notifier`` subclass; default a ``Notifier`` (tray message, else a notice in
      the window in front).
    - ``login_window_class``: a ``LoginWindow`` subclass (its own form fields, look, ...),
      made as ``login_window_class(controller)`` (with ``app_name=`` when that is given).
    - ``app_name``: the program's name in the login window and its titles
      ("<app_name> — Sign in"); default "desktop-auth".
    - ``main_window``: the app's window, shown after sign-in and unlock (the login window
      hides) and hidden, disabled, while signed out or locked. Without it the app shows its
      windows itself from the signals.

    Nothing here blocks the UI thread: sign-in, renewal and revocation run in the controller's
    workers, the activity log is opened and written in its own worker, sinks in another.
    Call ``close()`` once the event loop has ended.
    """

    #: The activity log cannot be opened or written, or fails its integrity check: a
    #: message fit to show (it is also sent to the notifier).
    activity_log_problem = pyqtSignal(str)
    # The log worker has opened the recorder (or failed to): pending entries may go.
    _log_opened = pyqtSignal()

    def __init__(
        self,
        issuer: str,
        client_id: str | None = None,
        permissions: PermissionSource | Path | str | None = None,
        *,
        data_dir: Path | str | None = None,
        ca_bundle: Path | str | None = None,
        roles_claim: str | None = None,
        allow_password_grant: bool = False,
        role_mapper: RoleMapper | None = None,
        log_sinks: Iterable[LogSink] = (),
        entry_point_sinks: bool = True,
        notifier: SupportsNotify | None = None,
        login_window_class: type[LoginWindow] = LoginWindow,
        main_window: QWidget | None = None,
        app_name: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("desktopAuth")
        self.issuer = issuer
        self._client_id = client_id
        # Only a path is read now, to fail here; the bundled policy waits for the first sign-in.
        self._policy = None if permissions is None else policy_from(permissions)
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._ca_bundle = Path(ca_bundle) if ca_bundle is not None else None
        self._roles_claim = roles_claim
        self._allow_password_grant = allow_password_grant
        self._role_mapper = role_mapper
        self._sinks: list[LogSink] = list(log_sinks)
        self._entry_point_sinks = entry_point_sinks
        self._closed = False
        self._log_closed = False
        # Why the next ``locked`` happens, for the activity log: user or expired.
        self._lock_reason = "user"

        # The activity log: opened in _log_queue's worker; events until then wait in _pending.
        self._log_queue = SerialQueue()
        self._sink_queue = SerialQueue()  # sinks run here, so a slow one delays no entry
        self._recorder: ActivityRecorder | None = None  # set in the log worker
        self._forwarder: EntryForwarder | None = None  # set in the log worker
        self._log_ready = False  # UI thread: _pending has been handed to the recorder
        self._pending: list[tuple[str, tuple[object, ...]]] = []

        self.events = AuthEvents(self)
        self.controller = AuthController(self._make_client, self.events, parent=self)
        self.permission_gate = PermissionGate(self)
        named = {"app_name": app_name} if app_name is not None else {}
        self.login_window = login_window_class(self.controller, **named)
        self.login_window.offer_settings(False)
        self.login_window.set_issuer(
            DesktopApp.tr("Identity server: {issuer}").format(issuer=issuer)
        )
        self.main_window = main_window
        if main_window is not None:
            main_window.setEnabled(False)
        self.notifier: SupportsNotify = (
            notifier if notifier is not None else Notifier(self.login_window, parent=self)
        )
        self._connect_signals()
        self._log_queue.submit(self._open_log)

    def _connect_signals(self) -> None:
        events = self.events
        events.permissions_changed.connect(self.permission_gate.set_permissions)
        events.login_succeeded.connect(self._on_signed_in)
        events.unlocked.connect(self._on_signed_in)
        events.login_failed.connect(self._on_login_failed)
        events.logged_out.connect(self._on_logged_out)
        events.session_expired.connect(self._on_session_expired)
        events.locked.connect(self._on_locked)
        self.controller.revocation_failed.connect(self._on_revocation_failed)
        self.permission_gate.denied.connect(self._on_permission_denied)
        self.login_window.quit_requested.connect(self.login_window.close)
        self.activity_log_problem.connect(self._on_activity_log_problem)
        self._log_opened.connect(self._on_log_opened)
        # The activity log, in the order of the events (locked: _on_locked, for its reason).
        connect_activity_log(events, self.permission_gate.denied, self._record)

    # The public API

    @property
    def session(self) -> Session | None:
        """The signed-in session (also while locked), or None."""
        return self.controller.session

    @property
    def activity_log(self) -> ActivityLog | None:
        """The activity log once its worker has opened it; None before, or without one."""
        recorder = self._recorder if self._log_ready else None
        return recorder.activity_log if recorder is not None else None

    def gate(self, target: QWidget | QAction, permission: str, mode: str = "disable") -> None:
        """Allow ``target`` (a widget, an action or a tab page) only with ``permission``.

        ``mode="disable"`` keeps it visible but disabled, with a tooltip naming the
        permission; ``mode="hide"`` hides it. Everything gated is denied until sign-in. A
        denied action's shortcut tells the user (notifier) and the activity log.
        """
        self.permission_gate.gate(target, permission, mode)

    def allows(self, permission: str) -> bool:
        """Whether the signed-in user has ``permission`` now."""
        return self.permission_gate.allows(permission)

    @pyqtSlot()
    def show_login(self) -> None:
        """Show the login window, in front, with the focus in its form."""
        self._bring_forward(self.login_window)

    @staticmethod
    def _bring_forward(window: QWidget) -> None:
        window.show()
        window.setWindowState(window.windowState() & ~Qt.WindowMinimized)
        if QApplication.platformName() != "offscreen":  # which cannot raise, and warns
            window.raise_()
        window.activateWindow()

    @pyqtSlot()
    def sign_out(self) -> None:
        """Sign the user out (tokens revoked in the background)."""
        self.controller.sign_out()

    @pyqtSlot()
    def lock(self) -> None:
        """Lock the session: the login window becomes the lock screen."""
        self.controller.lock()

    def close(self) -> None:
        """End the session (its tokens revoked), record it, wait for background work, close
        the activity log and the sinks, and close the login window. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.login_window.close()
        if self.controller.shutdown() is not None:
            self._record("logged_out", "app quit")
        pool = QThreadPool.globalInstance()
        pool.waitForDone(SHUTDOWN_WAIT_MS)
        if not self._log_ready:  # opened, but its queued notice has not arrived yet
            self._on_log_opened()
            pool.waitForDone(SHUTDOWN_WAIT_MS)
        forwarder = self._forwarder
        if forwarder is not None:
            self._sink_queue.submit(forwarder.close)
            pool.waitForDone(SHUTDOWN_WAIT_MS)
        self._log_closed = True
        if self._recorder is not None:
            self._recorder.close()
        if isinstance(self.notifier, Notifier):
            self.notifier.hide_tray()

    # The protocol client, made in the controller's worker

    def _make_client(self) -> OIDCClient:
        from desktop_auth.oidc import DEFAULT_CLIENT_ID, ClientConfig, OIDCClient

        if self._policy is None:
            self._policy = policy_from(None)
        config = ClientConfig(
            issuer=self.issuer,
            client_id=self._client_id or DEFAULT_CLIENT_ID,
            ca_bundle=self._ca_bundle,
            allow_password_grant=self._allow_password_grant,
            roles_claim=self._roles_claim,
            role_mapper=self._role_mapper,
        )
        # OIDCClient only calls the policy's permissions_for, which any PermissionSource has.
        return OIDCClient(config, self._policy)

    # The activity log

    def _open_log(self) -> None:
        """In the log worker: open the log (and check it), find the sinks, then tell the UI
        thread that the entries waiting may go."""
        from desktop_auth.qt.activity import ActivityRecorder
        from desktop_auth.settings import DataDirError, resolve_data_dir
        from desktop_auth.sinks import EntryForwarder, sinks_from_entry_points

        try:
            data_dir = resolve_data_dir(self._data_dir)
        except DataDirError as exc:
            log.error("no activity log: %s", exc)
            self.activity_log_problem.emit(str(exc))
            self._log_opened.emit()
            return
        sinks = self._sinks + (sinks_from_entry_points() if self._entry_point_sinks else [])
        recorder = ActivityRecorder.open(
            data_dir, on_appended=self._forward_entries, on_problem=self.activity_log_problem.emit
        )
        recorder.issuer = self.issuer
        for message in (recorder.error, recorder.warning):
            if message:
                self.activity_log_problem.emit(message)
        if recorder.activity_log is not None and sinks:
            forwarder = EntryForwarder(recorder.activity_log, sinks)
            forwarder.start()
            self._forwarder = forwarder
        self._recorder = recorder
        recorder.queue.submit(recorder.check)
        self._log_opened.emit()

    @pyqtSlot()
    def _on_log_opened(self) -> None:
        if self._log_ready:
            return
        self._log_ready = True
        pending, self._pending = self._pending, []
        recorder = self._recorder
        if recorder is None:
            if pending:
                log.warning("%d activity log entries not written: no log", len(pending))
            return
        recorder.queue.submit(recorder.app_started, self.issuer)
        for entry, args in pending:
            recorder.queue.submit(getattr(recorder, entry), *args)

    def _record(self, entry: str, *args: object) -> None:
        """Write the activity log's ``entry`` (an ``ActivityRecorder`` method) in its worker,
        after those still waiting for the log to open."""
        if self._log_closed:
            return
        if not self._log_ready:
            self._pending.append((entry, args))
            return
        recorder = self._recorder
        if recorder is not None:
            recorder.queue.submit(getattr(recorder, entry), *args)

    def _forward_entries(self) -> None:
        """In the log worker, after each commit: the sinks get the new entries in theirs."""
        forwarder = self._forwarder
        if forwarder is not None:
            self._sink_queue.submit(forwarder.forward)

    # Slots

    @pyqtSlot(Session)
    def _on_signed_in(self, session: Session) -> None:
        if isinstance(self.notifier, Notifier) and self.main_window is not None:
            self.notifier.set_host(self.main_window)
        if self.main_window is not None:
            self.login_window.hide()
            self.main_window.setEnabled(True)
            self._bring_forward(self.main_window)
        name = session.display_name or session.username
        self.notifier.notify(
            DesktopApp.tr("Signed in"), DesktopApp.tr("Welcome, {name}.").format(name=name)
        )

    def _back_to_login(self) -> None:
        if self.main_window is not None:
            # Hidden and disabled, it takes no keys, shortcuts or clicks; its state is kept.
            self.main_window.setEnabled(False)
            self.main_window.hide()
            if isinstance(self.notifier, Notifier):
                self.notifier.set_host(self.login_window)
            self.show_login()

    @pyqtSlot(AuthFailure)
    def _on_login_failed(self, failure: AuthFailure) -> None:
        # The login window shows the message itself; notify only a user who looks elsewhere.
        if failure.kind != "cancelled" and not self.login_window.isActiveWindow():
            self.notifier.notify(DesktopApp.tr("Sign-in failed"), failure.message)

    @pyqtSlot(str)
    def _on_logged_out(self, reason: str) -> None:
        self._back_to_login()
        self.notifier.notify(
            DesktopApp.tr("Signed out"), "" if reason == "user" else DesktopApp.tr(reason)
        )

    @pyqtSlot()
    def _on_session_expired(self) -> None:
        self._lock_reason = "expired"
        self.notifier.notify(
            DesktopApp.tr("Session expired"),
            DesktopApp.tr("Enter your password to continue where you were."),
        )

    @pyqtSlot()
    def _on_locked(self) -> None:
        reason, self._lock_reason = self._lock_reason, "user"
        self._record("locked", reason)
        self._back_to_login()

    @pyqtSlot(str)
    def _on_revocation_failed(self, message: str) -> None:
        notify_revocation_failed(self.notifier, message)

    @pyqtSlot(str, str)
    def _on_permission_denied(self, permission: str, action: str) -> None:
        notify_permission_denied(self.notifier, permission, action)

    @pyqtSlot(str)
    def _on_activity_log_problem(self, message: str) -> None:
        self.notifier.notify(DesktopApp.tr("Activity log"), message)
