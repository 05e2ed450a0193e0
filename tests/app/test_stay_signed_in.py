"""'Stay signed in': the refresh token in the OS keyring, restored at the next start."""

from __future__ import annotations

from keyring.backends import fail


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
