"""The reference app's window against Django OAuth Toolkit, driven by the keyboard alone."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from desktop_auth.errors import AuthFailure
from desktop_auth.session import Session
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.interop.conftest import DotServer


def start_against(make_app, server: DotServer, *extra: str):
    return make_app("--issuer", server.issuer, "--client-id", server.client_id, *extra)


def sign_in(qtbot, app, username: str, password: str) -> Session | AuthFailure:
    """Type the credentials and wait for the outcome, whichever it is."""
    outcomes: list[Session | AuthFailure] = []
    app.events.login_succeeded.connect(outcomes.append)
    app.events.login_failed.connect(outcomes.append)
    sign_in_with_keyboard(qtbot, app, username, password)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=20_000)
    return outcomes[0]


def test_alice_signs_in_and_the_workspace_names_her_with_roles_from_userinfo(
    qtbot, dot_server, make_app
):
    app = start_against(make_app, dot_server, "--allow-password-grant")

    outcome = sign_in(qtbot, app, "alice", dot_server.passwords["alice"])

    assert isinstance(outcome, Session), outcome
    assert outcome.issuer == dot_server.issuer
    assert outcome.roles == frozenset({"admin"})
    assert outcome.method == "password"
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert not app.login_window.isVisible()
    assert app.workspace.status_message == "Signed in as Alice Liddell (admin)"


def test_bob_signs_in_as_a_viewer_who_may_only_read_documents(qtbot, dot_server, make_app):
    app = start_against(make_app, dot_server, "--allow-password-grant")

    outcome = sign_in(qtbot, app, "bob", dot_server.passwords["bob"])

    assert isinstance(outcome, Session), outcome
    assert outcome.permissions == frozenset({"documents.read"})
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert app.workspace.status_message == "Signed in as Bob Builder (viewer)"


def test_wrong_password_keeps_the_username_and_clears_the_password(qtbot, dot_server, make_app):
    app = start_against(make_app, dot_server, "--allow-password-grant")
    window = app.login_window
    wrong = "wrong-" + dot_server.passwords["alice"]

    outcome = sign_in(qtbot, app, "alice", wrong)

    assert isinstance(outcome, AuthFailure), outcome
    assert outcome.kind == "credentials"
    assert wrong not in outcome.message
    assert window.message_label.text() == outcome.message
    assert window.username.text() == "alice"
    assert window.password.text() == ""
    qtbot.waitUntil(lambda: focused() is window.password)


def test_without_the_opt_in_the_window_continues_in_the_browser(
    qtbot, dot_server, make_app, system_browser
):
    app = start_against(make_app, dot_server)
    window = app.login_window

    # No native sign-in and no password grant allowed: DESIGN.md's third way, the browser.
    sign_in_with_keyboard(qtbot, app, "alice", dot_server.passwords["alice"])

    qtbot.waitUntil(window.browser_link.isVisible, timeout=20_000)
    (opened,) = system_browser.opened
    assert opened.startswith(dot_server.issuer + "/authorize/?")
    assert "code_challenge_method=S256" in opened
    assert window.busy
    assert not app.workspace.isVisible()
    with qtbot.waitSignal(app.events.login_failed) as failed:
        qtbot.keyClick(focused() or window, Qt.Key_Escape)
    assert failed.args[0].kind == "cancelled"
