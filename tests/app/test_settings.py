"""Settings in the app: Ctrl+, from the login window and the workspace, saved and applied at
once (idle lock, notifications) or from the next start (the identity server), never while locked."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel

from desktop_auth.qt.settings_dialog import SettingsDialog
from desktop_auth.settings import Settings, save_settings
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.server.conftest import ALICE


def press(qtbot, key, modifier=Qt.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def open_settings(qtbot, app) -> SettingsDialog:
    """Ctrl+, where the user is; the dialog comes up with the focus in the issuer field."""
    press(qtbot, Qt.Key_Comma, Qt.ControlModifier)
    qtbot.waitUntil(lambda: app.settings_dialog is not None and app.settings_dialog.isVisible())
    dialog = app.settings_dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: focused() is dialog.issuer)
    return dialog


def retype(qtbot, text: str) -> None:
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(focused(), text)


def settings_file(app) -> Path:
    return app.data_dir / "settings.json"


def file_bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def signed_in(qtbot, app) -> None:
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)


def visible_notice(window) -> str:
    notice = window.findChild(QLabel, "notice")
    return notice.text() if notice is not None and notice.isVisible() else ""


def test_ctrl_comma_opens_the_settings_from_the_login_window_and_esc_closes_them(
    qtbot, server, make_app
):
    app = make_app("--issuer", server.url)

    dialog = open_settings(qtbot, app)

    assert dialog.parent() is app.login_window
    assert dialog.isModal()
    assert "next start" in dialog.connection_note.text()
    assert "--issuer" in dialog.connection_note.text()  # the command line's overrides it
    with qtbot.waitSignal(dialog.rejected):
        press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    qtbot.waitUntil(app.login_window.isActiveWindow)
    assert not settings_file(app).exists()


def test_the_login_window_has_a_settings_button_alt_t(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    button = app.login_window.settings_button
    assert button.objectName() == "settingsButton"
    assert button.isVisible()

    press(qtbot, Qt.Key_T, Qt.AltModifier)

    qtbot.waitUntil(lambda: app.settings_dialog is not None and app.settings_dialog.isVisible())
    app.settings_dialog.reject()


@pytest.mark.parametrize("issuer", ["ftp://id.example.com", "http://example.com", "not a url"])
def test_a_bad_issuer_is_explained_and_changes_nothing(qtbot, server, make_app, issuer):
    app = make_app("--issuer", server.url)
    before_file, before = file_bytes(settings_file(app)), app.settings
    dialog = open_settings(qtbot, app)
    qtbot.keyClicks(focused(), issuer)

    press(qtbot, Qt.Key_Return)

    assert dialog.isVisible()
    assert dialog.error("issuer")
    assert dialog.errors["issuer"].isVisible()
    assert focused() is dialog.issuer
    assert file_bytes(settings_file(app)) == before_file
    assert app.settings is before
    dialog.reject()


def test_a_bad_ca_bundle_path_is_explained_next_to_the_field(qtbot, server, make_app, tmp_path):
    app = make_app("--issuer", server.url)
    dialog = open_settings(qtbot, app)
    press(qtbot, Qt.Key_A, Qt.AltModifier)
    qtbot.keyClicks(focused(), str(tmp_path / "no-such.pem"))

    press(qtbot, Qt.Key_Return)

    assert f"There is no file {tmp_path / 'no-such.pem'}" in dialog.error("ca_bundle")
    assert focused() is dialog.ca_bundle
    assert not settings_file(app).exists()
    assert app.settings.ca_bundle is None
    dialog.reject()


def test_settings_saved_from_the_workspace_are_written_privately_and_apply_at_once(
    qtbot, server, make_app
):
    app = make_app("--issuer", server.url)
    signed_in(qtbot, app)
    assert app.idle_watcher.timeout_seconds == 15 * 60

    dialog = open_settings(qtbot, app)
    assert dialog.parent() is app.workspace
    press(qtbot, Qt.Key_L, Qt.AltModifier)
    retype(qtbot, "1")
    press(qtbot, Qt.Key_N, Qt.AltModifier)
    qtbot.waitUntil(lambda: not dialog.notifications.isChecked())
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key_Return)

    path = settings_file(app)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["idle_lock_minutes"] == 1
    assert document["notifications"] is False
    assert document["remembered_usernames"] == {server.url: ["alice"]}  # kept
    assert not list(app.data_dir.glob(".settings.json.*"))  # no temporary file left
    assert app.settings.idle_lock_minutes == 1
    assert app.idle_watcher.timeout_seconds == 60
    assert app.idle_watcher.watching
    assert not app.notifier.enabled

    # Notifications off: signing out shows no notice.
    qtbot.waitUntil(app.workspace.isActiveWindow)
    with qtbot.waitSignal(app.events.logged_out, timeout=10_000):
        press(qtbot, Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(app.login_window.isActiveWindow)
    qtbot.wait(100)
    assert visible_notice(app.login_window) == ""


def test_an_idle_lock_turned_on_while_signed_in_starts_counting_at_once(
    qtbot, server, make_app, tmp_path
):
    save_settings(tmp_path / "data", Settings(idle_lock_minutes=0))
    app = make_app("--issuer", server.url)
    signed_in(qtbot, app)
    assert not app.idle_watcher.watching

    open_settings(qtbot, app)
    press(qtbot, Qt.Key_L, Qt.AltModifier)
    retype(qtbot, "0.03")  # about 2 s
    with qtbot.waitSignal(app.events.locked, timeout=15_000):
        press(qtbot, Qt.Key_Return)

    qtbot.waitUntil(lambda: app.settings_dialog is None)  # the lock closed it
    qtbot.waitUntil(app.login_window.isActiveWindow)


def test_the_settings_are_not_offered_on_the_lock_screen(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    signed_in(qtbot, app)
    with qtbot.waitSignal(app.events.locked):
        press(qtbot, Qt.Key_L, Qt.ControlModifier)
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)

    assert not window.settings_button.isVisible()
    with qtbot.assertNotEmitted(window.settings_requested):
        press(qtbot, Qt.Key_Comma, Qt.ControlModifier)
        press(qtbot, Qt.Key_T, Qt.AltModifier)
    qtbot.wait(50)
    assert app.settings_dialog is None


def test_a_lock_closes_an_open_settings_dialog_unsaved(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    signed_in(qtbot, app)
    open_settings(qtbot, app)
    qtbot.keyClicks(focused(), "https://attacker.example.com")

    with qtbot.waitSignal(app.events.locked):
        app.idle_watcher.idle.emit()  # what the idle watcher does when the user walks away

    qtbot.waitUntil(lambda: app.settings_dialog is None)
    assert app.settings.issuer is None
    assert not settings_file(app).exists() or "attacker" not in settings_file(app).read_text()


def test_an_issuer_in_the_settings_is_signed_in_to_without_the_demo_server(
    qtbot, server, make_app, tmp_path
):
    save_settings(tmp_path / "data", Settings(issuer=server.url))

    app = make_app()  # no --issuer

    assert app.embedded is None
    assert server.url in app.login_window.issuer_label.text()
    assert not app.login_window.demo_banner.isVisible()
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed:
        sign_in_with_keyboard(qtbot, app, *ALICE)
    assert signed.args[0].issuer == server.url
    dialog = open_settings(qtbot, app)
    assert dialog.issuer.text() == server.url
    assert "--issuer" not in dialog.connection_note.text()
    dialog.reject()


def test_the_command_line_issuer_wins_over_the_settings(
    qtbot, server, stopped_server_url, make_app, tmp_path
):
    save_settings(tmp_path / "data", Settings(issuer=stopped_server_url, client_id="elsewhere"))

    app = make_app("--issuer", server.url)

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed:
        sign_in_with_keyboard(qtbot, app, *ALICE)
    assert signed.args[0].issuer == server.url


def test_a_new_issuer_is_used_from_the_next_start(qtbot, server, make_app):
    app = make_app()  # the demo server
    dialog = open_settings(qtbot, app)
    qtbot.keyClicks(focused(), server.url)
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key_Return)

    assert app.settings.issuer == server.url
    assert app.embedded is not None  # this run keeps the server it started with
    assert json.loads(settings_file(app).read_text())["issuer"] == server.url

    again = make_app()
    assert again.embedded is None
    assert again.connection.issuer == server.url
