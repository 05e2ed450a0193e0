"""IdleWatcher: tells when the user has not touched keyboard or mouse for a while (idle lock)."""

from __future__ import annotations

import time

from PyQt5.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QApplication

# What counts as the user being there. Not paints, timers or focus changes: those happen by
# themselves (a notification, a refresh) and must not keep an abandoned session open.
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.KeyPress,
        QEvent.MouseButtonPress,
        QEvent.MouseMove,
        QEvent.Wheel,
        QEvent.TouchBegin,
        QEvent.TabletPress,
        QEvent.ShortcutOverride,
    }
)


class IdleWatcher(QObject):
    """Emits ``idle`` once the application got no user input for ``timeout_seconds``.

    It watches every event of the QApplication through an event filter that only notes the
    time (mouse moves are frequent); one single-shot timer checks that time when it fires and
    re-arms itself for the rest, so an active user costs no timer restarts. ``idle`` fires
    once per idle period: watching starts again with ``start()``.
    """

    idle = pyqtSignal()

    def __init__(self, timeout_seconds: float = 0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idleWatcher")
        self._timeout = max(0.0, timeout_seconds)
        self._last_input = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setObjectName("idleTimer")
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.CoarseTimer)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._check)

    @property
    def timeout_seconds(self) -> float:
        return self._timeout

    @property
    def watching(self) -> bool:
        return self._timer.isActive()

    def set_timeout(self, seconds: float) -> None:
        """Change the timeout (0: never idle); takes effect at once if watching."""
        self._timeout = max(0.0, seconds)
        if self.watching:
            self.start()

    @pyqtSlot()
    def start(self) -> None:
        """Watch from now (the user counts as active now)."""
        self._last_input = time.monotonic()
        app = QApplication.instance()
        if self._timeout <= 0 or app is None:
            self.stop()
            return
        app.removeEventFilter(self)  # installing twice would filter twice
        app.installEventFilter(self)
        self._arm(self._timeout)

    @pyqtSlot()
    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _arm(self, seconds: float) -> None:
        # At least 50 ms, so that rounding never turns the timer into a busy loop.
        self._timer.start(max(50, int(seconds * 1000)))

    @pyqtSlot()
    def _check(self) -> None:
        remaining = self._last_input + self._timeout - time.monotonic()
        if remaining > 0:
            self._arm(remaining)
            return
        self.stop()
        self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            self._last_input = time.monotonic()
        return False
