"""Fixtures for the reference app: DesktopApp instances on a temporary data dir, cleaned up."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from desktop_auth.app.application import DesktopApp
from desktop_auth.app.main import build_parser
from desktop_auth.demo_api.serve import ServedAPI
from desktop_auth.secrets import TokenStore

# Live servers come from the server tests' fixtures (tests/server/conftest.py), not copies;
# the user interface's language from the Qt layer's (tests/qt/conftest.py).
from tests.qt.conftest import stopped_server_url, use_language  # noqa: F401
from tests.server.conftest import server, start_server  # noqa: F401


@pytest.fixture
def demo_api(server, tmp_path) -> Iterator[ServedAPI]:  # noqa: F811 - the fixture imported above
    """The example API on 127.0.0.1 trusting ``server`` (alice admin and editor, bob viewer),
    with the bundled policy and its documents in ``tmp_path/api``."""
    api = ServedAPI(server.url, tmp_path / "api").start()
    yield api
    api.stop()


@pytest.fixture
def make_app(qtbot, tmp_path) -> Iterator[Callable[..., DesktopApp]]:
    """``make_app(*options)`` builds and starts the app on ``tmp_path/data`` with its windows
    shown; every app made is quit and shut down (server stopped, log closed) afterwards."""
    made: list[DesktopApp] = []

    def make(
        *args: str, start: bool = True, keyring_backend: KeyringBackend | None = None
    ) -> DesktopApp:
        options = build_parser().parse_args(["--data-dir", str(tmp_path / "data"), *args])
        # keyring's fail backend unless a test passes the real one (the `secret_service`
        # fixture): the default would reach for the Secret Service on the test bus, and D-Bus
        # activation could start a keyring daemon in the real home directory.
        store = TokenStore(keyring_backend if keyring_backend is not None else fail.Keyring())
        app = DesktopApp(options, token_store=store)
        made.append(app)
        if start:
            app.start()
            qtbot.waitUntil(app.login_window.isActiveWindow)
        return app

    yield make
    for app in made:
        app.quit()
        app.shutdown()
        app.login_window.deleteLater()
        if app.has_workspace:  # not built after the event: that would reopen the log
            app.workspace.deleteLater()
    QApplication.processEvents()


def focused():
    return QApplication.focusWidget()


def sign_in_with_keyboard(qtbot, app: DesktopApp, username: str, password: str) -> None:
    """What a user does: username, Tab, password, Enter (no mouse, no setText)."""
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: focused() is window.username)
    qtbot.keyClicks(focused(), username)
    qtbot.keyClick(focused(), Qt.Key_Tab)
    assert focused() is window.password
    qtbot.keyClicks(focused(), password)
    qtbot.keyClick(focused(), Qt.Key_Return)
