"""The README's minimal example: sign in by keyboard, and the gated button follows the roles."""

from __future__ import annotations

import pytest
from PyQt5.QtWidgets import QPushButton

from examples.minimal_app import build
from tests.api.conftest import closing, data_dir, sign_in_by_keyboard  # noqa: F401 - fixtures
from tests.server.conftest import ALICE, BOB, LiveServer


@pytest.mark.parametrize(("account", "can_save"), [(ALICE, True), (BOB, False)])
def test_example_app_gates_save_on_documents_write(
    qtbot,
    server: LiveServer,
    closing,  # noqa: F811 - the fixture
    account: tuple[str, str],
    can_save: bool,
) -> None:
    auth = closing(build(server.url))
    editor = auth.main_window
    save = editor.findChild(QPushButton, "saveButton")
    assert not editor.isVisible()
    assert not save.isEnabled()  # nothing is allowed before sign-in

    auth.show_login()
    sign_in_by_keyboard(qtbot, auth, account)

    qtbot.waitUntil(editor.isVisible, timeout=15000)
    assert not auth.login_window.isVisible()
    assert save.isEnabled() is can_save
    if not can_save:
        assert "documents.write" in save.toolTip()
