"""'Stay signed in': the refresh token in the OS keyring, restored at the next start."""

from __future__ import annotations

import requests
from keyring.backends import fail
from PyQt5.QtCore import Qt, QThreadPool

from desktop_auth.app.application import DesktopApp
from desktop_auth.secrets import TokenStore
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.app.test_sign_in import logged_events
from tests.server.conftest import ALICE


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
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    token = stored(secret_service, server.url, "alice")
    assert token is not None
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
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    old = stored(secret_service, server.url, "alice")
    assert old is not None

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
    app = make_app("--issuer", server.url, keyring_backend=secret_service)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_staying(qtbot, app, *ALICE)
    old = stored(secret_service, server.url, "alice")
    assert old is not None
    assert server.refresh(old).ok  # spent elsewhere (rotation): the app's renewal is refused

    with qtbot.waitSignal(app.events.locked, timeout=20_000):
        app.controller.refresh()
    window = app.login_window
    qtbot.waitUntil(lambda: focused() is window.password)
    qtbot.keyClicks(focused(), ALICE[1])
    with qtbot.waitSignal(app.events.unlocked, timeout=20_000) as unlocked:
        qtbot.keyClick(focused(), Qt.Key_Return)

    assert stored(secret_service, server.url, "alice") == unlocked.args[0].tokens.refresh_token
