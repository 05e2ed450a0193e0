"""Signing in through the system browser or on another device, from the login window by
keyboard: the same workspace, events and activity log as a password sign-in."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PyQt5.QtCore import Qt

from desktop_auth.app.application import DesktopApp
from tests.app.conftest import focused
from tests.app.test_sign_in import logged_events
from tests.http_browser import BrowserRobot, HttpBrowser, alice_signs_in
from tests.server.conftest import ALICE, LiveServer


def start_at_username(qtbot, app: DesktopApp) -> None:
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: focused() is window.username)


def test_alt_b_signs_in_through_the_browser_and_opens_the_workspace(
    qtbot, server, make_app, system_browser, tmp_path
):
    robot = BrowserRobot(alice_signs_in)
    system_browser.robot = robot
    app = make_app("--issuer", server.url)
    start_at_username(qtbot, app)

    with qtbot.waitSignal(app.events.login_succeeded, timeout=30_000) as signed_in:
        qtbot.keyClick(focused(), Qt.Key_B, Qt.AltModifier)

    page = robot.finish()
    assert page is not None
    assert "Signed in" in page.text
    assert signed_in.args[0].username == "alice"
    assert signed_in.args[0].method == "browser"
    qtbot.waitUntil(app.workspace.isActiveWindow)  # back in front
    assert not app.login_window.browser_link.isVisible()
    entries = logged_events(tmp_path / "data", "login_succeeded")
    assert [(e.username, e.detail["method"]) for e in entries] == [("alice", "browser")]


def test_esc_stops_waiting_for_the_browser(qtbot, server, make_app, system_browser):
    app = make_app("--issuer", server.url)
    window = app.login_window
    start_at_username(qtbot, app)

    qtbot.keyClick(focused(), Qt.Key_B, Qt.AltModifier)
    qtbot.waitUntil(window.browser_link.isVisible, timeout=20_000)
    assert window.browser_link.text() == system_browser.opened[0]
    assert window.busy
    with qtbot.waitSignal(app.events.login_failed) as failed:
        qtbot.keyClick(focused() or window, Qt.Key_Escape)

    assert failed.args[0].kind == "cancelled"
    assert not window.busy
    assert not window.browser_link.isVisible()
    assert window.browser_button.isEnabled()


@pytest.fixture
def device_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    live = start_server(device_poll_interval=1)
    live.add_user(*ALICE, roles=("admin",))
    return live


def approve_on_phone(url: str, code: str, errors: list[BaseException]) -> None:
    """What alice does on her phone: open the address, type the code, sign in, approve."""
    browser = HttpBrowser()
    try:
        page = browser.open(url)
        confirm = browser.submit(page, user_code=code, action="continue")
        browser.submit(confirm, username=ALICE[0], password=ALICE[1], action="approve")
    except BaseException as exc:  # reported by the test's thread
        errors.append(exc)
    finally:
        browser.close()


def test_alt_d_shows_a_code_and_qr_code_and_approving_it_elsewhere_signs_in(
    qtbot, device_server, make_app
):
    app = make_app("--issuer", device_server.url)
    window = app.login_window
    start_at_username(qtbot, app)

    qtbot.keyClick(focused(), Qt.Key_D, Qt.AltModifier)
    panel = window.device_panel
    qtbot.waitUntil(panel.isVisible, timeout=20_000)
    assert len(panel.code.replace("-", "")) == 8
    assert panel.url_label.text().startswith(device_server.url)
    assert not panel.qr_label.pixmap().isNull()
    assert "other device" in window.message
    errors: list[BaseException] = []
    phone = threading.Thread(
        target=approve_on_phone, args=(panel.url_label.text(), panel.code, errors)
    )
    with qtbot.waitSignal(app.events.login_succeeded, timeout=30_000) as signed_in:
        phone.start()
    phone.join(30)

    assert errors == []
    assert signed_in.args[0].username == "alice"
    assert signed_in.args[0].method == "device"
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert not panel.isVisible()
