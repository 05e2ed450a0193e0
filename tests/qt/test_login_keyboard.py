"""The login window's keyboard contract: focus, Tab order, mnemonics, Enter, Caps Lock."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QLineEdit

from desktop_auth.errors import AuthFailure
from desktop_auth.qt.controller import AuthController
from tests.qt.conftest import focused_name, no_server


def press(key, modifier=Qt.NoModifier, qtbot=None):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def test_focus_starts_in_the_username_field(qtbot, offline_window):
    qtbot.waitUntil(lambda: focused_name() == "username")


def test_focus_starts_in_the_password_when_the_last_username_is_known(qtbot, show_login_window):
    window = show_login_window(AuthController(no_server), last_username="alice")

    qtbot.waitUntil(lambda: focused_name() == "password")
    assert window.username.text() == "alice"


def test_tab_goes_username_password_show_password_stay_signed_in_sign_in_and_around(
    qtbot, offline_window
):
    qtbot.waitUntil(lambda: focused_name() == "username")
    seen = []
    for _ in range(7):
        press(Qt.Key_Tab, qtbot=qtbot)
        seen.append(focused_name())
    assert seen == [
        "password",
        "showPassword",
        "staySignedIn",
        "signInButton",
        "browserButton",
        "deviceButton",
        "username",
    ]

    press(Qt.Key_Backtab, Qt.ShiftModifier, qtbot=qtbot)
    assert focused_name() == "deviceButton"


def test_alt_mnemonics_reach_every_field_and_button(qtbot, offline_window):
    window = offline_window
    assert window.username_label.text() == "&Username"
    assert window.password_label.text() == "&Password"
    assert window.sign_in_button.text() == "&Sign in"
    assert "&" in window.show_password.text()

    press(Qt.Key_P, Qt.AltModifier, qtbot=qtbot)
    assert focused_name() == "password"
    press(Qt.Key_U, Qt.AltModifier, qtbot=qtbot)
    assert focused_name() == "username"

    # A button's mnemonic "clicks" it with a short animation, hence the waits.
    press(Qt.Key_W, Qt.AltModifier, qtbot=qtbot)
    qtbot.waitUntil(window.show_password.isChecked)
    assert window.password.echoMode() == QLineEdit.Normal
    press(Qt.Key_W, Qt.AltModifier, qtbot=qtbot)
    qtbot.waitUntil(lambda: window.password.echoMode() == QLineEdit.Password)

    assert window.stay_signed_in.text() == "Stay si&gned in"
    press(Qt.Key_G, Qt.AltModifier, qtbot=qtbot)
    qtbot.waitUntil(window.stay_signed_in.isChecked)
    press(Qt.Key_G, Qt.AltModifier, qtbot=qtbot)
    qtbot.waitUntil(lambda: not window.stay_signed_in.isChecked())

    # Alt+S signs in; with nothing typed that means being asked for the username.
    press(Qt.Key_S, Qt.AltModifier, qtbot=qtbot)
    qtbot.waitUntil(lambda: window.message == "Enter your username.")
    assert focused_name() == "username"


def test_enter_submits_from_every_field(qtbot, offline_window):
    window = offline_window
    requests = []
    window.sign_in_requested.connect(lambda user, password: requests.append(user))
    window.sign_in_requested.disconnect(window.controller.sign_in)
    qtbot.keyClicks(window.username, "alice")
    qtbot.keyClick(window.username, Qt.Key_Tab)
    qtbot.keyClicks(window.password, "secret words")

    for name in ("username", "password", "showPassword", "signInButton"):
        getattr(
            window,
            {"showPassword": "show_password", "signInButton": "sign_in_button"}.get(name, name),
        ).setFocus()
        qtbot.waitUntil(lambda name=name: focused_name() == name)
        press(Qt.Key_Return, qtbot=qtbot)
    press(Qt.Key_Enter, Qt.KeypadModifier, qtbot=qtbot)

    assert requests == ["alice"] * 5


def test_an_empty_password_is_asked_for_and_nothing_is_sent(qtbot, offline_window):
    window = offline_window
    qtbot.keyClicks(window.username, "alice")

    with qtbot.assertNotEmitted(window.controller.events.login_started):
        press(Qt.Key_Return, qtbot=qtbot)

    assert window.message == "Enter your password."
    assert focused_name() == "password"


def test_caps_lock_warning_follows_the_case_of_typed_letters(qtbot, offline_window):
    window = offline_window
    window.password.setFocus()
    qtbot.waitUntil(lambda: focused_name() == "password")

    qtbot.keyClicks(window.password, "A")  # upper case without Shift
    assert window.caps_lock_warning.isVisible()
    assert window.caps_lock_warning.text() == "Caps Lock is on."

    qtbot.keyClick(
        window.password,
        Qt.Key_B,
        Qt.ShiftModifier,
    )
    qtbot.keyClicks(window.password, "b")
    assert not window.caps_lock_warning.isVisible()

    qtbot.keyClicks(window.password, "1")  # a digit says nothing either way
    assert not window.caps_lock_warning.isVisible()


def test_while_signing_in_fields_are_disabled_busy_shows_and_enter_sends_nothing(
    qtbot, offline_window
):
    window = offline_window
    events = window.controller.events
    qtbot.keyClicks(window.username, "alice")
    events.login_started.emit("alice")

    assert window.busy
    assert window.busy_indicator.isVisible()
    for widget in (window.username, window.password, window.show_password, window.sign_in_button):
        assert not widget.isEnabled()
    with qtbot.assertNotEmitted(window.sign_in_requested):
        qtbot.keyClick(window, Qt.Key_Return)
        window.submit()

    events.login_failed.emit(AuthFailure("credentials", "The username or password is wrong."))
    assert not window.busy
    assert not window.busy_indicator.isVisible()
    assert window.sign_in_button.isEnabled()


def test_a_failure_is_shown_for_screen_readers_keeps_the_username_and_clears_the_password(
    qtbot, offline_window
):
    window = offline_window
    qtbot.keyClicks(window.username, "alice")
    qtbot.keyClick(window.username, Qt.Key_Tab)
    qtbot.keyClicks(window.password, "wrong words")
    window.controller.events.login_started.emit("alice")

    window.controller.events.login_failed.emit(
        AuthFailure("credentials", "The username or password is wrong.")
    )

    assert window.message_label.isVisible()
    assert window.message_label.text() == "The username or password is wrong."
    assert window.message_label.accessibleDescription() == "The username or password is wrong."
    assert window.username.text() == "alice"
    assert window.password.text() == ""
    qtbot.waitUntil(lambda: focused_name() == "password")


def test_throttled_says_when_to_retry_and_the_button_waits_until_then(qtbot, offline_window):
    window = offline_window
    qtbot.keyClicks(window.username, "alice")
    window.controller.events.login_started.emit("alice")

    window.controller.events.login_failed.emit(
        AuthFailure("throttled", "Too many attempts.", retry_after=2)
    )

    assert window.message == "Too many sign-in attempts. Try again in 2 seconds."
    assert not window.sign_in_button.isEnabled()
    qtbot.keyClicks(window.password, "another try")
    with qtbot.assertNotEmitted(window.sign_in_requested):
        press(Qt.Key_Return, qtbot=qtbot)
    qtbot.waitUntil(lambda: "1 second." in window.message, timeout=1500)
    qtbot.waitUntil(window.sign_in_button.isEnabled, timeout=2500)
    assert window.message == "You can try signing in again."


def test_without_x11_the_platform_cannot_tell_and_typed_letters_decide(qapp):
    from desktop_auth.qt.caps_lock import caps_lock_on

    assert qapp.platformName() == "offscreen"
    assert caps_lock_on() is None
