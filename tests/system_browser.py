"""The system browser, for tests: QDesktopServices hands it the http(s) addresses the app opens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PyQt5.QtCore import QObject, QUrl, pyqtSlot
from PyQt5.QtGui import QDesktopServices


class SystemBrowser(QObject):
    """What QDesktopServices.openUrl hands http(s) addresses to while a test runs: a robot
    acting as the person at the browser (no real browser runs on a test machine)."""

    def __init__(self) -> None:
        super().__init__()
        self.robot: Callable[[str], None] | None = None
        self.opened: list[str] = []

    @pyqtSlot(QUrl)
    def open(self, url: QUrl) -> None:
        address = url.toString(QUrl.FullyEncoded)
        self.opened.append(address)
        if self.robot is not None:
            self.robot(address)


@pytest.fixture(autouse=True)
def system_browser() -> Iterator[SystemBrowser]:
    """For every test: nothing a test does opens a real browser on the machine running it."""
    browser = SystemBrowser()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, browser, "open")
    yield browser
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)
