"""The app in German: chosen with --lang or from the system locale (LANG), English otherwise; an
unknown --lang is a usage error; signed in, locked and notified in German, as the real app on
Xvfb too."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel

from desktop_auth.app.diagnostics import diagnostic_report
from desktop_auth.app.embedded import DEMO_ACCOUNTS
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.server.conftest import ALICE

REPO_ROOT = Path(__file__).resolve().parents[2]
# What decides the system's language, besides LANG.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES")


def locale_env(**variables: str) -> dict[str, str]:
    """This environment with only the given locale variables set."""
    env = {k: v for k, v in os.environ.items() if k not in (*LOCALE_VARIABLES, "LANG")}
    return {**env, **variables}


def test_an_unknown_lang_is_a_usage_error_naming_the_languages_there_are():
    result = subprocess.run(
        [sys.executable, "main.py", "--lang", "xx"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("usage: desktop-auth ")
    assert (
        "desktop-auth: error: argument --lang: unknown language 'xx'; "
        "available: de (Deutsch), en (English)"
    ) in result.stderr


@pytest.mark.parametrize(
    ("variables", "args", "expected"),
    [
        ({"LANG": "de_DE.UTF-8"}, [], "de"),
        ({"LANG": "de_DE.UTF-8"}, ["--lang", "en"], "en"),
        ({"LANG": "C.UTF-8"}, [], "en"),
        ({"LANG": "C.UTF-8"}, ["--lang", "de"], "de"),
        ({"LANG": "fr_FR.UTF-8"}, [], "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:de"}, [], "de"),
    ],
)
def test_lang_else_the_system_locale_else_english_is_chosen(variables, args, expected):
    script = textwrap.dedent(
        f"""
        from desktop_auth.app.main import build_parser
        from desktop_auth.qt.translation import system_language
        print(system_language(build_parser().parse_args({args!r}).lang))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=locale_env(**variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == expected


def test_german_sign_in_failure_workspace_lock_and_notices(qtbot, use_language, server, make_app):
    use_language("de")
    app = make_app("--issuer", server.url)
    window, workspace = app.login_window, app.workspace
    assert window.windowTitle() == "desktop-auth — Anmelden"
    assert window.issuer_label.text() == f"Identitätsserver: {server.url}"

    with qtbot.waitSignal(app.events.login_failed, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, "alice", "not her password")
    # The library's message, by its English text.
    assert window.message == "Benutzername oder Passwort ist falsch."

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        qtbot.keyClicks(window.password, ALICE[1])
        qtbot.keyClick(window.password, Qt.Key_Return)
    qtbot.waitUntil(workspace.isActiveWindow)
    assert workspace.windowTitle() == "desktop-auth — Arbeitsbereich"
    assert workspace.status_message.startswith("Angemeldet als ")
    notice = workspace.findChild(QLabel, "notice")
    assert notice is not None
    assert "Angemeldet" in notice.text()
    assert "Willkommen, " in notice.text()

    # Alt+R: "Be&richte", the Reports tab, as in English.
    qtbot.keyClick(focused() or workspace, Qt.Key_R, Qt.AltModifier)
    qtbot.waitUntil(lambda: workspace.tabs.currentWidget() is workspace.reports_page)

    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused() or workspace, Qt.Key_L, Qt.ControlModifier)
    qtbot.waitUntil(window.isActiveWindow)
    assert window.windowTitle() == "desktop-auth — Gesperrt"
    assert window.heading.text() == "Gesperrt"
    assert window.message == "Geben Sie das Passwort von alice ein, um zu entsperren."
    assert window.switch_user_button.text() == "Als an&derer Benutzer anmelden"
    # A bug report says which language the user saw.
    assert re.search(r"^Locale: +de_DE$", diagnostic_report(app), re.MULTILINE)


@pytest.mark.slow
def test_the_real_app_speaks_german_when_lang_is_german(tmp_path, virtual_display):
    """LANG=de_DE.UTF-8, nothing else: the windows' titles are German, alice signs in."""
    runtime_dir = tmp_path / "xdg-runtime"
    runtime_dir.mkdir(mode=0o700)
    env = {
        **locale_env(LANG="de_DE.UTF-8"),
        "DISPLAY": virtual_display.name,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_RUNTIME_DIR": str(runtime_dir),
    }
    output = (tmp_path / "app-output.txt").open("w")
    app = subprocess.Popen(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "data")],
        cwd=REPO_ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        login = virtual_display.wait_for_window("Anmelden")
        assert virtual_display.xdotool("getwindowname", login) == "desktop-auth — Anmelden"
        virtual_display.screenshot(tmp_path / "anmelden.png")
        alice = DEMO_ACCOUNTS[0]
        virtual_display.sign_in(alice.username, alice.password)

        workspace = virtual_display.wait_for_window("Arbeitsbereich", timeout=60)
        assert virtual_display.xdotool("getwindowname", workspace) == (
            "desktop-auth — Arbeitsbereich"
        )
        virtual_display.screenshot(tmp_path / "arbeitsbereich.png")

        virtual_display.xdotool("key", "ctrl+q")
        assert app.wait(30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        output.close()
        print((tmp_path / "app-output.txt").read_text())
