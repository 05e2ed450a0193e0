"""The reference desktop app composed in one place: every signal-to-slot connection is in
``DesktopApp._connect_signals``."""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QT_TRANSLATE_NOOP, QObject, Qt, QThreadPool, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QApplication, QMainWindow

from desktop_auth.app.embedded import EmbeddedServer
from desktop_auth.errors import AuthFailure, DesktopAuthError
from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.events import AuthEvents, connect_activity_log
from desktop_auth.qt.first_paint import when_painted
from desktop_auth.qt.idle import IdleWatcher
from desktop_auth.qt.library_messages import translated_message
from desktop_auth.qt.login_window import LoginWindow
from desktop_auth.qt.notifications import (
    Notifier,
    notify_permission_denied,
    notify_revocation_failed,
)
from desktop_auth.qt.permission_gate import PermissionGate
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import SerialQueue, run_in_background
from desktop_auth.session import Session
from desktop_auth.settings import (
    FROM_COMMAND_LINE,
    Settings,
    SettingsEdit,
    choose_connection,
    load_settings,
    resolve_data_dir,
    save_settings,
)

if TYPE_CHECKING:
    from desktop_auth.app.api_pages import ApiPages
    from desktop_auth.app.single_instance import SingleInstance
    from desktop_auth.app.workspace import WorkspaceWindow
    from desktop_auth.oidc import OIDCClient
    from desktop_auth.permissions import PermissionPolicy
    from desktop_auth.qt.activity import ActivityRecorder
    from desktop_auth.qt.log_viewer import ActivityLogViewer
    from desktop_auth.qt.settings_dialog import SettingsDialog
    from desktop_auth.secrets import TokenStore

log = logging.getLogger(__name__)

# Settings remember usernames per issuer; the embedded server's issuer changes with its port.
EMBEDDED_SETTINGS_KEY = "embedded-server"
SHUTDOWN_WAIT_MS = 15_000
# Reasons of AuthEvents.logged_out, translated when a notification shows them (the activity
# log keeps them as they are); "user" is not shown.
LOGOUT_REASONS = (QT_TRANSLATE_NOOP("DesktopApp", "another user signed in"),)


def load_policy(path: Path | None) -> PermissionPolicy:
    """The --permissions policy, or the bundled one; ValueError saying what is wrong."""
    from desktop_auth.permissions import PermissionPolicy  # tomllib: read at first sign-in

    return PermissionPolicy.load(path) if path is not None else PermissionPolicy.default()


