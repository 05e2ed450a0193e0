"""'Stay signed in': the refresh token in the OS keyring, restored at the next start."""

from __future__ import annotations

import json

import keyring.errors
import pytest
import requests
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PyQt5.QtCore import Qt, QThreadPool
from PyQt5.QtWidgets import QApplication, QLabel

from desktop_auth.app.application import DesktopApp
from desktop_auth.secrets import TokenStore
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.app.test_sign_in import logged_events
from tests.server.conftest import ALICE, BOB

DEMO_ALICE = ("alice", "alice-demo-password")


def test_without_a_keyring_the_checkbox_is_disabled_and_says_why(qtbot, make_app):
    app = make_app("--issuer", "http://127.0.0.1:9", keyring_backend=fail.Keyring())
    box = app.login_window.stay_signed_in

    qtbot.waitUntil(lambda: "No system keyring" in box.toolTip())
    assert not box.isEnabled()
    assert not box.isChecked()


def test_with_a_keyring_the_checkbox_is_enabled(qtbot, make_app, secret_service):
    app = make_app("--issuer", "http://127.0.0.1:9", keyring_backend=secret_service)
    box = app.login_window.stay_signed_in

    qtbot.waitUntil(box.isEnabled)
    assert "keyring" in box.toolTip()


def sign_in_staying(qtbot, app: DesktopApp, username: str, password: str) -> None:
    """Username, Tab, password, Alt+G ("Stay signed in"), Enter: the keyboard alone."""
    window = app.login_window
    qtbot.waitUntil(window.stay_signed_in.isEnabled)
    qtbot.waitUntil(lambda: focused() is window.username)
    qtbot.keyClicks(focused(), username)
    qtbot.keyClick(focused(), Qt.Key_Tab)
    qtbot.keyClicks(focused(), password)
    qtbot.keyClick(focused(), Qt.Key_G, Qt.AltModifier)
    qtbot.waitUntil(window.stay_signed_in.isChecked)
    qtbot.keyClick(window.password, Qt.Key_Return)


def stored(secret_service, issuer: str, username: str) -> str | None:
    assert QThreadPool.globalInstance().waitForDone(15_000)
    return TokenStore(secret_service).load(issuer, username)


def alice_stays_signed_in(qtbot, server, make_app, secret_service) -> tuple[DesktopApp, str]:
    """Alice signs in with "Stay signed in" ticked; the app, and the token the keyring keeps."""
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    token = stored(secret_service, server.url, "alice")
    assert token is not None
    return app, token


def quit_app(app: DesktopApp) -> None:
    app.quit()
    app.shutdown()


def test_stay_signed_in_keeps_the_session_across_a_restart(
    qtbot, server, make_app, secret_service, tmp_path
):
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    token = stored(secret_service, server.url, "alice")
    assert token is not None

    quit_app(app)  # no sign-out: the kept session is not revoked

    again = make_app("--issuer", server.url, keyring_backend=secret_service, start=False)
    with qtbot.waitSignal(again.events.login_succeeded, timeout=20_000) as signed_in:
        again.start()
    assert signed_in.args[0].username == "alice"
    qtbot.waitUntil(again.workspace.isVisible)
    assert not again.login_window.isVisible()
    restored = logged_events(tmp_path / "data", "session_restored")
    assert [(e.username, e.issuer) for e in restored] == [("alice", server.url)]
    # The restore rotated the refresh token; the keyring holds the new one.
    renewed = stored(secret_service, server.url, "alice")
    assert renewed is not None

    # Signing out forgets it.
    with qtbot.waitSignal(again.events.logged_out, timeout=10_000):
        again.controller.sign_out()
    assert stored(secret_service, server.url, "alice") is None


def test_a_revoked_stored_session_opens_the_login_window_with_the_username_and_a_reason(
    qtbot, server, make_app, secret_service
):
    app, token = alice_stays_signed_in(qtbot, server, make_app, secret_service)
    quit_app(app)

    discovery = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    revoked = requests.post(
        discovery["revocation_endpoint"],
        data={"token": token, "token_type_hint": "refresh_token", "client_id": "desktop-auth"},
        timeout=10,
    )
    assert revoked.ok

    again = make_app("--issuer", server.url, keyring_backend=secret_service, start=False)
    with qtbot.waitSignal(again.events.login_failed, timeout=20_000):
        again.start()
    window = again.login_window
    qtbot.waitUntil(lambda: window.message.startswith("You were signed out"))
    assert window.isVisible()
    assert window.username.text() == "alice"
    assert not again.workspace.isVisible()
    assert stored(secret_service, server.url, "alice") is None


