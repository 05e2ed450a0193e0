"""The look of the desktop-auth windows: the Fusion style, a light palette and a style sheet."""

from __future__ import annotations

from PyQt5.QtGui import QColor, QFont, QPalette
from PyQt5.QtWidgets import QApplication

ACCENT = "#2f6fed"
ACCENT_DARK = "#2459c4"
BACKGROUND = "#eef1f7"
SURFACE = "#ffffff"
BORDER = "#d5dbe6"
TEXT = "#1d2330"
MUTED = "#5b6577"
ERROR = "#b42318"

# Selectors use object names (see each window's docstring), never class names alone, so an
# application embedding these widgets keeps its own look elsewhere.
STYLE_SHEET = f"""
QWidget#loginBackground {{ background: {BACKGROUND}; }}
QFrame#card {{
    background: {SURFACE};
    border: 1px solid {BORDER};
    border-radius: 12px;
}}
QFrame#card QLabel {{ background: transparent; border: none; }}
QLabel#heading {{ font-size: 20pt; font-weight: 600; color: {TEXT}; }}
QLabel#issuerLabel {{ color: {MUTED}; }}
QLabel#usernameLabel, QLabel#passwordLabel {{ color: {TEXT}; font-weight: 600; }}
QFrame#card QLineEdit {{
    border: 1px solid {BORDER};
    border-radius: 8px;
    padding: 8px 10px;
    background: {SURFACE};
    color: {TEXT};
    selection-background-color: {ACCENT};
}}
QFrame#card QLineEdit:focus {{ border: 2px solid {ACCENT}; padding: 7px 9px; }}
QFrame#card QLineEdit:disabled {{ background: #f3f5f9; color: {MUTED}; }}
QFrame#card QLineEdit[readOnly="true"] {{ background: #f3f5f9; }}
QLabel#capsLockWarning {{ color: #9a6700; }}
QFrame#card QLabel#messageLabel {{
    border-radius: 8px;
    padding: 8px 10px;
    background: #fdecea;
    color: {ERROR};
    border: 1px solid #f5c2bd;
}}
QFrame#card QLabel#messageLabel[kind="info"] {{
    background: #eaf1fe;
    color: {ACCENT_DARK};
    border: 1px solid #c7d8fb;
}}
QProgressBar#busyIndicator {{
    border: none;
    border-radius: 2px;
    background: #e3e8f2;
}}
QProgressBar#busyIndicator::chunk {{ background: {ACCENT}; border-radius: 2px; }}
QPushButton#signInButton {{
    background: {ACCENT};
    color: white;
    border: none;
    border-radius: 8px;
    padding: 10px;
    font-weight: 600;
}}
QPushButton#signInButton:hover {{ background: {ACCENT_DARK}; }}
QPushButton#signInButton:focus {{ border: 2px solid #0b3a99; padding: 8px; }}
QPushButton#signInButton:disabled {{ background: #a9bff0; color: #f4f7fe; }}
QPushButton#switchUserButton {{
    background: transparent;
    border: none;
    color: {ACCENT_DARK};
    padding: 6px;
}}
QPushButton#switchUserButton:focus {{ text-decoration: underline; }}
QLabel#demoBanner {{
    background: #fff8e6;
    border: 1px solid #f0d48a;
    border-radius: 10px;
    padding: 10px 14px;
    color: #5c4400;
}}
QLabel#notice {{
    background: rgba(29, 35, 48, 235);
    color: white;
    border-radius: 10px;
    padding: 10px 14px;
}}
QMainWindow#workspace {{ background: {BACKGROUND}; }}
QFrame#workspaceHeader {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QLabel#userLabel {{ font-size: 13pt; font-weight: 600; color: {TEXT}; }}
QLabel#rolesLabel {{
    color: {ACCENT_DARK};
    background: #eaf1fe;
    border-radius: 9px;
    padding: 2px 10px;
}}
QLabel#pageHeading {{ font-size: 15pt; font-weight: 600; color: {TEXT}; }}
QLabel#pageIntro {{ color: {MUTED}; margin-bottom: 6px; }}
QTabWidget#workspaceTabs::pane {{ border: none; background: {BACKGROUND}; }}
QTabWidget#workspaceTabs QTabBar::tab {{
    padding: 8px 16px;
    color: {MUTED};
    border: none;
    border-bottom: 2px solid transparent;
    background: transparent;
}}
QTabWidget#workspaceTabs QTabBar::tab:selected {{
    color: {TEXT};
    border-bottom: 2px solid {ACCENT};
}}
QTabWidget#workspaceTabs QTabBar::tab:disabled {{ color: #a3abb9; }}
QTableWidget, QTableView {{
    background: {SURFACE};
    border: 1px solid {BORDER};
    border-radius: 8px;
    alternate-background-color: #f7f9fc;
    selection-background-color: #dbe6fd;
    selection-color: {TEXT};
}}
QHeaderView::section {{
    background: {SURFACE};
    color: {MUTED};
    border: none;
    border-bottom: 1px solid {BORDER};
    padding: 6px 8px;
    font-weight: 600;
}}
QToolBar#editActions {{ background: transparent; border: none; spacing: 6px; }}
QToolBar#editActions QToolButton {{
    background: {SURFACE};
    border: 1px solid {BORDER};
    border-radius: 6px;
    padding: 5px 12px;
    color: {TEXT};
}}
QToolBar#editActions QToolButton:disabled {{ color: #a3abb9; background: #f3f5f9; }}
QStatusBar#statusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; }}
QLabel#statusLabel {{ color: {MUTED}; padding: 2px 8px; }}
"""


def apply_style(app: QApplication) -> None:
    """Give ``app`` the desktop-auth look (Fusion, a light palette, the style sheet)."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.Window, QColor(BACKGROUND))
    palette.setColor(QPalette.Base, QColor(SURFACE))
    palette.setColor(QPalette.AlternateBase, QColor("#f7f9fc"))
    palette.setColor(QPalette.Text, QColor(TEXT))
    palette.setColor(QPalette.WindowText, QColor(TEXT))
    palette.setColor(QPalette.Button, QColor(SURFACE))
    palette.setColor(QPalette.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.HighlightedText, QColor("white"))
    app.setPalette(palette)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
