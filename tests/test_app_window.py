"""`desktop-auth` (main) opens the sign-in window and returns 0 when it is closed."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication

from desktop_auth.app import main as app_main


@pytest.fixture
def keep_app_look(qapp, monkeypatch):
    """main() styles and renames the shared test QApplication; undo that afterwards."""
    monkeypatch.setattr(qapp, "setApplicationName", lambda name: None)
    style_sheet, palette, font = qapp.styleSheet(), qapp.palette(), qapp.font()
    style = qapp.style().objectName()
    yield qapp
    qapp.setStyleSheet(style_sheet)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setFont(font)


def test_main_shows_the_login_window_and_returns_zero_when_it_is_closed(
    qtbot, keep_app_look, tmp_path
):
    app = QApplication.instance()
    seen = []

    def close_the_window():
        windows = [w for w in app.topLevelWidgets() if w.objectName() == "loginWindow"]
        seen.extend(w.windowTitle() for w in windows if w.isVisible())
        seen.extend(w.focusWidget().objectName() for w in windows if w.isVisible())
        for w in windows:
            w.close()

    QTimer.singleShot(0, close_the_window)

    code = app_main.main(
        ["--issuer", "https://id.example.com", "--client-id", "app", "--data-dir", str(tmp_path)]
    )

    assert code == 0
    assert seen == ["desktop-auth \N{EM DASH} Sign in", "username"]
    for widget in app.topLevelWidgets():
        widget.deleteLater()


def test_an_unusable_data_dir_is_reported_and_exits_1(keep_app_look, tmp_path, capsys):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")

    assert app_main.main(["--issuer", "https://id.example.com", "--data-dir", str(not_a_dir)]) == 1
    assert "desktop-auth: cannot use" in capsys.readouterr().err


def test_an_unreadable_permissions_file_is_a_usage_error(keep_app_look, tmp_path, capsys):
    policy = tmp_path / "permissions.toml"
    policy.write_text("[roles\n")

    code = app_main.main(["--data-dir", str(tmp_path / "data"), "--permissions", str(policy)])

    assert code == 2
    assert f"desktop-auth: {policy}: not valid TOML" in capsys.readouterr().err
