"""Run something once a window is on screen: painted, active, and with the keyboard focus.

A window shows only when the event loop gets to paint it, so work started just after
``show()`` (building other windows, importing modules in workers, which holds Python's lock)
delays what the user sees. ``when_painted`` defers such work until the window has been
painted and activated and one of its widgets has the focus, or until ``fallback_ms`` have
passed (a window manager may never activate it), whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QEvent, QObject, QTimer
from PyQt5.QtWidgets import QApplication, QWidget

FALLBACK_MS = 300
# After the focus arrives: a frame, so that the focused field is painted before the work starts.
FRAME_MS = 17


class _WhenPainted(QObject):
    def __init__(self, window: QWidget, callback: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(window)
        self._window = window
        self._callback: Callable[[], None] | None = callback
        self._painted = False
        window.installEventFilter(self)
        QApplication.instance().focusChanged.connect(self._check)
        QTimer.singleShot(fallback_ms, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Paint:
            self._painted = True
            self._check()
        return False

    def _check(self) -> None:
        focus = QApplication.focusWidget()
        if (
            self._painted
            and self._window.isActiveWindow()
            and focus is not None
            and self._window.isAncestorOf(focus)
        ):
            QTimer.singleShot(FRAME_MS, self._fire)

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is None:
            return
        self._window.removeEventFilter(self)
        QApplication.instance().focusChanged.disconnect(self._check)
        self.deleteLater()
        callback()


def when_painted(
    window: QWidget, callback: Callable[[], None], fallback_ms: int = FALLBACK_MS
) -> None:
    """Call ``callback`` (once, in the GUI thread) when ``window`` has been painted, is active
    and has the focus, or after ``fallback_ms``; call it after ``window.show()``."""
    _WhenPainted(window, callback, fallback_ms)
