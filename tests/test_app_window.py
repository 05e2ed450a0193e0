"""The placeholder sign-in window of the reference app."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtWidgets import QApplication, QPushButton

from desktop_auth.app import main as app_main
from desktop_auth.app.placeholder_window import PlaceholderWindow


@pytest.fixture
def window(qtbot):
    window = PlaceholderWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_window_shows_with_sign_in_title_and_explains_sign_in_is_not_there_yet(window):
    assert window.isVisible()
    assert window.objectName() == "loginWindow"
    assert window.windowTitle() == "desktop-auth \N{EM DASH} Sign in"
    assert "sign-in arrives with the desktop client" in window.message.text().lower()
    assert window.message.isVisible()


def test_quit_is_enabled_and_alt_q_closes_the_window(qtbot, window):
    quit_button = window.findChild(QPushButton, "quitButton")
    assert quit_button is not None
    assert quit_button.isVisible()
    assert quit_button.isEnabled()
    assert quit_button.text() == "&Quit"

    qtbot.keyClick(window, Qt.Key_Q, Qt.AltModifier)

    qtbot.waitUntil(lambda: not window.isVisible())


def test_quit_by_keyboard_focus_and_space_closes_the_window(qtbot, window):
    quit_button = window.findChild(QPushButton, "quitButton")
    quit_button.setFocus()
    qtbot.waitUntil(quit_button.hasFocus)

    qtbot.keyClick(quit_button, Qt.Key_Space)

    qtbot.waitUntil(lambda: not window.isVisible())


def test_main_shows_the_window_and_returns_zero_when_it_is_quit(qtbot, monkeypatch):
    app = QApplication.instance()
    # main() would rename the shared test QApplication; keep the name for later tests.
    monkeypatch.setattr(app, "setApplicationName", lambda name: None)
    seen = []

    def quit_the_window():
        windows = [w for w in app.topLevelWidgets() if w.objectName() == "loginWindow"]
        seen.extend(w.windowTitle() for w in windows if w.isVisible())
        for w in windows:
            qtbot.addWidget(w)
            w.findChild(QPushButton, "quitButton").click()

    QTimer.singleShot(0, quit_the_window)

    assert app_main.main(["--issuer", "https://id.example.com", "--client-id", "app"]) == 0
    assert seen == ["desktop-auth \N{EM DASH} Sign in"]