def test_without_the_box_ticked_nothing_is_kept_and_quitting_revokes(
    qtbot, server, make_app, secret_service
):
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    qtbot.waitUntil(app.login_window.stay_signed_in.isEnabled)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *ALICE)
    refresh_token = signed_in.args[0].tokens.refresh_token
    assert stored(secret_service, server.url, "alice") is None

    quit_app(app)
    assert QThreadPool.globalInstance().waitForDone(15_000)
    assert not server.refresh(refresh_token).ok


def test_a_refresh_replaces_the_kept_token_with_the_rotated_one(
    qtbot, server, make_app, secret_service
):
    app, old = alice_stays_signed_in(qtbot, server, make_app, secret_service)

    with qtbot.waitSignal(app.events.session_refreshed, timeout=20_000) as refreshed:
        app.controller.refresh()

    new = refreshed.args[0].tokens.refresh_token
    assert stored(secret_service, server.url, "alice") == new
    assert new != old  # the bundled server rotates refresh tokens
    assert stored(secret_service, server.url, "alice") == new
    assert not server.refresh(old).ok  # spent


def test_unlocking_after_an_expiry_keeps_the_new_refresh_token(
    qtbot, server, make_app, secret_service
):
    app, old = alice_stays_signed_in(qtbot, server, make_app, secret_service)
    assert server.refresh(old).ok  # spent elsewhere (rotation): the app's renewal is refused

    with qtbot.waitSignal(app.events.locked, timeout=20_000):
        app.controller.refresh()
    window = app.login_window
    qtbot.waitUntil(lambda: focused() is window.password)
    qtbot.keyClicks(focused(), ALICE[1])
    with qtbot.waitSignal(app.events.unlocked, timeout=20_000) as unlocked:
        qtbot.keyClick(focused(), Qt.Key_Return)

    assert stored(secret_service, server.url, "alice") == unlocked.args[0].tokens.refresh_token


