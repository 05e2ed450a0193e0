"""The desktop-auth application icon, from the PNGs shipped in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PyQt5.QtCore import QSize
from PyQt5.QtGui import QIcon, QPixmap

# Copies of resources/icons/desktop-auth-<size>.png (a test keeps them equal); 512 px stays out
# of the package because no window needs it.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The app icon in every packaged size, for window title bars, task bars and switchers.

    Read through importlib.resources, so it is found in a checkout, an installed wheel and the
    PyInstaller build alike. Needs a QGuiApplication (pixmaps do). Files on disk are read
    only when a size is first drawn (``QIcon.addFile``), which keeps them off start-up.
    """
    package = resources.files("desktop_auth")
    icon = QIcon()
    for size in ICON_SIZES:
        resource = package.joinpath(f"resources/icons/desktop-auth-{size}.png")
        if isinstance(resource, Path):
            icon.addFile(str(resource), QSize(size, size))
            continue
        png = resource.read_bytes()  # inside an archive: decoded now
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        icon.addPixmap(pixmap)
    return icon
