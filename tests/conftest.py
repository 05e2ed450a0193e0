"""Test-wide set-up: a headless Qt platform, and no Qt work or windows leaking between tests."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

import pytest

# The real Secret Service (gnome-keyring) fixture, for the keyring and the app tests.
from tests.keyring_service import secret_service  # noqa: F401

# A private Xvfb display, for the tests that drive the app as a real process with xdotool.
from tests.system_browser import system_browser  # noqa: F401
from tests.virtual_display import virtual_display  # noqa: F401

# Before any QApplication exists. QT_QPA_PLATFORM=xcb (with a display) shows the windows.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Qt warns when XDG_RUNTIME_DIR is unset (as under sudo or in containers), and Qt warnings
# fail tests; `make test` provides one, this covers running pytest directly.
_PRIVATE_RUNTIME_DIR: str | None = None
if not os.environ.get("XDG_RUNTIME_DIR"):
    _PRIVATE_RUNTIME_DIR = tempfile.mkdtemp(prefix="desktop-auth-xdg-")  # mode 0700
    os.environ["XDG_RUNTIME_DIR"] = _PRIVATE_RUNTIME_DIR

# How long work still running in QThreadPool at teardown may take to wind down before the test
# is failed: long enough for a worker that already emitted `finished` to return to the pool.
THREAD_POOL_GRACE_MS = 500
THREAD_POOL_CLEANUP_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    # The offscreen platform says this for every QMainWindow shown; it is not our warning.
    config.addinivalue_line(
        "qt_log_ignore", r"^This plugin does not support propagateSizeHints\(\)$"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PRIVATE_RUNTIME_DIR is not None:
        shutil.rmtree(_PRIVATE_RUNTIME_DIR, ignore_errors=True)


def _qt_leftovers() -> list[str]:
    """What a test left behind in Qt, cleaned up so the next test starts clean."""
    qtwidgets = sys.modules.get("PyQt5.QtWidgets")
    if qtwidgets is None:  # The test did not use Qt widgets; importing Qt here would be waste.
        return []
    app = qtwidgets.QApplication.instance()
    if app is None:
        return []
    from PyQt5.QtCore import QThreadPool

    leftovers = []
    pool = QThreadPool.globalInstance()
    if pool.activeThreadCount() and not pool.waitForDone(THREAD_POOL_GRACE_MS):
        leftovers.append(f"{pool.activeThreadCount()} QThreadPool task(s) still running")
        pool.waitForDone(THREAD_POOL_CLEANUP_MS)

    open_windows = [widget for widget in app.topLevelWidgets() if widget.isVisible()]
    for window in open_windows:
        name = window.objectName() or "(no object name)"
        leftovers.append(
            f"top-level window {type(window).__name__} {name!r} "
            f"titled {window.windowTitle()!r} still open"
        )
        window.close()
    return leftovers


@pytest.fixture(autouse=True)
def _no_qt_leftovers() -> Iterator[None]:
    """Fail a test that leaves QThreadPool work running or top-level windows open.

    pytest-qt closes the widgets registered with qtbot.addWidget before this runs.
    """
    yield
    leftovers = _qt_leftovers()
    if leftovers:
        pytest.fail("test left Qt state behind: " + "; ".join(leftovers), pytrace=False)