class DesktopApp(QObject):
    """The login window, the workspace, the notifier and the activity log around one
    AuthController, for the options of the `desktop-auth` command line."""

    tr = TranslationContext("DesktopApp")

    log_appended = pyqtSignal()
    # (available, reason): from the start-up keyring check, run in keyring_queue's worker.
    keyring_checked = pyqtSignal(bool, str)
    # (username, refresh token): a "stay signed in" session found at start-up, to restore.
    stored_session_found = pyqtSignal(str, str)
    # The usernames (of those remembered) whose session the keyring keeps.
    kept_accounts_found = pyqtSignal(object)
    # A keyring write failed mid-session: the message says what it means for the user.
    keyring_failed = pyqtSignal(str)
    # The activity log cannot take an entry (disk full) or fails its check: what to tell.
    log_problem = pyqtSignal(str)

    def __init__(
        self,
        options: argparse.Namespace,
        policy: PermissionPolicy | None = None,
        parent: QObject | None = None,
        token_store: TokenStore | None = None,
        single_instance: SingleInstance | None = None,
    ) -> None:
        """``token_store`` keeps "stay signed in" refresh tokens; None: the default keyring,
        looked up in a worker at start-up. ``single_instance``: the claim on the data dir, whose
        ``activation_requested`` (another start) raises the current window."""
        super().__init__(parent)
        self.setObjectName("desktopApp")
        self.options = options
        self._policy = policy
        self._shut_down = False
        self.token_store = token_store
        self.single_instance = single_instance
        self._keyring_ok = False
        # Keyring calls may block (an unlock prompt, D-Bus): all run here, one at a time.
        self.keyring_queue = SerialQueue()
        # The user whose refresh token the keyring keeps for this session ("stay signed in").
        self._kept_username: str | None = None
        # The user whose stored session is being restored at start-up.
        self._restoring: str | None = None
        # Shown once the login window is up (a message raised earlier must not be lost).
        self._early_messages: list[str] = []
        # Why the next ``locked`` happens, for the activity log: user, idle or expired.
        self._lock_reason = "user"
        # The renewal retry notice in the status bar, if one shows.
        self._retry_notice = ""

        self.data_dir = resolve_data_dir(options.data_dir)
        loaded = load_settings(self.data_dir)
        self.settings = loaded.settings
        if loaded.warning:
            self._early_messages.append(translated_message(loaded.warning))
        # Writes of settings.json, from workers and the settings dialog, one at a time; each
        # writes self.settings as it is then, so the last write has the latest settings.
        self._settings_write_lock = threading.Lock()
        self.settings_dialog: SettingsDialog | None = None

        # Command line > settings > the embedded demo server, chosen once: a server changed
        # in the settings is used from the next start (the dialog says so).
        self.connection = choose_connection(
            self.settings,
            issuer=options.issuer,
            client_id=options.client_id,
            ca_bundle=options.ca_bundle,
        )
        self.embedded = None if self.connection.issuer else EmbeddedServer(self.data_dir)
        self.issuer: str | None = self.connection.issuer

        self.events = AuthEvents(self)
        self.controller = AuthController(
            self._make_client,
            self.events,
            parent=self,
            on_renewed_in_worker=self._keep_renewed_token,
        )
        self.gate = PermissionGate(self)
        # Opened after the login window is first painted, or on first need (see recorder).
        self._recorder: ActivityRecorder | None = None

        self.login_window = LoginWindow(
            self.controller, last_username=self.settings.last_username.get(self._settings_key)
        )
        if self.embedded is not None:
            self.login_window.set_demo_accounts(self.embedded.accounts)
            self.login_window.set_issuer(DesktopApp.tr("Starting the demo server…"))
        else:
            self.login_window.set_issuer(
                DesktopApp.tr("Identity server: {issuer}").format(issuer=self.connection.issuer)
            )
        # Built after the login window is first painted, or on first need (see workspace).
        self._workspace: WorkspaceWindow | None = None
        self._log_viewer: ActivityLogViewer | None = None
        self._api_pages: ApiPages | None = None  # built with the workspace
        self._background_started = False
        self.notifier = Notifier(self.login_window, parent=self)
        self.notifier.set_enabled(self.settings.notifications)
        self.idle_watcher = IdleWatcher(self.settings.idle_lock_minutes * 60, parent=self)
        self._kept_accounts: frozenset[str] = frozenset()
        self._show_remembered_accounts()
        self._connect_signals()

    @property
    def policy(self) -> PermissionPolicy:
        """--permissions' policy (main checks it before any window), else the bundled one,
        read when first needed: at the first sign-in, in its worker."""
        if self._policy is None:
            self._policy = load_policy(self.options.permissions)
        return self._policy

    @property
    def recorder(self) -> ActivityRecorder:
        """Writes the activity log in its worker, in the order of the events. Opened just
        after the login window is first painted (``start``), or here on first need."""
        if self._recorder is None:
            self._open_recorder()
            assert self._recorder is not None
        return self._recorder

    def _open_recorder(self) -> None:
        from desktop_auth.qt.activity import ActivityRecorder

        # on_appended is emitted by the recorder's worker after each entry; delivered queued.
        recorder = self._recorder = ActivityRecorder.open(
            self.data_dir, on_appended=self.log_appended.emit, on_problem=self.log_problem.emit
        )
        if self.issuer is not None:
            recorder.issuer = self.issuer
        # First in its queue, whatever opened it: the check, then the start of this session.
        recorder.queue.submit(recorder.check)
        recorder.queue.submit(recorder.app_started, self._settings_key)
        for message in (recorder.error, recorder.warning):
            if message:
                self.login_window.show_message(message, kind="info")

    def _record(self, entry: str, *args: object) -> None:
        """Write the activity log's ``entry`` (an ActivityRecorder method) in its worker."""
        recorder = self.recorder
        recorder.queue.submit(getattr(recorder, entry), *args)

    @property
    def workspace(self) -> WorkspaceWindow:
        """The main window after sign-in. Building it (with the log viewer) takes longer than
        the login window itself, so it is built just after the login window is first painted
        (``start``), or here on first need, whichever comes first."""
        if self._workspace is None:
            self._build_workspace()
            assert self._workspace is not None
        return self._workspace

    @property
    def has_workspace(self) -> bool:
        """Whether the workspace has been built (see ``workspace``)."""
        return self._workspace is not None

    @property
    def log_viewer(self) -> ActivityLogViewer | None:
        """The activity log's viewer, on the workspace's Activity tab; None without a log."""
        self.workspace  # noqa: B018 -- built with the workspace
        return self._log_viewer

    def _workspace_visible(self) -> bool:
        return self._workspace is not None and self._workspace.isVisible()

    @property
    def api_pages(self) -> ApiPages:
        """The documents and reports pages' link to the documents service."""
        self.workspace  # noqa: B018 -- built with the workspace
        assert self._api_pages is not None
        return self._api_pages

    def api_url(self) -> str | None:
        """The documents service: --api, else the one the embedded start serves (once it
        serves), else none (the pages show local sample content)."""
        if self.options.api:
            return str(self.options.api)
        return self.embedded.api_url if self.embedded is not None else None

    def _build_workspace(self) -> None:
        from desktop_auth.app.api_pages import ApiPages
        from desktop_auth.app.workspace import WorkspaceWindow
        from desktop_auth.qt.log_viewer import ActivityLogViewer

        if self.recorder.activity_log is not None:
            self._log_viewer = ActivityLogViewer(self.recorder.activity_log)
        workspace = self._workspace = WorkspaceWindow(self.gate, self._log_viewer)
        events = self.events
        events.session_refreshed.connect(workspace.show_session)
        # The gate's own connection was made first: the workspace then picks a tab among
        # those it allowed.
        events.permissions_changed.connect(workspace.show_first_allowed_tab)
        workspace.show_first_allowed_tab(self.gate.permissions)
        workspace.lock_requested.connect(self.controller.lock)
        workspace.sign_out_requested.connect(self.controller.sign_out)
        workspace.quit_requested.connect(self.quit)
        workspace.settings_requested.connect(self.open_settings)
        workspace.diagnostics_requested.connect(self.copy_diagnostics)

        pages = self._api_pages = ApiPages(
            workspace, self.controller, self.api_url, self.connection.ca_bundle, parent=self
        )
        # Not login_succeeded: the first sign-in may build the workspace while that signal
        # is being emitted; _on_login_succeeded calls pages.signed_in itself.
        events.unlocked.connect(pages.reload)
        events.session_refreshed.connect(pages.retry_after_renewal)
        events.session_expired.connect(pages.renewal_failed)
        events.logged_out.connect(pages.signed_out)
        workspace.new_document_requested.connect(pages.create_document)
        workspace.edit_document_requested.connect(pages.edit_document)
        workspace.delete_document_requested.connect(pages.delete_selected)
        workspace.delete_confirmed.connect(pages.delete_document)
        pages.refused.connect(self._on_service_refused)
        pages.change_failed.connect(self._on_change_failed)

    @property
    def keyring_available(self) -> bool:
        """Whether the start-up check found the keyring usable for "stay signed in"."""
        return self._keyring_ok

    @property
    def _settings_key(self) -> str:
        return self.connection.issuer or EMBEDDED_SETTINGS_KEY

    def _connect_signals(self) -> None:
        events = self.events
        events.login_succeeded.connect(self._on_login_succeeded)
        events.login_failed.connect(self._on_login_failed)
        events.logged_out.connect(self._on_logged_out)
        # Unlocking after an expiry signs in again: the new refresh token replaces the dead one.
        # (A renewal's rotated token is kept from its worker: _keep_renewed_token.)
        events.unlocked.connect(self._on_unlocked_keep_token)
        events.session_expired.connect(self._on_session_expired)
        events.locked.connect(self._on_locked)
        events.unlocked.connect(self._on_unlocked)
        events.session_refreshed.connect(self._end_retry_notice)
        self.controller.refresh_retrying.connect(self._on_refresh_retrying)
        self.controller.revocation_failed.connect(self._on_revocation_failed)
        self.idle_watcher.idle.connect(self._on_idle)
        # The gate first: the workspace (_build_workspace) then picks a tab it allowed.
        events.permissions_changed.connect(self.gate.set_permissions)
        self.gate.denied.connect(self._on_permission_denied)

        # The activity log is written in its worker, in the order of the events; the first
        # event opens it if start() has not yet (recorder).
        connect_activity_log(events, self.gate.denied, self._record)

        self.login_window.quit_requested.connect(self.quit)
        self.login_window.settings_requested.connect(self.open_settings)
        self.log_appended.connect(self._on_log_appended)
        self.log_problem.connect(self._on_log_problem)
        self.keyring_checked.connect(self._on_keyring_checked)
        self.stored_session_found.connect(self._on_stored_session_found)
        self.kept_accounts_found.connect(self._on_kept_accounts_found)
        self.keyring_failed.connect(self._on_keyring_failed)
        self.login_window.account_chosen.connect(self._on_account_chosen)
        self.login_window.forget_account_requested.connect(self._on_forget_account)
        if self.single_instance is not None:
            self.single_instance.activation_requested.connect(self.activate)

    # Start and stop

    def start(self) -> None:
        """Show the login window at once; everything else starts once it has been painted.

        The log check, the keyring check and the embedded server run in workers, but they
        import modules and so hold Python's lock for a while: started before the first paint
        they would hold it up. The workspace is built then too (``workspace``).
        """
        self._show(self.login_window)
        for message in self._early_messages:
            self.login_window.show_message(message, kind="info")
        self._early_messages.clear()
        self.login_window.set_keyring_available(
            False, DesktopApp.tr("Checking the system keyring…")
        )
        when_painted(self.login_window, self._start_background)

    @pyqtSlot()
    def _start_background(self) -> None:
        if self._background_started or self._shut_down:
            return
        self._background_started = True
        # First, while no worker competes for Python's lock (and the user has yet to type).
        self.workspace  # noqa: B018 -- and with it the activity log (recorder)
        self.keyring_queue.submit(self._check_keyring)
        if self.single_instance is not None:
            self.single_instance.listen()
        if self.embedded is not None:
            run_in_background(
                self.embedded.start,
                on_result=self._on_embedded_started,
                on_error=self._on_embedded_failed,
            )

    def _check_keyring(self) -> None:
        """In keyring_queue's worker: whether "stay signed in" can be offered."""
        if self.token_store is None:
            from desktop_auth.secrets import TokenStore  # keyring is slow to import

            self.token_store = TokenStore()
        available, reason = self.token_store.available()
        self.keyring_checked.emit(available, reason)
        if not available:
            return
        remembered = self.settings.remembered_usernames.get(self._settings_key, ())
        try:
            kept = frozenset(n for n in remembered if self.token_store.has(self._settings_key, n))
        except DesktopAuthError as exc:
            log.warning("could not list the stored sessions: %s", exc.message)
            kept = frozenset()
        self.kept_accounts_found.emit(kept)
        username = self.settings.last_username.get(self._settings_key)
        if username:
            self._load_stored_session(username)

    def _load_stored_session(self, username: str) -> None:
        """In keyring_queue's worker: restore ``username``'s kept session, if there is one."""
        assert self.token_store is not None
        try:
            token = self.token_store.load(self._settings_key, username)
        except DesktopAuthError as exc:
            log.warning("could not read the stored session of %s: %s", username, exc.message)
            self.keyring_failed.emit(
                DesktopApp.tr("The saved session of {username} could not be read: {reason}").format(
                    username=username, reason=translated_message(exc.message)
                )
            )
            return
        if token is not None:
            self.stored_session_found.emit(username, token)

    @pyqtSlot(str, str)
    def _on_stored_session_found(self, username: str, refresh_token: str) -> None:
        if self.controller.session is not None or self.controller.signing_in or self._shut_down:
            return  # the user was quicker
        self._restoring = username
        self.login_window.username.setText(username)
        self.login_window.stay_signed_in.setChecked(True)
        self.controller.restore(username, refresh_token)

    def _keep_token(self, username: str, refresh_token: str | None) -> None:
        """Store (in the keyring's worker) the refresh token of a "stay signed in" session."""
        store = self.token_store
        if store is None or refresh_token is None:
            return
        self._kept_username = username
        self._kept_accounts |= {username}
        self.keyring_queue.submit(self._save_token, store, username, refresh_token)

    def _save_token(self, store: TokenStore, username: str, refresh_token: str) -> None:
        """In keyring_queue's worker; a failure is told to the user (keyring_failed)."""
        try:
            store.save(self._settings_key, username, refresh_token)
        except DesktopAuthError as exc:
            log.warning("could not keep the session of %s: %s", username, exc.message)
            self.keyring_failed.emit(
                DesktopApp.tr(
                    "This computer could not keep you signed in: {reason} "
                    "You stay signed in until you quit; next time you will sign in again."
                ).format(reason=translated_message(exc.message))
            )

    def _forget_token(self, username: str) -> None:
        store = self.token_store
        self._kept_accounts -= {username}
        if store is not None and self._keyring_ok:
            self.keyring_queue.submit(self._delete_token, store, username)

    def _delete_token(self, store: TokenStore, username: str) -> None:
        """In keyring_queue's worker; a failure is told to the user (keyring_failed)."""
        try:
            store.delete(self._settings_key, username)
        except DesktopAuthError as exc:
            log.warning("could not delete the session of %s: %s", username, exc.message)
            self.keyring_failed.emit(
                DesktopApp.tr(
                    "The saved session of {username} could not be removed from the system "
                    "keyring: {reason} Remove the entry {entry} there yourself."
                ).format(
                    username=username,
                    reason=translated_message(exc.message),
                    entry=self._service_hint,
                )
            )

    @property
    def _service_hint(self) -> str:
        from desktop_auth.secrets import service_name

        return f'"{service_name(self._settings_key)}"'

    def _show_remembered_accounts(self) -> None:
        remembered = self.settings.remembered_usernames.get(self._settings_key, ())
        self.login_window.set_remembered_accounts(remembered, self._kept_accounts)

    @pyqtSlot(object)
    def _on_kept_accounts_found(self, kept: frozenset[str]) -> None:
        self._kept_accounts = kept
        self._show_remembered_accounts()

    @pyqtSlot(str)
    def _on_log_problem(self, message: str) -> None:
        if self._shut_down:
            return
        # Shown where the user is, as well as notified (notifications may be off).
        if self._workspace_visible():
            self.workspace.show_status_notice(message)
        else:
            self.login_window.show_message(message, kind="info")
        self.notifier.notify(DesktopApp.tr("Activity log"), message)

    @pyqtSlot(str)
    def _on_keyring_failed(self, message: str) -> None:
        self.login_window.stay_signed_in.setChecked(False)
        # Shown where the user is, as well as notified (notifications may be off).
        if self._workspace_visible():
            self.workspace.show_status_notice(message)
        else:
            self.login_window.show_message(message)
        self.notifier.notify(DesktopApp.tr("System keyring"), message)

    @pyqtSlot(str)
    def _on_account_chosen(self, username: str) -> None:
        """An account picked on the login window: restore its kept session, if any."""
        store = self.token_store
        if store is None or not self._keyring_ok or username not in self._kept_accounts:
            return
        self.keyring_queue.submit(self._load_stored_session, username)

    @pyqtSlot(str)
    def _on_forget_account(self, username: str) -> None:
        """Forget a remembered account: no longer offered, and its kept session deleted."""
        self.settings = self.settings.forget_username(self._settings_key, username)
        run_in_background(self._write_settings)
        if username in self._kept_accounts:
            self._forget_token(username)
        self._show_remembered_accounts()

    @pyqtSlot(bool, str)
    def _on_keyring_checked(self, available: bool, reason: str) -> None:
        self._keyring_ok = available
        self.login_window.set_keyring_available(available, translated_message(reason))

    def _make_client(self) -> OIDCClient:
        """Build the protocol client (in a worker: it may wait for the embedded server)."""
        from desktop_auth.oidc import DEFAULT_CLIENT_ID, ClientConfig, OIDCClient

        issuer = self.connection.issuer or self._embedded_url()
        config = ClientConfig(
            issuer=issuer,
            client_id=self.connection.client_id or DEFAULT_CLIENT_ID,
            ca_bundle=self.connection.ca_bundle,
            allow_password_grant=bool(
                self.options.allow_password_grant or self.settings.allow_password_grant
            ),
        )
        return OIDCClient(config, self.policy)

    def _embedded_url(self) -> str:
        assert self.embedded is not None
        return self.embedded.url()

    @pyqtSlot(object)
    def _on_embedded_started(self, url: str) -> None:
        self.issuer = url
        self.recorder.issuer = url
        self.login_window.set_issuer(DesktopApp.tr("Demo server at {url}").format(url=url))

    @pyqtSlot(object)
    def _on_embedded_failed(self, error: BaseException) -> None:
        log.error("the embedded server did not start: %s", type(error).__name__)
        self.login_window.set_issuer(DesktopApp.tr("The demo server could not start."))
        self.login_window.show_message(
            DesktopApp.tr(
                "The demo server could not start ({error}). "
                "Restart the app, or use --issuer to sign in to another server."
            ).format(error=type(error).__name__)
        )

    @pyqtSlot()
    def quit(self) -> None:
        """Close the windows; closing the last one ends the event loop."""
        self._close_settings()
        if self._workspace is not None:
            self._workspace.close()
        self.login_window.close()

    def shutdown(self) -> None:
        """After the event loop: end the session (tokens revoked), wait for background work,
        stop the server, close the log. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        # A "stay signed in" session outlives the app: its refresh token stays valid.
        ended = self.controller.shutdown(revoke=self._kept_username is None)
        if ended is not None and self._kept_username is None:
            self.recorder.queue.submit(self.recorder.logged_out, "app quit")
        QThreadPool.globalInstance().waitForDone(SHUTDOWN_WAIT_MS)
        if self._api_pages is not None:
            self._api_pages.close()
        if self.embedded is not None:
            self.embedded.stop()
        QThreadPool.globalInstance().waitForDone(SHUTDOWN_WAIT_MS)
        if self._recorder is not None:
            self._recorder.close()

    # Settings

    @pyqtSlot()
    def open_settings(self) -> None:
        """Show the settings dialog over the window in front (Ctrl+, or "Settings…").

        Not while locked: the lock screen is for the locked user's password, and whoever
        stands at it must not change the identity server (to one that collects passwords)
        or the idle lock."""
        if self.controller.is_locked or self._shut_down:
            return
        if self.settings_dialog is not None:
            self.settings_dialog.activateWindow()
            return
        # Imported on first use: the dialog brings the doctor's protocol code with it.
        from desktop_auth.qt.settings_dialog import SettingsDialog

        host = self.workspace if self._workspace_visible() else self.login_window
        dialog = SettingsDialog(
            self.settings,
            self._save_settings_edit,
            allow_password_grant=bool(
                self.options.allow_password_grant or self.settings.allow_password_grant
            ),
            connection_note=self._connection_note(),
            parent=host,
        )
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.finished.connect(self._on_settings_closed)
        self.settings_dialog = dialog
        dialog.open()

    def _connection_note(self) -> str:
        note = DesktopApp.tr(
            "A changed issuer, client id or CA bundle is used from the next start of "
            "desktop-auth; the idle lock and notifications change at once."
        )
        if self.connection.source == FROM_COMMAND_LINE:
            note += " " + DesktopApp.tr(
                "This run uses --issuer {issuer} from the command line, "
                "which overrides these three settings."
            ).format(issuer=self.connection.issuer)
        return note

    def _save_settings_edit(self, edit: SettingsEdit) -> Settings:
        """The settings dialog's Save: check, write atomically, then apply; on any failure
        (raised to the dialog) the settings in force and on disk stay as they were."""
        settings = self.settings.edited(edit)  # InvalidSettingsError names the bad values
        with self._settings_write_lock:
            save_settings(self.data_dir, settings)
            self.settings = settings
        self.notifier.set_enabled(settings.notifications)
        self.idle_watcher.set_timeout(settings.idle_lock_minutes * 60)
        signed_in = self.controller.session is not None and not self.controller.is_locked
        if signed_in and not self.idle_watcher.watching:
            self.idle_watcher.start()  # was "Never": watch from now
        return settings

    def _write_settings(self) -> None:
        """In a worker: write the settings in force (a later change has its own write)."""
        with self._settings_write_lock:
            save_settings(self.data_dir, self.settings)

    @pyqtSlot(int)
    def _on_settings_closed(self, result: int) -> None:
        self.settings_dialog = None
        # Back to the window behind it (window managers do this; not every platform does).
        host = self.workspace if self._workspace_visible() else self.login_window
        if host.isVisible():
            host.activateWindow()

    def _close_settings(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.reject()

    # Slots

    @pyqtSlot()
    def activate(self) -> None:
        """Another start for this data dir: show, un-minimize, raise and activate whichever
        window is current (the workspace, else the login or lock window)."""
        window = self.workspace if self._workspace_visible() else self.login_window
        self._show(window)
        log.info("another start for this data dir: raised %s", window.objectName())

    @pyqtSlot()
    def copy_diagnostics(self) -> None:
        """Help -> Copy diagnostics: the report on the clipboard, and the user told so."""
        from desktop_auth.app.diagnostics import diagnostic_report

        QApplication.clipboard().setText(diagnostic_report(self))
        log.info("diagnostics copied to the clipboard")
        self.notifier.notify(
            DesktopApp.tr("Diagnostics copied"),
            DesktopApp.tr("Paste them into your bug report; they hold no passwords or tokens."),
        )

    def _show(self, window: QMainWindow) -> None:
        for other in (self.login_window, self._workspace):
            if other is not None and other is not window:
                other.hide()
        window.show()
        window.setWindowState(window.windowState() & ~Qt.WindowMinimized)
        if QApplication.platformName() != "offscreen":  # which cannot raise, and warns
            window.raise_()
        window.activateWindow()
        self.notifier.set_host(window)

    @pyqtSlot(Session)
    def _on_login_succeeded(self, session: Session) -> None:
        self.issuer = session.issuer
        self.workspace.show_session(session)
        self.workspace.setEnabled(True)
        self._show(self.workspace)
        self.api_pages.signed_in(session)
        self.notifier.notify(
            DesktopApp.tr("Signed in"),
            DesktopApp.tr("Welcome, {name}.").format(name=session.display_name or session.username),
        )
        self.settings = self.settings.remember_login(self._settings_key, session.username)
        run_in_background(self._write_settings)
        self.idle_watcher.start()
        restored, self._restoring = self._restoring == session.username, None
        if restored:
            self.recorder.queue.submit(self.recorder.session_restored, session)
        tokens = session.tokens
        if self._keyring_ok and self.login_window.stay_signed_in.isChecked():
            self._keep_token(session.username, tokens.refresh_token if tokens else None)
        else:
            self._kept_username = None
            self._forget_token(session.username)  # unticked: no session of theirs is kept
        self._show_remembered_accounts()

    def _keep_renewed_token(self, session: Session) -> None:
        """In the renewal's worker: rotation, the new refresh token replaces the kept one
        (TokenStore.save is atomic). Done there, not on ``session_refreshed``, so a renewal
        that ends while the app quits still leaves a live token in the keyring."""
        store = self.token_store
        tokens = session.tokens
        if self._kept_username != session.username or store is None or tokens is None:
            return
        if tokens.refresh_token is not None:
            self.keyring_queue.submit(
                self._save_token, store, session.username, tokens.refresh_token
            )

    @pyqtSlot(Session)
    def _on_unlocked_keep_token(self, session: Session) -> None:
        if self._kept_username == session.username and session.tokens is not None:
            self._keep_token(session.username, session.tokens.refresh_token)

    @pyqtSlot(AuthFailure)
    def _on_login_failed(self, failure: AuthFailure) -> None:
        log.info("sign-in failed (%s): %s", failure.kind, failure.message)
        # The login window shows the message itself; notify only a user who looks elsewhere.
        restoring, self._restoring = self._restoring, None
        if restoring is not None:
            self._on_restore_failed(restoring, failure)
            return
        if failure.kind != "cancelled" and not self.login_window.isActiveWindow():
            self.notifier.notify(DesktopApp.tr("Sign-in failed"), failure.message)

    def _on_restore_failed(self, username: str, failure: AuthFailure) -> None:
        """The stored session could not be restored: the user signs in (username filled in)."""
        if failure.kind == "credentials":  # refused: the stored token is dead
            self._forget_token(username)
            self.login_window.stay_signed_in.setChecked(False)
            message = DesktopApp.tr("You were signed out: {reason}")
        else:
            message = DesktopApp.tr("Your saved session could not be restored: {reason}")
        message = message.format(reason=failure.message)
        self.login_window.username.setText(username)
        self.login_window.show_message(message)

    @pyqtSlot(str)
    def _on_logged_out(self, reason: str) -> None:
        kept, self._kept_username = self._kept_username, None
        if kept is not None:
            self._forget_token(kept)
        self.idle_watcher.stop()
        self._show_remembered_accounts()
        if self._workspace is not None:
            self._workspace.clear_session()
        self._show(self.login_window)
        self.notifier.notify(
            DesktopApp.tr("Signed out"),
            "" if reason == "user" else DesktopApp.tr(reason),
        )

    @pyqtSlot()
    def _on_session_expired(self) -> None:
        # The lock screen follows (``locked``); show it now so the notice appears there.
        self._lock_reason = "expired"
        self._end_retry_notice()
        self._show(self.login_window)
        self.notifier.notify(
            DesktopApp.tr("Session expired"),
            DesktopApp.tr("Enter your password to continue where you were."),
        )

    @pyqtSlot()
    def _on_idle(self) -> None:
        self._lock_reason = "idle"
        self.controller.lock()

    @pyqtSlot()
    def _on_locked(self) -> None:
        reason, self._lock_reason = self._lock_reason, "user"
        self.recorder.queue.submit(self.recorder.locked, reason)
        self.idle_watcher.stop()
        self._close_settings()  # unsaved: the lock screen offers no settings (see open_settings)
        # Hidden and disabled, the workspace takes no keys, shortcuts or clicks, and screen
        # readers see it as invisible and unavailable; its state is kept for the unlock.
        if self._workspace is not None:
            self._workspace.dismiss_questions()  # not over the lock screen
            self._workspace.setEnabled(False)
        self._show(self.login_window)

    @pyqtSlot(int, str)
    def _on_refresh_retrying(self, seconds: int, message: str) -> None:
        self._retry_notice = message
        self.workspace.show_status_notice(message)

    @pyqtSlot()
    def _end_retry_notice(self) -> None:
        """ "Trying again in ..." is over; any other notice (a keyring failure) stays."""
        workspace = self._workspace
        if (
            self._retry_notice
            and workspace is not None
            and workspace.statusBar().currentMessage() == self._retry_notice
        ):
            workspace.clear_status_notice()
        self._retry_notice = ""

    @pyqtSlot(str)
    def _on_revocation_failed(self, message: str) -> None:
        self.login_window.show_message(message, kind="info")
        notify_revocation_failed(self.notifier, message)

    @pyqtSlot(str, str)
    def _on_permission_denied(self, permission: str, action: str) -> None:
        notify_permission_denied(self.notifier, permission, action)

    @pyqtSlot(str, str, str)
    def _on_service_refused(self, permission: str, action: str, message: str) -> None:
        """The documents service said 403 to a change this app let the user try."""
        self.workspace.show_status_notice(message)
        self.notifier.notify(DesktopApp.tr("Not allowed"), message)
        self._record("permission_denied", permission, action, "documents service")

    @pyqtSlot(str)
    def _on_change_failed(self, message: str) -> None:
        self.workspace.show_status_notice(message)
        self.notifier.notify(DesktopApp.tr("Not saved"), message)

    @pyqtSlot()
    def _on_log_appended(self) -> None:
        # A notification may still be queued after shutdown closed the log.
        # Not built yet: it reads the log when it is.
        if self._log_viewer is not None and not self._shut_down:
            self._log_viewer.refresh()

    @pyqtSlot(Session)
    def _on_unlocked(self, session: Session) -> None:
        self.workspace.show_session(session)
        self.workspace.setEnabled(True)
        self._show(self.workspace)
        self.idle_watcher.start()
