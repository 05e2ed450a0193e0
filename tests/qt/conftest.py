"""Fixtures for the Qt layer: login windows shown and active, ready for keyboard input."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PyQt5.QtCore import QThreadPool
from PyQt5.QtWidgets import QApplication

from desktop_auth.errors import NetworkError
from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.login_window import LoginWindow

# Live servers come from the server tests' fixtures (tests/server/conftest.py), not copies.
from tests.server.conftest import server, start_server  # noqa: F401


def no_server():
    """A client factory for windows that never sign in: it says there is no server."""
    raise NetworkError("This test has no identity server.")


def focused_name() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


@pytest.fixture
def show_login_window(qtbot) -> Callable[..., LoginWindow]:
    """Show a LoginWindow for ``controller``, active, so key presses go where a user's would."""

    def show(controller: AuthController, **kw) -> LoginWindow:
        window = LoginWindow(controller, **kw)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    return show


@pytest.fixture
def use_language(qapp) -> Iterator[Callable[[str], None]]:
    """``use_language(code)`` speaks that language from then on, as ``--lang`` does (windows
    built afterwards show it). Qt's translators are process-wide: they are removed when the
    test ends, so that the tests after it are English again."""
    from desktop_auth.qt.translation import install_language

    installed = []
    yield lambda language: installed.append(install_language(language))
    for language in reversed(installed):
        language.remove()


@pytest.fixture
def offline_window(show_login_window) -> LoginWindow:
    return show_login_window(AuthController(no_server))


@pytest.fixture
def make_client():
    """``make_client(url)``: the real protocol client for a live server."""
    from desktop_auth.oidc import ClientConfig, OIDCClient
    from desktop_auth.permissions import PermissionPolicy

    def make(url: str, **config) -> OIDCClient:
        return OIDCClient(ClientConfig(issuer=url, **config), PermissionPolicy.default())

    return make


@pytest.fixture
def controller(server, make_client) -> Iterator[AuthController]:  # noqa: F811 - the fixture
    """A controller for a live server with alice (admin, editor) and bob (viewer); afterwards
    its renewal timer is stopped and its session revoked while the server still runs."""
    controller = AuthController(make_client(server.url))
    yield controller
    controller.shutdown()
    assert QThreadPool.globalInstance().waitForDone(10_000)


@pytest.fixture
def stopped_server_url(tmp_path_factory) -> str:
    """The URL of a bundled server that was serving and has been stopped."""
    from desktop_auth.server.cli import main as server_cli
    from desktop_auth.server.config import load_config
    from desktop_auth.server.serve import ServedApp

    directory = tmp_path_factory.mktemp("stopped-server")
    assert server_cli(["--data-dir", str(directory), "init"]) == 0
    served = ServedApp(load_config(directory)).start()
    url = served.url
    served.stop()
    return url
