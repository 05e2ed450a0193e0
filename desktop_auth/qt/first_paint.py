"""Run something once a window is on screen: painted, active, and with the keyboard focus.

A window shows only when the event loop gets to paint it, so work started just after
``show()`` (building other windows, importing modules in workers, which holds Python's lock)
delays what the user sees. ``when_painted`` defers such work until the window has been
painted and activated and one of its widgets has had the focus for a frame, or until
``fallback_ms`` have passed (a window manager may never activate it), whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QEvent, QObject, QTimer
from PyQt5.QtWidgets import QApplication, QWidget

FALLBACK_MS = 300
# How often the window is looked at; the work starts at the second look that finds it ready,
# so the focused field has been painted by then.
FRAME_MS = 16


class _WhenPainted(QObject):
    """A child of the window: if the window goes first, so do its timers and the callback."""

    def __init__(self, window: QWidget, callback: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(window)
        self._window = window
        self._callback: Callable[[], None] | None = callback
        self._painted = False
        self._seen_ready = False
        window.installEventFilter(self)
        self._look = QTimer(self)
        self._look.setInterval(FRAME_MS)
        self._look.timeout.connect(self._on_look)
        self._look.start()
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._fire)
        self._fallback.start(fallback_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Paint:
            self._painted = True
        return False

    def _on_look(self) -> None:
        focus = QApplication.focusWidget()
        ready = (
            self._painted
            and self._window.isActiveWindow()
            and focus is not None
            and self._window.isAncestorOf(focus)
        )
        if ready and self._seen_ready:
            self._fire()
        self._seen_ready = ready

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is None:
            return
        self._look.stop()
        self._fallback.stop()
        self._window.removeEventFilter(self)
        self.deleteLater()
        callback()


def when_painted(
    window: QWidget, callback: Callable[[], None], fallback_ms: int = FALLBACK_MS
) -> None:
    """Call ``callback`` (once, in the GUI thread) when ``window`` has been painted, is active
    and has the focus, or after ``fallback_ms``; call it after ``window.show()``. Nothing is
    called if the window is deleted first."""
    _WhenPainted(window, callback, fallback_ms)
