"""Fixtures for the public API: DesktopAuth objects against a live server, closed afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from desktop_auth.qt import DesktopAuth

# Live servers come from the server tests' fixtures (tests/server/conftest.py), not copies.
from tests.server.conftest import ALICE, BOB, LiveServer, server, start_server  # noqa: F401


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> str:
    """The data dir DesktopAuth picks by default ($DESKTOP_AUTH_DATA_DIR), here a temporary one."""
    path = tmp_path / "data"
    monkeypatch.setenv("DESKTOP_AUTH_DATA_DIR", str(path))
    return str(path)


@pytest.fixture
def closing(
    qtbot,
    server: LiveServer,  # noqa: F811 - the fixture
    data_dir: str,
) -> Iterator[Callable[[DesktopAuth], DesktopAuth]]:
    """``closing(auth)``: ``auth`` is closed (signed out while the server still runs, log
    closed) and its windows deleted after the test."""
    made: list[DesktopAuth] = []

    def close_later(auth: DesktopAuth) -> DesktopAuth:
        made.append(auth)
        return auth

    yield close_later
    for auth in made:
        auth.close()
        if auth.main_window is not None:
            auth.main_window.close()
            auth.main_window.deleteLater()
        auth.login_window.deleteLater()
        auth.deleteLater()
    QApplication.processEvents()


def sign_in_by_keyboard(qtbot, auth: DesktopAuth, account: tuple[str, str]) -> None:
    """What a user does in the shown login window: username, Tab, password, Enter."""
    window = auth.login_window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClicks(window.username, account[0])
    qtbot.keyClick(window.username, Qt.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), account[1])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
