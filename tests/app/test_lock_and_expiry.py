"""The session ends or locks while the user works: nothing they did is lost, nothing is exposed."""

from __future__ import annotations

import json

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QLabel

from desktop_auth.server.models import User
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.app.test_sign_in import logged_events
from tests.server.conftest import ALICE, BOB


def start_work(qtbot, app) -> None:
    """What a user has open when the session ends: text typed in the editor, the fourth
    document selected (three rows down), the Reports tab open."""
    workspace = app.workspace
    qtbot.waitUntil(workspace.isActiveWindow)
    workspace.document_editor.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: focused() is workspace.document_editor)
    qtbot.keyClicks(focused(), "Draft: numbers for Q4")
    workspace.documents_table.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: focused() is workspace.documents_table)
    for _ in range(3):
        qtbot.keyClick(focused(), Qt.Key_Down)
    assert [i.row() for i in workspace.documents_table.selectionModel().selectedRows()] == [3]
    qtbot.keyClick(focused(), Qt.Key_R, Qt.AltModifier)  # the "&Reports" tab
    assert workspace.tabs.currentWidget() is workspace.reports_page


def assert_work_kept(app) -> None:
    workspace = app.workspace
    assert workspace.tabs.currentWidget() is workspace.reports_page
    assert workspace.document_editor.toPlainText() == "Draft: numbers for Q4"
    selected = workspace.documents_table.selectionModel().selectedRows()
    assert [index.row() for index in selected] == [3]


def unlock_with_password(qtbot, app, password: str) -> None:
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: focused() is window.password)
    qtbot.keyClicks(focused(), password)
    qtbot.keyClick(focused(), Qt.Key_Return)


def reachable(widget) -> bool:
    """Whether a user could get at ``widget``: Qt tells screen readers that a hidden widget is
    invisible and a disabled one unavailable, and gives neither keyboard focus."""
    return widget.isVisible() and widget.isEnabled()


def test_an_expiry_while_typing_locks_and_the_password_brings_back_the_same_work(
    qtbot, start_server, make_app, tmp_path
):
    live = start_server(access_token_lifetime=6)
    live.add_user(*ALICE, roles=("admin",))
    app = make_app("--issuer", live.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *ALICE)
    start_work(qtbot, app)
    # Someone used the refresh token elsewhere: the server revokes its whole family, so the
    # app's own renewal (its timer, at 80% of the 6 s) is refused.
    refresh_token = signed_in.args[0].tokens.refresh_token
    assert live.refresh(refresh_token).ok
    assert live.refresh(refresh_token).status_code == 400

    with qtbot.waitSignals([app.events.session_expired, app.events.locked], timeout=20_000):
        pass

    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    assert not app.workspace.isVisible()
    assert window.username.text() == "alice"
    assert window.username.isReadOnly()  # only the password is asked for
    notice = window.findChild(QLabel, "notice")
    assert notice is not None
    assert "Session expired" in notice.text()
    with qtbot.waitSignal(app.events.unlocked, timeout=20_000):
        unlock_with_password(qtbot, app, ALICE[1])

    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert_work_kept(app)
    locked = logged_events(tmp_path / "data", "locked")
    assert [(e.username, e.detail) for e in locked] == [("alice", {"reason": "expired"})]


def test_another_account_cannot_unlock_and_sign_out_is_offered(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *ALICE)
    start_work(qtbot, app)
    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused(), Qt.Key_L, Qt.ControlModifier)
    # Meanwhile the server's admins recreated "alice": same name and password, another account.
    with server.state.db.session() as session:
        old = session.query(User).filter_by(username="alice").one()
        old.username, old.username_key = "alice-departed", "alice-departed"
    server.add_user(*ALICE, roles=("viewer",))

    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as failed:
        unlock_with_password(qtbot, app, ALICE[1])

    assert failed.args[0].kind == "credentials"
    window = app.login_window
    assert "alice" in window.message
    assert window.switch_user_button.isVisible()  # "Sign in as another user" signs alice out
    assert window.username.isReadOnly()
    assert app.controller.is_locked
    assert app.controller.session.subject == signed_in.args[0].subject
    assert not app.workspace.isVisible()
    assert_work_kept(app)


def test_idle_locks_after_the_minutes_in_the_settings_and_hides_the_workspace(
    qtbot, server, make_app, tmp_path
):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "settings.json").write_text(json.dumps({"idle_lock_minutes": 0.03}))  # 1.8 s
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert reachable(app.workspace.document_editor)
    created = []
    app.workspace.new_action.triggered.connect(lambda: created.append(True))

    with qtbot.waitSignal(app.events.locked, timeout=10_000):
        pass  # no input at all

    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    assert not app.workspace.isVisible()
    # The workspace's gated parts are out of reach: no shortcut, no focus, no screen reader.
    qtbot.keyClick(focused() or window, Qt.Key_N, Qt.ControlModifier)
    assert created == []
    assert not app.workspace.isAncestorOf(QApplication.focusWidget())
    for widget in (app.workspace.document_editor, app.workspace.admin_page, app.workspace.tabs):
        assert not reachable(widget)
    locked = logged_events(data, "locked")
    assert [(e.username, e.detail) for e in locked] == [("alice", {"reason": "idle"})]

    with qtbot.waitSignal(app.events.unlocked, timeout=20_000):
        unlock_with_password(qtbot, app, ALICE[1])
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert app.idle_watcher.watching  # and it watches again
    assert [e.username for e in logged_events(data, "unlocked")] == ["alice"]


def test_idle_lock_0_never_locks(qtbot, server, make_app, tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "settings.json").write_text(json.dumps({"idle_lock_minutes": 0}))
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *BOB)

    assert not app.idle_watcher.watching
    with qtbot.assertNotEmitted(app.events.locked, wait=1_000):
        pass


def test_signing_out_with_the_server_down_completes_here_and_says_the_server_was_not_told(
    qtbot, server, make_app, tmp_path
):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *BOB)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    server.served.stop()

    with qtbot.waitSignal(app.events.logged_out, timeout=5_000):
        qtbot.keyClick(focused(), Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)

    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    assert app.controller.session is None
    qtbot.waitUntil(lambda: "could not be told" in window.message, timeout=20_000)
    assert "signed out on this computer" in window.message
    assert window.password.text() == ""
    entries = logged_events(tmp_path / "data", "logged_out")
    assert [(e.username, e.detail["reason"]) for e in entries] == [("bob", "user")]
