"""The PyInstaller build (`make dist`) runs without our Python: alice signs in on Xvfb.

The folder is built once per test session (or taken as it is when `make dist` finds it up to
date), copied out of the checkout, and started with an environment that has no venv in it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from desktop_auth.activity_log import ActivityLog
from desktop_auth.app.application import EMBEDDED_SETTINGS_KEY
from desktop_auth.app.embedded import DEMO_ACCOUNTS
from desktop_auth.secrets import TokenStore
from tests.packaging.conftest import REPO_ROOT, desktop_environment

BUILD_TIMEOUT_S = 600
# The keyring check runs in a worker as the login window shows; "Stay signed in" is enabled
# once it passes, and Alt+G does nothing before. It takes well under a second.
KEYRING_CHECK_GRACE_S = 3.0

pytestmark = pytest.mark.slow


def _build_environment() -> dict[str, str]:
    # Not the variables of the `make test` running us: this is a make of its own.
    return {
        name: value
        for name, value in os.environ.items()
        if name not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    }


@pytest.fixture(scope="session")
def built_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built program, in a copy of dist/desktop-auth/ outside the checkout.

    The copy shows the folder runs from anywhere, and keeps another test run's rebuild from
    replacing it mid-test; the lock makes concurrent runs in one checkout build one at a time.
    """
    lock_path = REPO_ROOT / "build" / ".dist.lock"
    lock_path.parent.mkdir(exist_ok=True)
    copy = tmp_path_factory.mktemp("dist") / "desktop-auth"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        build = subprocess.run(
            ["make", "--no-print-directory", "dist"],
            cwd=REPO_ROOT,
            env=_build_environment(),
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
        )
        assert build.returncode == 0, f"make dist failed:\n{build.stdout}\n{build.stderr}"
        print(f"make dist: {time.monotonic() - started:.0f} s")
        shutil.copytree(REPO_ROOT / "dist" / "desktop-auth", copy, symlinks=True)
    return copy / "desktop-auth"


def _sign_ins(data_dir: Path) -> list[tuple[str | None, str | None]]:
    with ActivityLog.in_data_dir(data_dir) as log:
        return [(entry.username, entry.issuer) for entry in log.query(event="login_succeeded")]


def _desktop_entry_wm_class() -> str:
    for line in (REPO_ROOT / "resources" / "desktop-auth.desktop").read_text().splitlines():
        if line.startswith("StartupWMClass="):
            return line.partition("=")[2]
    raise AssertionError("resources/desktop-auth.desktop has no StartupWMClass")


@pytest.mark.timeout(BUILD_TIMEOUT_S + 180)
def test_the_built_app_signs_alice_in_with_the_embedded_server_and_quits_with_ctrl_q(
    built_app, virtual_display, secret_service, tmp_path
):
    env = desktop_environment(tmp_path, virtual_display.name)
    assert ".venv" not in env["PATH"]
    data_dir = tmp_path / "data"
    output_path = tmp_path / "app-output.txt"
    screenshot = tmp_path / "workspace.png"
    alice = DEMO_ACCOUNTS[0]
    with output_path.open("w") as output:
        app = subprocess.Popen(
            [str(built_app), "--data-dir", str(data_dir)],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            login = virtual_display.wait_for_window("Sign in")
            shown = time.monotonic()
            # The icon packed in the build is the window's, and the window belongs to the
            # menu entry (docks and task bars match WM_CLASS with StartupWMClass).
            icon = virtual_display.window_property(login, "_NET_WM_ICON")
            assert "Icon (16 x 16)" in icon
            assert "Icon (128 x 128)" in icon  # Qt gives X no larger size
            wm_class = virtual_display.window_property(login, "WM_CLASS")
            assert f'"{_desktop_entry_wm_class()}"' in wm_class

            time.sleep(max(0.0, KEYRING_CHECK_GRACE_S - (time.monotonic() - shown)))
            virtual_display.sign_in(alice.username, alice.password, stay_signed_in=True)
            workspace = virtual_display.wait_for_window("Workspace", timeout=60)
            virtual_display.screenshot(screenshot)
            assert virtual_display.xdotool("getwindowname", workspace).endswith("Workspace")
            assert screenshot.stat().st_size > 10_000

            virtual_display.xdotool("key", "ctrl+q")
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.kill()
                app.wait(10)
            print(output_path.read_text())

    # The Alembic migrations made the demo server's SQLite database, and it signed alice in.
    assert (data_dir / "embedded-server" / "server.sqlite3").exists()
    [(username, issuer)] = _sign_ins(data_dir)
    assert username == alice.username
    assert issuer is not None
    assert issuer.startswith("http://127.0.0.1:")
    # keyring found its Secret Service backend through its entry points: "Stay signed in"
    # was offered, and kept her refresh token there (quitting keeps it). The embedded
    # server's sessions are kept under one key, since its port changes with every start.
    store = TokenStore(secret_service)
    try:
        assert store.load(EMBEDDED_SETTINGS_KEY, alice.username) is not None
    finally:
        store.delete(EMBEDDED_SETTINGS_KEY, alice.username)
