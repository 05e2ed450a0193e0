"""DeviceCodePanel: the code and address for signing in on another device (RFC 8628)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor, QImage, QPainter, QPixmap
from PyQt5.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from desktop_auth.qt.translation import TranslationContext

if TYPE_CHECKING:
    from desktop_auth.oidc.device import DeviceCode

# A QR code wants a light margin of four modules around it to be read reliably.
QUIET_ZONE_MODULES = 4
MODULE_PIXELS = 3


def qr_pixmap(text: str, module_pixels: int = MODULE_PIXELS) -> QPixmap:
    """``text`` as a black-on-white QR code (error correction M), crisp at any scale."""
    import segno  # only needed once a device code is shown

    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix]
    size = len(rows) + 2 * QUIET_ZONE_MODULES
    image = QImage(size, size, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x + QUIET_ZONE_MODULES, y + QUIET_ZONE_MODULES, 1, 1, Qt.black)
    painter.end()
    # Scaled without smoothing: every module stays a sharp square.
    return QPixmap.fromImage(image.scaled(size * module_pixels, size * module_pixels))


class DeviceCodePanel(QFrame):
    """What to do on the other device: open the address (or scan the QR code) and enter the
    code. Object names: devicePanel, deviceInstructions, deviceUrl, deviceCode, deviceQr."""

    tr = TranslationContext("DeviceCodePanel")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("devicePanel")
        self.instructions = QLabel(
            DeviceCodePanel.tr("On your phone or another computer, open this address:")
        )
        self.instructions.setObjectName("deviceInstructions")
        self.instructions.setWordWrap(True)
        self.url_label = QLabel()
        self.url_label.setObjectName("deviceUrl")
        self.url_label.setTextFormat(Qt.PlainText)  # the address comes from the server
        self.url_label.setTextInteractionFlags(
            Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard
        )
        self.url_label.setWordWrap(True)
        self.url_label.setAccessibleName(DeviceCodePanel.tr("Address to open"))
        self.code_intro = QLabel(DeviceCodePanel.tr("and enter this code:"))
        self.code_label = QLabel()
        self.code_label.setObjectName("deviceCode")
        self.code_label.setTextFormat(Qt.PlainText)
        self.code_label.setTextInteractionFlags(
            Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard
        )
        self.code_label.setAlignment(Qt.AlignCenter)
        font = self.code_label.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        font.setLetterSpacing(font.AbsoluteSpacing, 2)
        self.code_label.setFont(font)
        self.code_label.setAccessibleName(DeviceCodePanel.tr("Code to enter"))
        self.qr_label = QLabel()
        self.qr_label.setObjectName("deviceQr")
        self.qr_label.setAlignment(Qt.AlignCenter)
        self.qr_label.setAccessibleName(DeviceCodePanel.tr("QR code of the address"))
        self.qr_label.setAccessibleDescription(
            DeviceCodePanel.tr("Scan it with a phone to open the address with the code filled in.")
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        for widget in (
            self.instructions,
            self.url_label,
            self.code_intro,
            self.code_label,
            self.qr_label,
        ):
            layout.addWidget(widget)

    @property
    def code(self) -> str:
        return self.code_label.text()

    def show_code(self, device_code: DeviceCode) -> None:
        """Show ``device_code``; the QR code carries the address with the code in it."""
        self.url_label.setText(device_code.verification_uri)
        self.code_label.setText(device_code.user_code)
        complete = device_code.verification_uri_complete or device_code.verification_uri
        self.qr_label.setPixmap(qr_pixmap(complete))
        self.show()

    def clear(self) -> None:
        self.url_label.clear()
        self.code_label.clear()
        self.qr_label.clear()
        self.hide()
