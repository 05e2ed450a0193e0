"""The `desktop-auth` command line, before any window exists."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_auth.app.main import build_parser

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_accepts_exactly_the_documented_options():
    args = build_parser().parse_args(
        [
            "--issuer",
            "https://id.example.com/realms/x",
            "--client-id",
            "my-app",
            "--data-dir",
            "data",
            "--ca-bundle",
            "ca.pem",
            "--permissions",
            "p.toml",
            "--allow-password-grant",
            "--api",
            "https://docs.example.com/api/",
        ]
    )
    assert args.issuer == "https://id.example.com/realms/x"
    assert args.client_id == "my-app"
    assert args.data_dir == Path("data")
    assert args.ca_bundle == Path("ca.pem")
    assert args.permissions == Path("p.toml")
    assert args.allow_password_grant is True
    assert args.api == "https://docs.example.com/api"


def test_api_must_be_an_http_url(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--api", "docs.example.com"])
    assert exit_info.value.code == 2
    assert "'docs.example.com' is not an http:// or https:// URL" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--username", "alice"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --username" in capsys.readouterr().err


def test_help_lists_the_options_without_loading_qt():
    script = textwrap.dedent(
        """
        import sys
        from desktop_auth.app.main import main
        try:
            main(["--help"])
        except SystemExit as exc:
            assert exc.code == 0, exc.code
        print("PyQt5 loaded" if "PyQt5" in sys.modules else "PyQt5 not loaded")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    for option in (
        "--issuer",
        "--client-id",
        "--data-dir",
        "--ca-bundle",
        "--permissions",
        "--api",
    ):
        assert option in result.stdout
    assert "--allow-password-grant" in result.stdout
    assert result.stdout.rstrip().endswith("PyQt5 not loaded")


def test_main_py_at_the_repository_root_runs_the_same_entry_point():
    result = subprocess.run(
        [sys.executable, "main.py", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: desktop-auth ")


def test_the_login_window_shows_without_loading_the_server_or_protocol_stack(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time
        started = time.perf_counter()
        from PyQt5.QtWidgets import QApplication
        from desktop_auth.app.application import DesktopApp
        from desktop_auth.app.main import build_parser
        app = QApplication(sys.argv[:1])
        desktop = DesktopApp(build_parser().parse_args(["--data-dir", {str(tmp_path)!r}]))
        desktop.login_window.show()
        app.processEvents()
        heavy = ("flask", "sqlalchemy", "authlib", "argon2", "alembic", "requests", "joserfc")
        print(sorted(name for name in heavy if name in sys.modules))
        print(f"{{time.perf_counter() - started:.3f}}")
        desktop.shutdown()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded, seconds = result.stdout.splitlines()[-2:]
    assert loaded == "[]"
    print(f"login window shown {float(seconds):.3f} s after start")


def test_the_login_window_is_up_before_the_rest_starts_and_the_log_keeps_it_all(tmp_path):
    """`desktop-auth` itself: when the login window first has the focus, the embedded server,
    the single-instance socket, the activity log and the diagnostic log file have not been
    loaded yet (they start right after); the diagnostic log still has the lines logged before
    it was opened."""
    script = textwrap.dedent(
        f"""
        import sys
        from PyQt5.QtCore import QTimer
        from PyQt5.QtWidgets import QApplication
        app = QApplication(sys.argv[:1])
        later = ("flask", "sqlalchemy", "PyQt5.QtNetwork", "logging.handlers", "sqlite3")
        at_focus = []
        login = []

        def look():
            if not at_focus:
                window = QApplication.activeWindow()
                username = getattr(window, "username", None)
                if username is not None and QApplication.focusWidget() is username:
                    at_focus.append(sorted(name for name in later if name in sys.modules))
                    login.append(window)
                    print("at focus", at_focus[0], flush=True)
            elif all(name in sys.modules for name in later):
                if "Demo server at" in login[0].issuer_label.text():
                    print("all started", flush=True)
                    login[0].close()

        timer = QTimer()
        timer.timeout.connect(look)
        timer.start(1)
        from desktop_auth.app.main import main
        sys.exit(main(["--data-dir", {str(tmp_path)!r}]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert "at focus []" in result.stdout
    assert "all started" in result.stdout
    log = (tmp_path / "desktop-auth.log").read_text(encoding="utf-8")
    # Logged before the file was opened, then written to it when it was.
    assert "user interface language: en" in log
    assert "listening for other starts" in log
    assert "embedded identity server at http://127.0.0.1:" in log
