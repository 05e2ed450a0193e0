"""The reference app driven by the keyboard alone against a live server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import Qt, QThreadPool
from PyQt5.QtWidgets import QLabel, QWidget

from desktop_auth.activity_log import ActivityLog
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.server.conftest import ALICE, BOB

GATED_TABS = ("documentsPage", "reportsPage", "adminPage", "activityPage")


def tab_enabled(app, name):
    tabs = app.workspace.tabs
    page = app.workspace.findChild(type(app.workspace.documents_page), name)
    return tabs.isTabEnabled(tabs.indexOf(page))


def tab_tooltip(app, name):
    tabs = app.workspace.tabs
    page = app.workspace.findChild(type(app.workspace.documents_page), name)
    return tabs.tabToolTip(tabs.indexOf(page))


def logged_events(data_dir: Path, event: str):
    assert QThreadPool.globalInstance().waitForDone(15_000)
    with ActivityLog.in_data_dir(data_dir) as log:
        return log.query(event=event)


def log_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in data_dir.glob("activity.sqlite3*"))


def test_alice_signs_in_with_the_keyboard_and_sees_every_gated_widget(
    qtbot, server, make_app, tmp_path
):
    app = make_app("--issuer", server.url)

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *ALICE)

    session = signed_in.args[0]
    assert session.username == "alice"
    assert session.issuer == server.url
    assert session.display_name == "Alice"
    assert {"admin", "editor"} <= session.roles
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert not app.login_window.isVisible()
    assert all(tab_enabled(app, name) for name in GATED_TABS)
    assert all(action.isEnabled() for action in app.workspace.edit_actions)
    assert app.workspace.status_message == "Signed in as Alice (admin, editor)"
    entries = logged_events(tmp_path / "data", "login_succeeded")
    assert [(e.username, e.issuer) for e in entries] == [("alice", server.url)]


def test_bob_sees_only_documents_and_the_rest_says_what_it_requires(qtbot, server, make_app):
    app = make_app("--issuer", server.url)

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *BOB)

    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert tab_enabled(app, "documentsPage")
    for name, permission in (
        ("reportsPage", "reports.view"),
        ("adminPage", "users.manage"),
        ("activityPage", "activity.view"),
    ):
        assert not tab_enabled(app, name)
        assert tab_tooltip(app, name) == f"Requires permission: {permission}"
    for action in app.workspace.edit_actions:
        assert not action.isEnabled()
        assert action.toolTip() == "Requires permission: documents.write"
    assert app.workspace.status_message == "Signed in as bob (viewer)"


def test_wrong_password_is_shown_logged_and_the_secret_is_nowhere_in_the_log(
    qtbot, server, make_app, tmp_path
):
    app = make_app("--issuer", server.url)
    window = app.login_window
    wrong = "Wrong-Horse-Battery-9317"

    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as failed:
        sign_in_with_keyboard(qtbot, app, "alice", wrong)

    assert failed.args[0].kind == "credentials"
    assert window.message_label.isVisible()
    assert window.message_label.text() == failed.args[0].message
    assert window.message_label.accessibleDescription() == failed.args[0].message
    assert window.password.text() == ""
    assert window.username.text() == "alice"
    qtbot.waitUntil(lambda: focused() is window.password)
    # The window says it already: no notice on top of it for a user looking at it.
    assert window.findChild(QLabel, "notice") is None
    entries = logged_events(tmp_path / "data", "login_failed")
    assert [(e.username, e.detail["kind"]) for e in entries] == [("alice", "credentials")]
    assert wrong.encode() not in log_bytes(tmp_path / "data")


def test_a_stopped_server_is_a_network_failure_with_a_specific_message(
    qtbot, stopped_server_url, make_app
):
    app = make_app("--issuer", stopped_server_url)

    with qtbot.waitSignal(app.events.login_failed, timeout=30_000) as failed:
        sign_in_with_keyboard(qtbot, app, *ALICE)

    assert failed.args[0].kind == "network"
    assert "127.0.0.1" in failed.args[0].message
    assert app.login_window.message_label.text() == failed.args[0].message


def test_escape_cancels_a_sign_in_in_progress(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    succeeded = []
    app.events.login_succeeded.connect(succeeded.append)

    with qtbot.waitSignal(app.events.login_failed) as failed:
        sign_in_with_keyboard(qtbot, app, *ALICE)
        assert app.login_window.busy
        qtbot.keyClick(app.login_window, Qt.Key_Escape)
    assert QThreadPool.globalInstance().waitForDone(15_000)
    qtbot.wait(100)

    assert failed.args[0].kind == "cancelled"
    assert succeeded == []
    assert app.login_window.isVisible()
    assert not app.login_window.busy
    assert app.login_window.username.isEnabled()


def test_ctrl_l_locks_and_the_password_unlocks(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)

    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused() or app.workspace, Qt.Key_L, Qt.ControlModifier)

    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    assert not app.workspace.isVisible()
    assert window.username.text() == "alice"
    assert window.username.isReadOnly()
    qtbot.waitUntil(lambda: focused() is window.password)
    with qtbot.waitSignal(app.events.unlocked, timeout=20_000) as unlocked:
        qtbot.keyClicks(window.password, ALICE[1])
        qtbot.keyClick(window.password, Qt.Key_Return)

    assert unlocked.args[0].username == "alice"
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert [e.event for e in logged_events(tmp_path / "data", "locked")] == ["locked"]
    assert [e.username for e in logged_events(tmp_path / "data", "unlocked")] == ["alice"]


def test_sign_out_returns_to_the_login_window_with_no_permissions(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *ALICE)
    tokens = signed_in.args[0].tokens
    api = server.add_confidential_client()
    assert server.introspect(tokens.refresh_token, api).json()["active"] is True
    qtbot.waitUntil(app.workspace.isActiveWindow)

    with qtbot.waitSignal(app.events.logged_out) as logged_out:
        qtbot.keyClick(focused() or app.workspace, Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)

    assert logged_out.args == ["user"]
    qtbot.waitUntil(app.login_window.isActiveWindow)
    assert not app.workspace.isVisible()
    assert not any(tab_enabled(app, name) for name in GATED_TABS)
    assert app.login_window.username.text() == "alice"
    assert app.login_window.password.text() == ""
    assert not app.login_window.username.isReadOnly()
    # Revoked at the server (RFC 7009), as its introspection (RFC 7662) says.
    assert QThreadPool.globalInstance().waitForDone(15_000)
    assert server.introspect(tokens.refresh_token, api).json() == {"active": False}
    assert server.introspect(tokens.access_token, api).json() == {"active": False}


def test_the_next_start_remembers_the_username_and_focuses_the_password(
    qtbot, server, make_app, tmp_path
):
    first = make_app("--issuer", server.url)
    with qtbot.waitSignal(first.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, first, *BOB)
    assert QThreadPool.globalInstance().waitForDone(15_000)
    first.quit()

    second = make_app("--issuer", server.url)

    assert second.login_window.username.text() == "bob"
    qtbot.waitUntil(lambda: focused() is second.login_window.password)


def test_ctrl_q_quits_and_the_session_ends_with_the_app(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *BOB)
    qtbot.waitUntil(app.workspace.isActiveWindow)

    qtbot.keyClick(focused() or app.workspace, Qt.Key_Q, Qt.ControlModifier)

    qtbot.waitUntil(lambda: not app.workspace.isVisible() and not app.login_window.isVisible())
    app.shutdown()  # what main() does once the event loop has ended
    assert server.refresh(signed_in.args[0].tokens.refresh_token).status_code == 400
    entries = logged_events(tmp_path / "data", "logged_out")
    assert [(e.username, e.detail["reason"]) for e in entries] == [("bob", "app quit")]


def test_throttled_by_the_server_says_when_and_the_button_waits_until_then(
    qtbot, start_server, make_app
):
    live = start_server(account_free_failures=1, account_base_delay=2.0)
    live.add_user(*ALICE, roles=("viewer",))
    app = make_app("--issuer", live.url)
    window = app.login_window
    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as first:
        sign_in_with_keyboard(qtbot, app, "alice", "a wrong password")
    assert first.args[0].kind == "credentials"

    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as second:
        qtbot.keyClicks(window.password, "another wrong one")
        qtbot.keyClick(window.password, Qt.Key_Return)

    failure = second.args[0]
    assert failure.kind == "throttled"
    assert 1 <= failure.retry_after <= 2
    assert window.message.startswith("Too many sign-in attempts. Try again in ")
    assert not window.sign_in_button.isEnabled()
    qtbot.waitUntil(lambda: focused() is window.password)
    qtbot.keyClicks(window.password, ALICE[1])
    with qtbot.assertNotEmitted(app.events.login_started):
        qtbot.keyClick(window.password, Qt.Key_Return)

    qtbot.waitUntil(window.sign_in_button.isEnabled, timeout=5_000)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        qtbot.keyClick(window.password, Qt.Key_Return)


def test_an_expired_session_locks_the_app_says_so_and_is_logged(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *BOB)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    # The refresh token is used twice elsewhere, so the server revokes its family.
    refresh_token = signed_in.args[0].tokens.refresh_token
    assert server.refresh(refresh_token).status_code == 200
    assert server.refresh(refresh_token).status_code == 400

    with qtbot.waitSignals([app.events.session_expired, app.events.locked], timeout=20_000):
        app.controller.refresh()  # what the controller's renewal timer does before expiry

    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    assert window.username.text() == "bob"
    assert window.username.isReadOnly()
    notice = window.findChild(QLabel, "notice")
    assert notice is not None
    assert "Session expired" in notice.text()
    assert app.workspace.status_message == "Signed in as bob (viewer)"  # state kept
    assert [e.username for e in logged_events(tmp_path / "data", "session_expired")] == ["bob"]


def test_signing_out_is_notified_in_the_login_window_and_logged(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *BOB)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    notice = app.workspace.findChild(QLabel, "notice")
    assert notice is not None
    assert "Signed in" in notice.text()

    with qtbot.waitSignal(app.events.logged_out):
        qtbot.keyClick(focused() or app.workspace, Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)

    notice = app.login_window.findChild(QLabel, "notice")
    assert notice is not None
    assert "Signed out" in notice.text()
    entries = logged_events(tmp_path / "data", "logged_out")
    assert [(e.username, e.detail["reason"]) for e in entries] == [("bob", "user")]


def test_the_lock_screen_lets_another_user_sign_in_after_signing_the_first_out(
    qtbot, server, make_app
):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused() or app.workspace, Qt.Key_L, Qt.ControlModifier)
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    assert window.switch_user_button.isVisible()

    with qtbot.waitSignal(app.events.logged_out):
        qtbot.keyClick(focused(), Qt.Key_A, Qt.AltModifier)

    qtbot.waitUntil(lambda: focused() is window.username)
    assert not window.username.isReadOnly()
    assert not window.switch_user_button.isVisible()
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        qtbot.keyClicks(window.username, BOB[0])  # replaces the selected "alice"
        qtbot.keyClick(window.username, Qt.Key_Tab)
        qtbot.keyClicks(focused(), BOB[1])
        qtbot.keyClick(focused(), Qt.Key_Return)
    assert signed_in.args[0].username == "bob"
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert app.workspace.status_message == "Signed in as bob (viewer)"


def test_a_permissions_file_replaces_the_bundled_policy(qtbot, server, make_app, tmp_path):
    policy = tmp_path / "permissions.toml"
    policy.write_text('[roles]\nviewer = ["documents.read", "reports.view"]\n')
    app = make_app("--issuer", server.url, "--permissions", str(policy))

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, *BOB)

    assert signed_in.args[0].permissions == frozenset({"documents.read", "reports.view"})
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert tab_enabled(app, "reportsPage")
    assert not tab_enabled(app, "adminPage")


def test_a_failure_while_the_user_looks_elsewhere_is_notified(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    qtbot.waitUntil(elsewhere.isActiveWindow)

    with qtbot.waitSignal(app.events.login_failed, timeout=20_000):
        app.controller.sign_in("alice", "not her password")  # submitted, then the user left

    notice = app.login_window.findChild(QLabel, "notice")
    assert notice is not None
    assert notice.isVisible()
    assert "Sign-in failed" in notice.text()


def test_a_shortcut_bob_may_not_use_says_why_and_is_logged(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *BOB)
    qtbot.waitUntil(app.workspace.isActiveWindow)

    with qtbot.waitSignal(app.gate.denied) as denied:
        qtbot.keyClick(focused() or app.workspace, Qt.Key_N, Qt.ControlModifier)

    assert denied.args == ["documents.write", "New document"]
    notice = app.workspace.findChild(QLabel, "notice")
    assert "New document requires the permission documents.write." in notice.text()
    entries = logged_events(tmp_path / "data", "permission_denied")
    assert [(e.username, e.detail) for e in entries] == [
        ("bob", {"permission": "documents.write", "action": "New document"})
    ]


def test_alice_may_use_the_shortcut_and_nothing_is_denied(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)

    with (
        qtbot.assertNotEmitted(app.gate.denied),
        qtbot.waitSignal(app.workspace.new_action.triggered),
    ):
        qtbot.keyClick(focused() or app.workspace, Qt.Key_N, Qt.ControlModifier)
