"""The desktop-auth application icon, from the PNGs shipped in the package."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSize
from PyQt5.QtGui import QIcon

import desktop_auth

# Copies of resources/icons/desktop-auth-<size>.png (a test keeps them equal); 512 px stays out
# of the package because no window needs it.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_dir() -> Path:
    """Where the package's PNG icons are: beside its modules in a checkout, an installed
    wheel and the PyInstaller build alike (each keeps package data as files on disk)."""
    return Path(desktop_auth.__file__).resolve().parent / "resources" / "icons"


def app_icon() -> QIcon:
    """The app icon in every packaged size, for window title bars, task bars and switchers.

    Each file is read only when a size is first drawn (``QIcon.addFile``), which keeps the
    PNG decoder off start-up. Needs a QGuiApplication.
    """
    icon = QIcon()
    directory = icon_dir()
    for size in ICON_SIZES:
        icon.addFile(str(directory / f"desktop-auth-{size}.png"), QSize(size, size))
    return icon
