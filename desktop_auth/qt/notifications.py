"""Notifier: tray messages where a system tray exists, else a self-dismissing in-window notice."""

from __future__ import annotations

import logging
from html import escape
from typing import Protocol, runtime_checkable

from PyQt5.QtCore import QEvent, QObject, Qt, QTimer, pyqtSlot
from PyQt5.QtGui import QColor, QIcon, QPainter, QPixmap
from PyQt5.QtWidgets import QApplication, QLabel, QSystemTrayIcon, QWidget

from desktop_auth.qt.translation import TranslationContext

log = logging.getLogger(__name__)

NOTICE_MS = 4000
NOTICE_MARGIN = 16


def app_icon() -> QIcon:
    """A plain round icon drawn in code, so the tray never shows an empty icon."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(QColor("#2f6fed"))
    painter.setPen(Qt.NoPen)
    painter.drawEllipse(4, 4, 56, 56)
    painter.setBrush(QColor("white"))
    painter.drawRoundedRect(22, 30, 20, 16, 3, 3)
    painter.setPen(QColor("white"))
    pen = painter.pen()
    pen.setWidth(4)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    painter.drawArc(25, 16, 14, 22, 0, 180 * 16)
    painter.end()
    return QIcon(pixmap)


class Notice(QLabel):
    """A non-modal banner over a window's bottom edge; it never takes the keyboard focus."""

    tr = TranslationContext("Notice")

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("notice")
        self.setFocusPolicy(Qt.NoFocus)
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setWordWrap(True)
        self.setTextFormat(Qt.RichText)
        self.setAccessibleName(Notice.tr("Notification"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        host.installEventFilter(self)
        self.hide()

    def show_text(self, title: str, message: str, timeout_ms: int) -> None:
        # Messages may come from a server: shown as text, never as markup.
        heading = f"<b>{escape(title)}</b>"
        self.setText(f"{heading}<br>{escape(message)}" if message else heading)
        self.setAccessibleDescription(f"{title}. {message}")
        self._place()
        self.show()
        self.raise_()
        self._timer.start(timeout_ms)

    def _place(self) -> None:
        host = self.parentWidget()
        width = min(420, host.width() - 2 * NOTICE_MARGIN)
        self.setFixedWidth(max(width, 120))
        self.adjustSize()
        self.move((host.width() - self.width()) // 2, host.height() - self.height() - NOTICE_MARGIN)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Resize and self.isVisible():
            self._place()
        return super().eventFilter(watched, event)


@runtime_checkable
class SupportsNotify(Protocol):
    """What ``DesktopAuth`` needs of a notifier: ``notify(title, message)``, called in the UI
    thread when the user signs in or out, the session expires, a sign-in fails while the
    login window is not in front, or a permission is denied. ``Notifier`` is one; an app may
    pass its own (its status bar, a desktop notification service, ...)."""

    def notify(self, title: str, message: str = "") -> None:
        """Tell the user ``title`` (and ``message``, which may be empty)."""
        ...


# The notices the reference app and DesktopAuth both give, in the app's words and its
# translation context.
DesktopApp = TranslationContext("DesktopApp")


def notify_permission_denied(notifier: SupportsNotify, permission: str, action: str) -> None:
    """A gated action's shortcut was pressed without ``permission``."""
    notifier.notify(
        DesktopApp.tr("Not allowed"),
        DesktopApp.tr("{action} requires the permission {permission}.").format(
            action=action, permission=permission
        ),
    )


def notify_revocation_failed(notifier: SupportsNotify, message: str) -> None:
    """Signed out here, but the identity server could not be told (``message`` says why)."""
    notifier.notify(DesktopApp.tr("Signed out on this computer only"), message)


class Notifier(QObject):
    """Tells the user about sign-in, failure, sign-out and expiry without interrupting them.

    With a system tray the message is a tray balloon; otherwise it is a ``Notice`` (object
    name "notice") in ``host``, the window the app shows at the moment. ``enabled`` False
    (the user turned notifications off) drops messages instead, logging them.
    """

    def __init__(
        self,
        host: QWidget | None = None,
        use_tray: bool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("notifier")
        self._host = host
        self._notices: dict[int, Notice] = {}
        self._enabled = True
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self._tray: QSystemTrayIcon | None = None
        if use_tray:
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip(QApplication.applicationName() or "desktop-auth")
            self._tray.show()

    @property
    def uses_tray(self) -> bool:
        return self._tray is not None

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Turn notifications on or off; off also hides a notice on screen now."""
        self._enabled = enabled
        if not enabled:
            for notice in self._notices.values():
                notice.hide()

    def set_host(self, host: QWidget | None) -> None:
        """The window in which notices appear when there is no tray."""
        self._host = host

    def notice_in(self, host: QWidget) -> Notice | None:
        return self._notices.get(id(host))

    @pyqtSlot(str, str)
    def notify(self, title: str, message: str = "", timeout_ms: int = NOTICE_MS) -> None:
        """Show ``title`` and ``message`` for ``timeout_ms`` (unless turned off)."""
        if not self._enabled:
            log.info("notification not shown (turned off): %s", title)
            return
        if self._tray is not None:
            self._tray.showMessage(title, message, QSystemTrayIcon.Information, timeout_ms)
            return
        host = self._host
        if host is None:
            log.info("notification with no window to show it in: %s", title)
            return
        notice = self._notices.get(id(host))
        if notice is None:
            notice = Notice(host)
            self._notices[id(host)] = notice
            key = id(host)
            host.destroyed.connect(lambda *_: self._notices.pop(key, None))
        notice.show_text(title, message, timeout_ms)

    def hide_tray(self) -> None:
        if self._tray is not None:
            self._tray.hide()
