"""The real app under Xvfb: alice signs in with xdotool keystrokes; the workspace is captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_auth.app.embedded import DEMO_ACCOUNTS

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_alice_signs_in_with_xdotool_keystrokes_and_the_workspace_is_captured(
    tmp_path, virtual_display
):
    runtime_dir = tmp_path / "xdg-runtime"
    runtime_dir.mkdir(mode=0o700)
    env = {
        **virtual_display.env,
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
    screenshot = tmp_path / "workspace.png"
    try:
        assert virtual_display.wait_for_window("Sign in")
        alice = DEMO_ACCOUNTS[0]
        virtual_display.sign_in(alice.username, alice.password)

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
        output.close()
        print((tmp_path / "app-output.txt").read_text())
