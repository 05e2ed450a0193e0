"""examples/every_signal.py: the app's own slots hear every AuthEvents signal, in order."""

from __future__ import annotations

import re
from pathlib import Path

from PyQt5.QtCore import Qt, pyqtBoundSignal

from desktop_auth.qt import AuthEvents
from examples.every_signal import build, log, write_log_to
from tests.api.conftest import sign_in_by_keyboard
from tests.server.conftest import ALICE, LiveServer

SIGN_IN_MS = 15_000


def signal_names() -> set[str]:
    """Every signal of the contract (DESIGN.md): the example must have a slot for each."""
    events = AuthEvents()
    names = {name for name in dir(AuthEvents) if isinstance(getattr(events, name), pyqtBoundSignal)}
    events.deleteLater()
    return names - {"destroyed", "objectNameChanged"}


def logged(path: Path) -> list[str]:
    """The signal name of each line the example wrote, in order."""
    return [re.split(r"\s+", line, maxsplit=3)[2] for line in path.read_text().splitlines()]


def type_password_and_enter(qtbot, window, password: str) -> None:
    qtbot.waitUntil(lambda: window.isActiveWindow() and window.password.hasFocus())
    qtbot.keyClicks(window.password, password)
    qtbot.keyClick(window.password, Qt.Key_Return)


def test_every_signal_reaches_the_apps_own_slots_and_its_log_file_in_order(
    qtbot, server: LiveServer, closing, tmp_path: Path
) -> None:
    log_file = tmp_path / "signals.log"
    handler = write_log_to(str(log_file))
    try:
        auth, _slots = build(server.url)
        closing(auth)
        main, login = auth.main_window, auth.login_window
        auth.show_login()

        # A wrong password, then the right one.
        sign_in_by_keyboard(qtbot, auth, (ALICE[0], "not the password"))
        qtbot.waitUntil(lambda: "login_failed" in log_file.read_text(), timeout=SIGN_IN_MS)
        type_password_and_enter(qtbot, login, ALICE[1])
        qtbot.waitUntil(main.isActiveWindow, timeout=SIGN_IN_MS)

        with qtbot.waitSignal(auth.events.session_refreshed, timeout=SIGN_IN_MS):
            auth.controller.refresh()

        qtbot.keyClick(main, Qt.Key_L, Qt.ControlModifier)  # Lock
        type_password_and_enter(qtbot, login, ALICE[1])
        qtbot.waitUntil(main.isActiveWindow, timeout=SIGN_IN_MS)

        # The refresh token spent elsewhere: the server ends the session, which locks.
        refresh_token = auth.session.tokens.refresh_token
        assert server.refresh(refresh_token).status_code == 200
        assert server.refresh(refresh_token).status_code == 400
        with qtbot.waitSignal(auth.events.session_expired, timeout=SIGN_IN_MS):
            auth.controller.refresh()
        type_password_and_enter(qtbot, login, ALICE[1])
        qtbot.waitUntil(main.isActiveWindow, timeout=SIGN_IN_MS)

        qtbot.keyClick(main, Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)  # Sign out
        qtbot.waitUntil(login.isActiveWindow)
    finally:
        log.removeHandler(handler)
        handler.close()

    lines = logged(log_file)
    assert lines == [
        "login_started",
        "login_failed",
        "login_started",
        "login_succeeded",
        "permissions_changed",
        "session_refreshed",
        "permissions_changed",
        "locked",
        "login_started",
        "unlocked",
        "permissions_changed",
        "session_expired",
        "locked",
        "login_started",
        "unlocked",
        "permissions_changed",
        "logged_out",
        "permissions_changed",
    ]
    assert set(lines) == signal_names()
    text = log_file.read_text()
    assert "login_succeeded alice roles=admin,editor" in text
    assert ALICE[1] not in text
    assert login.password.hasFocus()  # signed out: ready for the next sign-in
