"""The settings dialog on its own, driven by the keyboard: fields, errors, Save, Cancel, Test."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit

from desktop_auth import cli
from desktop_auth.qt.settings_dialog import SettingsDialog
from desktop_auth.settings import Settings, SettingsEdit
from tests.client.conftest import make_tls_files
from tests.qt.conftest import focused_name


def press(qtbot, key, modifier=Qt.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def retype(qtbot, text: str) -> None:
    """Replace the focused field's text, as a user does: select all, type."""
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    if text:
        qtbot.keyClicks(QApplication.focusWidget(), text)
    else:
        press(qtbot, Qt.Key_Delete)


class Saves:
    """The dialog's ``save``: records each edit, and applies it as the app would."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.edits: list[SettingsEdit] = []

    def __call__(self, edit: SettingsEdit) -> Settings:
        self.edits.append(edit)
        self.settings = self.settings.edited(edit)
        return self.settings


@pytest.fixture
def show_dialog(qtbot):
    """``show_dialog(settings, **options)``: the dialog shown and active, and its Saves."""

    def show(settings: Settings | None = None, **options) -> tuple[SettingsDialog, Saves]:
        settings = settings if settings is not None else Settings()
        saves = Saves(settings)
        dialog = SettingsDialog(settings, saves, **options)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.waitUntil(lambda: focused_name() == "issuerField")
        return dialog, saves

    return show


def doctor_output(issuer: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["doctor", "--issuer", issuer])
    return out.getvalue()


def test_the_fields_show_the_settings_in_force(show_dialog):
    settings = Settings(
        issuer="https://id.example.com", client_id="app", idle_lock_minutes=0.5, notifications=False
    )

    dialog, _ = show_dialog(settings)

    assert dialog.objectName() == "settingsDialog"
    assert dialog.issuer.text() == "https://id.example.com"
    assert dialog.client_id.text() == "app"
    assert dialog.ca_bundle.text() == ""
    assert dialog.idle_lock.text() == "0.5 min"
    assert not dialog.notifications.isChecked()
    assert dialog.edit() == SettingsEdit.of(settings)


def test_idle_lock_zero_reads_never(show_dialog):
    dialog, _ = show_dialog(Settings(idle_lock_minutes=0))

    assert dialog.idle_lock.text() == "Never"
    assert dialog.idle_lock.accessibleName()


def test_tab_goes_top_to_bottom(show_dialog, qtbot):
    show_dialog()
    seen = []
    for _ in range(9):
        press(qtbot, Qt.Key_Tab)
        seen.append(focused_name())

    assert seen == [
        "clientIdField",
        "caBundleField",
        "caBundleBrowse",
        "testConnectionButton",
        "idleLockField",
        "notificationsField",
        "cancelButton",
        "saveButton",
        "issuerField",
    ]


def test_every_field_has_a_label_with_a_mnemonic_and_an_accessible_name(show_dialog, qtbot):
    dialog, _ = show_dialog()

    for key, name in (
        (Qt.Key_C, "clientIdField"),
        (Qt.Key_A, "caBundleField"),
        (Qt.Key_L, "idleLockField"),
        (Qt.Key_I, "issuerField"),
    ):
        press(qtbot, key, Qt.AltModifier)
        assert focused_name() == name
        assert QApplication.focusWidget().accessibleName()
    press(qtbot, Qt.Key_N, Qt.AltModifier)
    qtbot.waitUntil(lambda: not dialog.notifications.isChecked())


def test_enter_saves_from_a_field_and_closes(show_dialog, qtbot):
    dialog, saves = show_dialog()
    qtbot.keyClicks(dialog.issuer, "https://id.example.com/")
    press(qtbot, Qt.Key_Tab)
    qtbot.keyClicks(dialog.client_id, "my-app")

    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key_Return)

    assert saves.edits == [
        SettingsEdit(issuer="https://id.example.com/", client_id="my-app", idle_lock_minutes=15)
    ]
    assert saves.settings.issuer == "https://id.example.com"
    assert dialog.result() == QDialog.Accepted


def test_enter_in_the_idle_lock_field_saves_the_minutes_typed(show_dialog, qtbot):
    dialog, saves = show_dialog()
    press(qtbot, Qt.Key_L, Qt.AltModifier)
    retype(qtbot, "2")

    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key_Enter)

    assert saves.settings.idle_lock_minutes == 2


def test_esc_cancels_without_saving(show_dialog, qtbot):
    dialog, saves = show_dialog()
    qtbot.keyClicks(dialog.issuer, "https://id.example.com")

    with qtbot.waitSignal(dialog.rejected):
        press(qtbot, Qt.Key_Escape)

    assert saves.edits == []


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("ftp://id.example.com", "must be an https:// URL"),
        ("http://example.com", "Refusing plain http:// for example.com"),
        ("not a url", "must not contain spaces"),
    ],
)
def test_a_bad_issuer_is_explained_next_to_it_and_nothing_is_saved(
    show_dialog, qtbot, issuer, message
):
    dialog, saves = show_dialog()
    qtbot.keyClicks(dialog.issuer, issuer)
    press(qtbot, Qt.Key_Tab)

    press(qtbot, Qt.Key_Return)

    assert message in dialog.error("issuer")
    assert dialog.errors["issuer"].isVisible()
    assert dialog.errors["issuer"].objectName() == "issuerError"
    assert focused_name() == "issuerField"  # back where the fix goes
    assert dialog.isVisible()
    assert saves.edits == []
    # Typing a fix removes the stale message.
    retype(qtbot, "https://id.example.com")
    assert dialog.error("issuer") == ""


def test_all_bad_values_are_shown_at_once_and_the_focus_goes_to_the_first(
    show_dialog, qtbot, tmp_path
):
    dialog, saves = show_dialog()
    press(qtbot, Qt.Key_C, Qt.AltModifier)
    qtbot.keyClicks(dialog.client_id, "x" * 256)
    press(qtbot, Qt.Key_A, Qt.AltModifier)
    qtbot.keyClicks(dialog.ca_bundle, str(tmp_path / "missing.pem"))

    press(qtbot, Qt.Key_Return)

    assert dialog.error("issuer") == ""
    assert "at most 255 characters" in dialog.error("client_id")
    assert "There is no file" in dialog.error("ca_bundle")
    assert dialog.errors["ca_bundle"].objectName() == "caBundleError"
    assert focused_name() == "clientIdField"
    assert saves.edits == []


def test_a_valid_ca_bundle_is_saved_as_an_absolute_path(show_dialog, qtbot, tmp_path):
    ca = make_tls_files(tmp_path).ca
    dialog, saves = show_dialog()
    press(qtbot, Qt.Key_A, Qt.AltModifier)
    qtbot.keyClicks(dialog.ca_bundle, str(ca))

    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key_Return)

    assert saves.settings.ca_bundle == str(ca)


def test_a_failed_write_is_shown_and_the_dialog_stays_open(qtbot):
    def save(edit: SettingsEdit) -> None:
        raise PermissionError(13, "Permission denied")

    dialog = SettingsDialog(Settings(), save)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)

    assert "could not be saved" in dialog.save_error.text()
    assert "Permission denied" in dialog.save_error.text()
    assert dialog.save_error.isVisible()
    assert dialog.isVisible()


def test_test_connection_shows_what_doctor_shows(show_dialog, qtbot, server):
    dialog, saves = show_dialog()
    qtbot.keyClicks(dialog.issuer, server.url)
    press(qtbot, Qt.Key_T, Qt.AltModifier)

    with qtbot.waitSignal(dialog.test_finished, timeout=15_000):
        pass

    result = dialog.test_result_text
    assert result.startswith("The server works with desktop-auth. Sign-in: native.")
    assert "authorization_challenge_endpoint" in result
    assert dialog.test_result.property("kind") in ("ok", "warning")
    # The details are doctor's own output, line for line.
    assert dialog.test_report.isVisible()
    assert dialog.test_report.toPlainText() + "\n" == doctor_output(server.url)
    assert dialog.test_button.isEnabled()
    assert saves.edits == []  # a test saves nothing


def test_test_connection_to_a_stopped_server_shows_the_network_error(
    show_dialog, qtbot, stopped_server_url
):
    dialog, _ = show_dialog()
    qtbot.keyClicks(dialog.issuer, stopped_server_url)

    with qtbot.waitSignal(dialog.test_finished, timeout=15_000):
        qtbot.mouseClick(dialog.test_button, Qt.LeftButton)

    assert dialog.test_result_text.startswith("The server could not be reached.")
    assert "connection refused" in dialog.test_result_text
    assert dialog.test_result.property("kind") == "error"
    assert not dialog.test_report.isVisible()


def test_test_connection_refuses_plain_http_to_a_remote_host_without_connecting(show_dialog, qtbot):
    dialog, _ = show_dialog()
    qtbot.keyClicks(dialog.issuer, "http://example.com")

    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)

    assert "Refusing plain http://" in dialog.error("issuer")
    assert dialog.test_result_text == ""
    assert dialog.test_button.isEnabled()  # nothing started


def test_test_connection_needs_an_issuer(show_dialog, qtbot):
    dialog, _ = show_dialog()

    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)

    assert "Enter the issuer URL to test" in dialog.error("issuer")


def test_a_server_that_is_not_an_oidc_server_is_named_as_such(show_dialog, qtbot, server, tmp_path):
    dialog, _ = show_dialog()
    qtbot.keyClicks(dialog.issuer, server.url + "/nothing-here")

    with qtbot.waitSignal(dialog.test_finished, timeout=15_000):
        qtbot.mouseClick(dialog.test_button, Qt.LeftButton)

    assert dialog.test_result_text.startswith(
        "The server did not answer as an OpenID Connect server."
    )
    assert "404" in dialog.test_result_text


def test_the_test_uses_the_ca_bundle_in_the_field(show_dialog, qtbot, tmp_path):
    not_pem = Path(tmp_path / "notes.txt")
    not_pem.write_text("hello\n")
    dialog, _ = show_dialog()
    qtbot.keyClicks(dialog.issuer, "https://127.0.0.1:1")
    press(qtbot, Qt.Key_A, Qt.AltModifier)
    qtbot.keyClicks(dialog.ca_bundle, str(not_pem))

    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)

    assert "holds no PEM certificate" in dialog.error("ca_bundle")
    assert focused_name() == "caBundleField"


# Typing a path opens the file dialog's completer, whose pop-up the offscreen platform can
# neither raise nor give the keyboard to; it says so, harmlessly.
@pytest.mark.qt_log_ignore(r"^This plugin does not support (raise\(\)|grabbing the keyboard)$")
def test_browse_picks_the_ca_bundle_in_a_file_dialog(show_dialog, qtbot, tmp_path):
    ca = make_tls_files(tmp_path).ca
    dialog, _ = show_dialog()

    press(qtbot, Qt.Key_B, Qt.AltModifier)  # a button's mnemonic clicks it after a short delay

    qtbot.waitUntil(lambda: dialog.findChild(QFileDialog, "caBundleChooser") is not None)
    chooser = dialog.findChild(QFileDialog, "caBundleChooser")
    qtbot.waitUntil(chooser.isVisible)
    qtbot.waitUntil(chooser.isActiveWindow)
    name_field = chooser.findChild(QLineEdit, "fileNameEdit")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is name_field)
    qtbot.keyClicks(name_field, str(ca))
    press(qtbot, Qt.Key_Return)

    qtbot.waitUntil(lambda: dialog.ca_bundle.text() == str(ca))
    qtbot.waitUntil(lambda: focused_name() == "caBundleField")
    assert dialog.isVisible()  # Enter in the file dialog did not save the settings


def test_enter_in_the_connection_report_saves_like_anywhere_else(
    show_dialog, qtbot, stopped_server_url, server
):
    dialog, saves = show_dialog()
    qtbot.keyClicks(dialog.issuer, server.url)
    with qtbot.waitSignal(dialog.test_finished, timeout=15_000):
        press(qtbot, Qt.Key_T, Qt.AltModifier)
    dialog.test_report.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: focused_name() == "testReport")

    press(qtbot, Qt.Key_Tab)
    assert focused_name() == "idleLockField"  # Tab leaves the report, it types nothing
    press(qtbot, Qt.Key_Backtab, Qt.ShiftModifier)
    assert focused_name() == "testReport"
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key_Return)
    assert saves.settings.issuer == server.url
