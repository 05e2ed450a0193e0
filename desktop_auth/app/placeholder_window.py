"""The window shown until the sign-in dialog of the desktop client exists."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

WINDOW_TITLE = "desktop-auth \N{EM DASH} Sign in"


class PlaceholderWindow(QMainWindow):
    """A sign-in window that only says sign-in is not there yet, and can be quit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginWindow")
        self.setWindowTitle(WINDOW_TITLE)

        self.message = QLabel("Sign-in arrives with the desktop client.")
        self.message.setObjectName("placeholderMessage")
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setWordWrap(True)

        self.quit_button = QPushButton("&Quit")
        self.quit_button.setObjectName("quitButton")

        layout = QVBoxLayout()
        layout.addWidget(self.message)
        layout.addWidget(self.quit_button, alignment=Qt.AlignRight)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        self.resize(420, 180)

        self._connect_signals()

    def _connect_signals(self) -> None:
        self.quit_button.clicked.connect(self.close)