class BreakableKeyring(KeyringBackend):
    """The real Secret Service until ``broken``; then every call fails as a D-Bus error would
    (the daemon gone mid-session cannot be staged without breaking the shared test keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, real: KeyringBackend) -> None:
        super().__init__()
        self.real = real
        self.broken = False

    def _check(self) -> None:
        if self.broken:
            raise keyring.errors.KeyringError("org.freedesktop.DBus.Error.ServiceUnknown")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return self.real.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        self.real.set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        self.real.delete_password(service, username)


def test_a_keyring_that_fails_mid_session_is_told_and_the_session_goes_on(
    qtbot, server, make_app, secret_service
):
    backend = BreakableKeyring(secret_service)
    app = make_app("--issuer", server.url, keyring_backend=backend)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert stored(secret_service, server.url, "alice") is not None
    backend.broken = True

    with qtbot.waitSignal(app.events.session_refreshed, timeout=20_000):
        app.controller.refresh()  # what the renewal timer does; the rotated token can't be kept

    notice = app.workspace.findChild(QLabel, "notice")
    qtbot.waitUntil(lambda: notice is not None and "could not keep you signed in" in notice.text())
    assert "next time you will sign in again" in notice.text()
    # Also in the status bar, for a user who turned notifications off.
    qtbot.waitUntil(
        lambda: "could not keep you signed in" in app.workspace.statusBar().currentMessage()
    )
    assert app.workspace.isVisible()
    assert app.controller.session is not None
    backend.broken = False
    with qtbot.waitSignal(app.events.logged_out, timeout=10_000):
        app.controller.sign_out()
    assert stored(secret_service, server.url, "alice") is None


def test_the_demo_server_keeps_a_session_across_restarts_though_its_port_changes(
    qtbot, make_app, secret_service, tmp_path
):
    app = make_app(keyring_backend=secret_service)
    qtbot.waitUntil(lambda: app.login_window.issuer_label.text().startswith("Demo server at"))
    first_url = app.issuer
    with qtbot.waitSignal(app.events.login_succeeded, timeout=30_000):
        sign_in_staying(qtbot, app, *DEMO_ALICE)
    assert stored(secret_service, "embedded-server", "alice") is not None
    quit_app(app)

    again = make_app(keyring_backend=secret_service, start=False)
    with qtbot.waitSignal(again.events.login_succeeded, timeout=30_000) as signed_in:
        again.start()

    assert signed_in.args[0].username == "alice"
    assert signed_in.args[0].issuer != first_url  # another port, the same kept session
    qtbot.waitUntil(again.workspace.isVisible)
    restored = logged_events(tmp_path / "data", "session_restored")
    assert [e.username for e in restored] == ["alice"]


# The offscreen platform says so for every pop-up shown (the list of remembered accounts).
POPUP_WARNINGS = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (raise\(\)|grabbing the keyboard|grabbing the mouse)$"
)


def choose_remembered(qtbot, app: DesktopApp, row: int) -> None:
    """From the username field: Down opens the remembered accounts, Down moves, Enter picks."""
    window = app.login_window
    window.username.setFocus(Qt.ShortcutFocusReason)
    qtbot.waitUntil(lambda: focused() is window.username)
    qtbot.keyClick(window.username, Qt.Key_Down)
    qtbot.waitUntil(window.accounts_list.isVisible)
    for _ in range(row):
        qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key_Down)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key_Return)


@POPUP_WARNINGS
def test_the_login_window_switches_between_the_accounts_remembered_for_this_server(
    qtbot, server, make_app
):
    first = make_app("--issuer", server.url)
    for credentials in (ALICE, BOB):
        first.login_window.username.clear()  # after a sign-out it holds the last name
        first.login_window.username.setFocus(Qt.OtherFocusReason)
        with qtbot.waitSignal(first.events.login_succeeded, timeout=20_000):
            sign_in_with_keyboard(qtbot, first, *credentials)
        with qtbot.waitSignal(first.events.logged_out, timeout=10_000):
            first.controller.sign_out()
    quit_app(first)

    again = make_app("--issuer", server.url)
    window = again.login_window
    assert window.username.text() == "bob"
    assert window.remembered_accounts == ("bob", "alice")
    with qtbot.waitSignal(window.account_chosen) as chosen:
        choose_remembered(qtbot, again, row=1)
    assert chosen.args == ["alice"]
    assert window.username.text() == "alice"
    qtbot.waitUntil(lambda: focused() is window.password)
    with qtbot.waitSignal(again.events.login_succeeded, timeout=20_000) as signed_in:
        qtbot.keyClicks(focused(), ALICE[1])
        qtbot.keyClick(focused(), Qt.Key_Return)
    assert signed_in.args[0].username == "alice"


def kept_but_unrestored(qtbot, server, make_app, secret_service) -> DesktopApp:
    """Alice stays signed in and quits; the next start cannot reach the (stopped) server, so
    the app shows the login window with her kept session still in the keyring."""
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    quit_app(app)
    server.served.stop()
    again = make_app("--issuer", server.url, keyring_backend=secret_service, start=False)
    with qtbot.waitSignal(again.events.login_failed, timeout=20_000) as failed:
        again.start()
    assert failed.args[0].kind == "network"
    qtbot.waitUntil(lambda: again.login_window.remembered_accounts == ("alice",))
    return again


@POPUP_WARNINGS
def test_choosing_an_account_that_stays_signed_in_restores_it_without_a_password(
    qtbot, server, make_app, secret_service, tmp_path
):
    again = kept_but_unrestored(qtbot, server, make_app, secret_service)
    window = again.login_window
    assert window.message.startswith("Your saved session could not be restored")
    assert stored(secret_service, server.url, "alice") is not None  # not refused: kept
    server.restart()

    with qtbot.waitSignal(again.events.login_succeeded, timeout=20_000) as signed_in:
        choose_remembered(qtbot, again, row=0)

    assert signed_in.args[0].username == "alice"
    assert window.password.text() == ""
    qtbot.waitUntil(again.workspace.isVisible)
    restored = logged_events(tmp_path / "data", "session_restored")
    assert [e.username for e in restored] == ["alice"]


@POPUP_WARNINGS
def test_forgetting_an_account_removes_it_from_the_settings_and_its_kept_session(
    qtbot, server, make_app, secret_service, tmp_path
):
    again = kept_but_unrestored(qtbot, server, make_app, secret_service)
    window = again.login_window

    window.username.setFocus(Qt.ShortcutFocusReason)
    qtbot.waitUntil(lambda: focused() is window.username)
    qtbot.keyClick(window.username, Qt.Key_Down)
    qtbot.waitUntil(window.accounts_list.isVisible)
    with qtbot.waitSignal(window.forget_account_requested):
        qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key_Delete)

    assert stored(secret_service, server.url, "alice") is None
    saved = json.loads((tmp_path / "data" / "settings.json").read_text())
    assert saved["remembered_usernames"] == {}
    assert window.remembered_accounts == ()


def test_quitting_while_a_renewal_runs_keeps_the_rotated_token_not_the_spent_one(
    qtbot, server, make_app, secret_service
):
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    spent = stored(secret_service, server.url, "alice")

    app.controller.refresh()  # the renewal timer fires...
    quit_app(app)  # ...and the user quits before its result reaches the window

    kept = stored(secret_service, server.url, "alice")
    assert kept is not None
    assert kept != spent
    again = make_app("--issuer", server.url, keyring_backend=secret_service, start=False)
    with qtbot.waitSignal(again.events.login_succeeded, timeout=20_000) as signed_in:
        again.start()
    assert signed_in.args[0].username == "alice"
