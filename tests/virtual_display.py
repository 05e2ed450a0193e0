"""A private Xvfb display driven with xdotool, for the tests that run the app as a real process.

The `virtual_display` fixture is registered for every test by tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TOOLS = ("Xvfb", "xdotool", "import")
# How long typed text waits between keys: slow enough for Qt to keep every key in order.
TYPING_DELAY_MS = "40"


class VirtualDisplay:
    """One Xvfb server: its DISPLAY name, and what a user does on it (xdotool, screenshots)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def env(self) -> dict[str, str]:
        """This environment with DISPLAY set to this display."""
        return {**os.environ, "DISPLAY": self.name}

    def xdotool(self, *args: str, timeout: float = 30) -> str:
        result = subprocess.run(
            ["xdotool", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return result.stdout.strip()

    def wait_for_window(self, title: str, timeout: float = 30) -> str:
        """The id of the first visible window whose title contains ``title``, once one shows."""
        found = self.xdotool("search", "--sync", "--onlyvisible", "--name", title, timeout=timeout)
        return found.split()[0]

    def window_property(self, window: str, name: str) -> str:
        """An X property of a window as xprop prints it (x11-utils)."""
        result = subprocess.run(
            ["xprop", "-id", window, name],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout

    def sign_in(self, username: str, password: str, *, stay_signed_in: bool = False) -> None:
        """Into the focused login window, as a user does: username, Tab, password, Enter
        (with Alt+G, "Stay signed in", before Enter if asked)."""
        self.xdotool("type", "--delay", TYPING_DELAY_MS, username)
        self.xdotool("key", "Tab")
        self.xdotool("type", "--delay", TYPING_DELAY_MS, password)
        if stay_signed_in:
            self.xdotool("key", "alt+g")
        self.xdotool("key", "Return")

    def screenshot(self, path: Path) -> None:
        """The whole screen as a PNG, a moment after the last change so that it has painted."""
        time.sleep(1.0)
        subprocess.run(
            ["import", "-window", "root", str(path)], env=self.env, check=True, timeout=30
        )
        print(f"screenshot: {path}")


def start_xvfb(screen: str = "1280x800x24") -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb (WIDTHxHEIGHTxDEPTH) on a display number it picks itself (-displayfd), so parallel
    runs never clash; returns the process and its DISPLAY name."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not report its display"
    return xvfb, f":{number}"


@pytest.fixture
def virtual_display() -> Iterator[VirtualDisplay]:
    """A fresh Xvfb screen (1280x800) of this test's own, stopped afterwards."""
    if any(shutil.which(tool) is None for tool in TOOLS):
        pytest.skip("needs Xvfb, xdotool and ImageMagick's import (make deps installs them)")
    xvfb, name = start_xvfb()
    try:
        yield VirtualDisplay(name)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
