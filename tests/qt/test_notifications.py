"""Notifier: without a system tray, a notice in the window that never takes the focus."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel, QLineEdit, QMainWindow, QSystemTrayIcon

from desktop_auth.qt.notifications import Notifier


@pytest.fixture
def window(qtbot):
    window = QMainWindow()
    window.field = QLineEdit()
    window.setCentralWidget(window.field)
    window.resize(500, 300)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.field.setFocus()
    qtbot.waitUntil(window.field.hasFocus)
    return window


def test_offscreen_has_no_tray_so_the_notifier_uses_the_window(qapp):
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    assert not Notifier().uses_tray


def test_notice_shows_in_the_window_without_taking_focus_and_hides_itself(qtbot, window):
    notifier = Notifier(window)
    qtbot.keyClicks(window.field, "ab")

    notifier.notify("Signed in", "Welcome, Alice.", 300)

    notice = window.findChild(QLabel, "notice")
    assert notice is not None
    assert notice.isVisible()
    assert "Signed in" in notice.text()
    assert "Welcome, Alice." in notice.text()
    assert notice.focusPolicy() == Qt.NoFocus
    assert window.field.hasFocus()
    qtbot.keyClicks(window.field, "c")
    assert window.field.text() == "abc"
    assert notice.geometry().bottom() < window.height()

    qtbot.waitUntil(lambda: not notice.isVisible(), timeout=3000)
    assert window.field.hasFocus()


def test_a_second_notification_reuses_the_notice(qtbot, window):
    notifier = Notifier(window)
    notifier.notify("First", "", 1000)
    notifier.notify("Second", "", 1000)

    notices = window.findChildren(QLabel, "notice")
    assert len(notices) == 1
    assert "Second" in notices[0].text()


def test_a_notice_shows_markup_from_a_server_as_text(qtbot, window):
    notifier = Notifier(window)

    notifier.notify("Sign-in failed", "<b>bold</b> & <i>odd</i>", 1000)

    notice = window.findChild(QLabel, "notice")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;odd&lt;/i&gt;" in notice.text()
