"""The README's minimal example: sign in by keyboard, and the gated button follows the roles."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QPushButton

from examples.minimal_app import build
from tests.server.conftest import ALICE, BOB, LiveServer


@pytest.mark.parametrize(("account", "can_save"), [(ALICE, True), (BOB, False)])
def test_example_app_gates_save_on_documents_write(
    qtbot, server: LiveServer, account: tuple[str, str], can_save: bool
) -> None:
    login, editor = build(server.url)
    qtbot.addWidget(login)
    qtbot.addWidget(editor)
    login.show()
    qtbot.waitUntil(login.isActiveWindow)
    qtbot.keyClicks(login.username, account[0])
    qtbot.keyClick(login.username, Qt.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), account[1])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
    qtbot.waitUntil(editor.isVisible, timeout=15000)
    save = editor.findChild(QPushButton, "saveButton")
    assert save.isEnabled() is can_save
    if not can_save:
        assert "documents.write" in save.toolTip()
    login.controller.sign_out()
    qtbot.waitUntil(lambda: not login.controller.signing_in)
