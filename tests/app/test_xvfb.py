"""The real app under Xvfb: alice signs in with xdotool keystrokes; the workspace is captured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_auth.app.embedded import DEMO_ACCOUNTS

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "xdotool", "import")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in TOOLS),
        reason="needs Xvfb, xdotool and ImageMagick's import (make deps installs them)",
    ),
]


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel runs never clash."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not report its display"
    return xvfb, f":{number}"


def xdotool(display: str, *args: str, timeout: float = 30) -> str:
    result = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout.strip()


def test_alice_signs_in_with_xdotool_keystrokes_and_the_workspace_is_captured(tmp_path):
    xvfb, display = start_xvfb()
    runtime_dir = tmp_path / "xdg-runtime"
    runtime_dir.mkdir(mode=0o700)
    env = {
        **os.environ,
        "DISPLAY": display,
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
        login = xdotool(display, "search", "--sync", "--onlyvisible", "--name", "Sign in")
        assert login
        alice = DEMO_ACCOUNTS[0]
        xdotool(display, "type", "--delay", "40", alice.username)
        xdotool(display, "key", "Tab")
        xdotool(display, "type", "--delay", "40", alice.password)
        xdotool(display, "key", "Return")

        workspace = xdotool(
            display, "search", "--sync", "--onlyvisible", "--name", "Workspace", timeout=60
        )
        time.sleep(1.0)  # let it paint before the screenshot
        subprocess.run(
            ["import", "-window", "root", str(screenshot)],
            env={**os.environ, "DISPLAY": display},
            check=True,
            timeout=30,
        )
        print(f"workspace screenshot: {screenshot}")

        assert workspace
        assert xdotool(display, "getwindowname", workspace.split()[0]).endswith("Workspace")
        assert screenshot.stat().st_size > 10_000

        xdotool(display, "key", "ctrl+q")
        assert app.wait(30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        output.close()
        xvfb.terminate()
        xvfb.wait(10)
        print((tmp_path / "app-output.txt").read_text())
