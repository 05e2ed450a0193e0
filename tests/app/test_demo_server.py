"""Without --issuer the app starts the bundled server and shows its demo accounts."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from desktop_auth.app.embedded import DEMO_ACCOUNTS
from tests.app.conftest import sign_in_with_keyboard


def test_the_window_shows_at_once_with_the_demo_banner(qtbot, make_app):
    app = make_app()
    banner = app.login_window.demo_banner

    assert app.login_window.isVisible()
    assert banner.objectName() == "demoBanner"
    assert banner.isVisible()
    for account in DEMO_ACCOUNTS:
        assert account.username in banner.text()
        assert account.password in banner.text()
    qtbot.waitUntil(
        lambda: "Demo server at http://127.0.0.1:" in app.login_window.issuer_label.text(),
        timeout=30_000,
    )


def test_alice_signs_in_to_the_demo_server_with_the_keyboard(qtbot, make_app):
    app = make_app()
    alice = DEMO_ACCOUNTS[0]

    with qtbot.waitSignal(app.events.login_succeeded, timeout=30_000) as signed_in:
        sign_in_with_keyboard(qtbot, app, alice.username, alice.password)

    session = signed_in.args[0]
    assert session.username == "alice"
    assert session.issuer.startswith("http://127.0.0.1:")
    assert session.roles == frozenset({"admin"})
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert app.workspace.status_message == "Signed in as Alice Admin (admin)"


def test_a_demo_server_that_cannot_start_is_explained_in_the_window(qtbot, make_app, tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "embedded-server").write_text("a file where the server's directory belongs")

    app = make_app()

    window = app.login_window
    qtbot.waitUntil(lambda: "could not start" in window.message, timeout=30_000)
    assert window.issuer_label.text() == "The demo server could not start."
    assert "--issuer" in window.message
    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as failed:
        sign_in_with_keyboard(qtbot, app, "alice", "alice-demo-password")
    assert failed.args[0].kind == "server"
    assert "The demo server could not start" in failed.args[0].message


def test_ctrl_q_quits_from_the_login_window_too(qtbot, make_app):
    app = make_app()

    qtbot.keyClick(app.login_window, Qt.Key_Q, Qt.ControlModifier)

    qtbot.waitUntil(lambda: not app.login_window.isVisible())
    assert not app.workspace.isVisible()
