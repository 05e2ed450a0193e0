"""The look of the desktop-auth windows: a light or dark scheme, its palette and style sheet."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QGuiApplication, QPainter, QPainterPath, QPalette, QPen
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QWidget,
)

log = logging.getLogger(__name__)

# "light" or "dark" forces a scheme; "auto" (or unset) follows the system palette.
THEME_ENV = "DESKTOP_AUTH_THEME"
THEMES = ("auto", "light", "dark")

# WCAG 2.x AA: 4.5:1 for text, 3:1 for large text and for the boundaries of controls and
# focus indicators (success criteria 1.4.3 and 1.4.11).
TEXT_CONTRAST = 4.5
NON_TEXT_CONTRAST = 3.0
# Space before the text of a table cell: as much as the headings' padding, so that they line up.
CELL_TEXT_MARGIN = 8


@dataclass(frozen=True)
class Scheme:
    """The colours of one theme, as #rrggbb. CONTRAST_PAIRS says which is drawn on which."""

    name: str
    background: str  # the window behind the cards and pages
    surface: str  # cards, the header, fields, tables
    surface_alt: str  # alternate table rows, read-only and disabled fields
    border: str  # decoration: card edges, separators
    control_border: str  # what shows where a field, check box or button is
    text: str
    muted: str  # secondary text, placeholders
    disabled: str  # the text of disabled controls
    accent: str  # the primary button, ticked check boxes, menu highlights
    accent_hover: str
    on_accent: str  # text and ticks on the accent
    accent_text: str  # accent-coloured text: the switch-user link, info messages, the roles chip
    marker: str  # the selected tab's underline, the busy indicator
    focus: str  # the focus ring
    focus_on_accent: str  # the focus ring of the accent-filled button
    selection: str  # selected rows
    on_selection: str
    error_text: str
    error_bg: str
    error_border: str
    info_bg: str
    info_border: str
    warning_text: str  # Caps Lock
    banner_text: str
    banner_bg: str
    banner_border: str
    chip_bg: str  # the roles chip
    notice_text: str
    notice_bg: str
    track: str  # the busy indicator's track


LIGHT = Scheme(
    name="light",
    background="#eef1f7",
    surface="#ffffff",
    surface_alt="#f5f7fb",
    border="#d5dbe6",
    control_border="#7b8598",
    text="#1d2330",
    muted="#5b6577",
    disabled="#7d8696",
    accent="#2563eb",
    accent_hover="#1d4ed8",
    on_accent="#ffffff",
    accent_text="#1d4ed8",
    marker="#2563eb",
    focus="#2563eb",
    focus_on_accent="#0b1430",
    selection="#dbe6fd",
    on_selection="#1d2330",
    error_text="#b42318",
    error_bg="#fdecea",
    error_border="#f5c2bd",
    info_bg="#eaf1fe",
    info_border="#c7d8fb",
    warning_text="#8a5a00",
    banner_text="#5c4400",
    banner_bg="#fff8e6",
    banner_border="#f0d48a",
    chip_bg="#e3ecfd",
    notice_text="#ffffff",
    notice_bg="#1d2330",
    track="#dfe5ef",
)

DARK = Scheme(
    name="dark",
    background="#16191f",
    surface="#1f232b",
    surface_alt="#262b35",
    border="#343a46",
    control_border="#6e778a",
    text="#e7eaf0",
    muted="#a4adbd",
    disabled="#7a8393",
    accent="#2563eb",
    accent_hover="#1d4ed8",
    on_accent="#ffffff",
    accent_text="#8fb4ff",
    marker="#78a4ff",
    focus="#78a4ff",
    focus_on_accent="#ffffff",
    selection="#28436f",
    on_selection="#e7eaf0",
    error_text="#ff8f85",
    error_bg="#3a1f1f",
    error_border="#6e2f2a",
    info_bg="#1b2a45",
    info_border="#2f4a7a",
    warning_text="#f0b429",
    banner_text="#f2d58a",
    banner_bg="#2a2413",
    banner_border="#5e4b1a",
    chip_bg="#1b2a45",
    notice_text="#15181f",
    notice_bg="#e6e9ef",
    track="#2c3340",
)

SCHEMES = {scheme.name: scheme for scheme in (LIGHT, DARK)}

# (what, foreground field, background field, minimum ratio): every colour the style sheet and
# the check box painter draw on another, with the WCAG AA minimum it must meet.
CONTRAST_PAIRS: tuple[tuple[str, str, str, float], ...] = (
    ("text on the window", "text", "background", TEXT_CONTRAST),
    ("text on cards, fields and tables", "text", "surface", TEXT_CONTRAST),
    ("text on alternate rows and read-only fields", "text", "surface_alt", TEXT_CONTRAST),
    ("secondary text on the window", "muted", "background", TEXT_CONTRAST),
    ("secondary text and placeholders on cards and fields", "muted", "surface", TEXT_CONTRAST),
    ("secondary text on alternate rows", "muted", "surface_alt", TEXT_CONTRAST),
    ("the primary button's text", "on_accent", "accent", TEXT_CONTRAST),
    ("the primary button's text, hovered", "on_accent", "accent_hover", TEXT_CONTRAST),
    ("the switch-user link on the card", "accent_text", "surface", TEXT_CONTRAST),
    ("an info message", "accent_text", "info_bg", TEXT_CONTRAST),
    ("the roles chip", "accent_text", "chip_bg", TEXT_CONTRAST),
    ("an error message", "error_text", "error_bg", TEXT_CONTRAST),
    ("the Caps Lock warning on the card", "warning_text", "surface", TEXT_CONTRAST),
    ("the demo banner", "banner_text", "banner_bg", TEXT_CONTRAST),
    ("a notification", "notice_text", "notice_bg", TEXT_CONTRAST),
    ("selected rows", "on_selection", "selection", TEXT_CONTRAST),
    # Disabled controls are exempt from 1.4.3; kept at 3:1 so that they stay legible.
    ("disabled text on the window", "disabled", "background", NON_TEXT_CONTRAST),
    ("disabled text on disabled fields and buttons", "disabled", "surface_alt", NON_TEXT_CONTRAST),
    ("field, check box and button edges on cards", "control_border", "surface", NON_TEXT_CONTRAST),
    ("button boundaries on the window", "control_border", "background", NON_TEXT_CONTRAST),
    ("the focus ring on cards, fields and tables", "focus", "surface", NON_TEXT_CONTRAST),
    ("the focus ring on the window", "focus", "background", NON_TEXT_CONTRAST),
    ("the primary button's focus ring against it", "focus_on_accent", "accent", NON_TEXT_CONTRAST),
    ("the primary button's focus ring around it", "focus_on_accent", "surface", NON_TEXT_CONTRAST),
    ("the selected tab's underline", "marker", "background", NON_TEXT_CONTRAST),
    ("the tick of a ticked check box", "on_accent", "accent", NON_TEXT_CONTRAST),
    ("the busy indicator on its track", "marker", "track", NON_TEXT_CONTRAST),
)


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` is a dark one: its windows darker than their text."""
    window = palette.color(QPalette.Window)
    return window.lightness() < palette.color(QPalette.WindowText).lightness()


def choose_scheme(theme: str | None = None, palette: QPalette | None = None) -> Scheme:
    """The scheme for ``theme``: "light", "dark", or "auto", which follows ``palette`` (the
    system's; default the application's). None reads $DESKTOP_AUTH_THEME, unset meaning "auto".
    """
    if theme is None:
        theme = os.environ.get(THEME_ENV, "")
    theme = theme.strip().lower() or "auto"
    if theme not in THEMES:
        log.warning(
            "theme %r is not one of %s; following the system palette", theme, ", ".join(THEMES)
        )
        theme = "auto"
    if theme == "auto":
        return DARK if is_dark(palette or QGuiApplication.palette()) else LIGHT
    return SCHEMES[theme]


def build_palette(scheme: Scheme) -> QPalette:
    """A palette in the scheme's colours, for what the style sheet does not draw (menus,
    scroll bars, pop-up lists, tooltips, placeholders)."""
    # This constructor derives Light, Mid, Dark and Shadow, which Fusion draws frames with.
    palette = QPalette(QColor(scheme.surface), QColor(scheme.background))
    for role, color in (
        (QPalette.Window, scheme.background),
        (QPalette.WindowText, scheme.text),
        (QPalette.Base, scheme.surface),
        (QPalette.AlternateBase, scheme.surface_alt),
        (QPalette.Text, scheme.text),
        (QPalette.PlaceholderText, scheme.muted),
        (QPalette.Button, scheme.surface),
        (QPalette.ButtonText, scheme.text),
        (QPalette.BrightText, scheme.on_accent),
        (QPalette.Highlight, scheme.accent),
        (QPalette.HighlightedText, scheme.on_accent),
        (QPalette.ToolTipBase, scheme.surface),
        (QPalette.ToolTipText, scheme.text),
        (QPalette.Link, scheme.accent_text),
        (QPalette.LinkVisited, scheme.accent_text),
    ):
        palette.setColor(role, QColor(color))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor(scheme.disabled))
    for role in (QPalette.Base, QPalette.Button):
        palette.setColor(QPalette.Disabled, role, QColor(scheme.surface_alt))
    return palette


class SchemeStyle(QProxyStyle):
    """Fusion, with check boxes drawn in the scheme's colours (Fusion outlines them in a shade
    of the window colour, which all but vanishes on a dark card) and roomier table cells."""

    def __init__(self, scheme: Scheme) -> None:
        super().__init__("Fusion")
        self.scheme = scheme

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        # Qt pads item text by this metric + 1; style sheets cannot pad a table's cells.
        if metric == QStyle.PM_FocusFrameHMargin and isinstance(widget, QAbstractItemView):
            return CELL_TEXT_MARGIN - 1
        return super().pixelMetric(metric, option, widget)

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PE_IndicatorCheckBox:
            self._draw_check_box(option, painter)
            return
        super().drawPrimitive(element, option, painter, widget)

    def _draw_check_box(self, option: QStyleOption, painter: QPainter) -> None:
        scheme = self.scheme
        enabled = bool(option.state & QStyle.State_Enabled)
        ticked = bool(option.state & (QStyle.State_On | QStyle.State_NoChange))
        box = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        side = min(box.width(), box.height())
        box.setSize(box.size().scaled(side, side, Qt.KeepAspectRatio))
        if not enabled:
            fill, edge, mark = scheme.surface_alt, scheme.border, scheme.disabled
        elif ticked:
            fill, edge, mark = scheme.accent, scheme.accent, scheme.on_accent
        else:
            fill, edge, mark = scheme.surface, scheme.control_border, scheme.on_accent
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor(edge), 1.0))
        painter.setBrush(QColor(fill))
        painter.drawRoundedRect(box, side * 0.2, side * 0.2)
        if ticked:
            painter.setPen(QPen(QColor(mark), max(1.5, side * 0.13), Qt.SolidLine, Qt.RoundCap))
            left, top = box.left(), box.top()
            if option.state & QStyle.State_NoChange:
                painter.drawLine(
                    QPointF(left + side * 0.28, top + side * 0.5),
                    QPointF(left + side * 0.72, top + side * 0.5),
                )
            else:
                tick = QPainterPath(QPointF(left + side * 0.26, top + side * 0.53))
                tick.lineTo(QPointF(left + side * 0.43, top + side * 0.70))
                tick.lineTo(QPointF(left + side * 0.75, top + side * 0.33))
                painter.setBrush(Qt.NoBrush)
                painter.drawPath(tick)
        painter.restore()


def style_sheet(scheme: Scheme) -> str:
    """The style sheet in ``scheme``'s colours.

    Selectors use object names (see each window's docstring), never class names alone, so an
    application embedding these widgets keeps its own look elsewhere. Every control that takes
    the keyboard focus has a :focus rule: a 2px ring in ``focus`` (borders grow by what the
    padding gives up, so nothing moves).
    """
    s = scheme
    # The activity-log viewer is styled inside the workspace and on its own.
    viewer = "QWidget#activityLogViewer"
    return f"""
QWidget#loginBackground {{ background: {s.background}; }}
QFrame#card {{
    background: {s.surface};
    border: 1px solid {s.border};
    border-radius: 12px;
}}
QFrame#card QLabel {{ background: transparent; border: none; }}
QLabel#appName {{ color: {s.muted}; font-weight: 600; }}
QLabel#heading {{ font-size: 20pt; font-weight: 600; color: {s.text}; }}
QLabel#issuerLabel {{ color: {s.muted}; }}
QLabel#usernameLabel, QLabel#passwordLabel {{ color: {s.text}; font-weight: 600; }}
QFrame#card QLineEdit {{
    border: 1px solid {s.control_border};
    border-radius: 8px;
    padding: 8px 10px;
    background: {s.surface};
    color: {s.text};
    selection-background-color: {s.accent};
    selection-color: {s.on_accent};
}}
QFrame#card QLineEdit:focus {{ border: 2px solid {s.focus}; padding: 7px 9px; }}
QFrame#card QLineEdit:disabled {{
    background: {s.surface_alt};
    color: {s.disabled};
    border-color: {s.border};
}}
QFrame#card QLineEdit[readOnly="true"] {{ background: {s.surface_alt}; }}
QFrame#card QCheckBox {{
    color: {s.text};
    spacing: 8px;
    border: 2px solid transparent;
    border-radius: 6px;
    padding: 2px 8px 2px 3px;
}}
QFrame#card QCheckBox:focus {{ border-color: {s.focus}; outline: none; }}
QFrame#card QCheckBox:disabled {{ color: {s.disabled}; }}
QLabel#capsLockWarning {{ color: {s.warning_text}; font-weight: 600; }}
QFrame#card QLabel#messageLabel {{
    border-radius: 8px;
    padding: 8px 10px;
    background: {s.error_bg};
    color: {s.error_text};
    border: 1px solid {s.error_border};
}}
QFrame#card QLabel#messageLabel[kind="info"] {{
    background: {s.info_bg};
    color: {s.accent_text};
    border: 1px solid {s.info_border};
}}
QProgressBar#busyIndicator {{
    border: none;
    border-radius: 2px;
    background: {s.track};
}}
QProgressBar#busyIndicator::chunk {{ background: {s.marker}; border-radius: 2px; }}
QPushButton#signInButton {{
    background: {s.accent};
    color: {s.on_accent};
    border: 2px solid {s.accent};
    border-radius: 8px;
    padding: 8px;
    font-weight: 600;
}}
QPushButton#signInButton:hover {{ background: {s.accent_hover}; border-color: {s.accent_hover}; }}
QPushButton#signInButton:focus {{ border-color: {s.focus_on_accent}; outline: none; }}
QPushButton#signInButton:disabled {{
    background: {s.surface_alt};
    color: {s.disabled};
    border-color: {s.border};
}}
QPushButton#switchUserButton {{
    background: transparent;
    color: {s.accent_text};
    border: 2px solid transparent;
    border-radius: 8px;
    padding: 4px;
}}
QPushButton#switchUserButton:hover {{ text-decoration: underline; }}
QPushButton#switchUserButton:focus {{ border-color: {s.focus}; outline: none; }}
QPushButton#browserButton, QPushButton#deviceButton {{
    background: {s.surface};
    color: {s.accent_text};
    border: 2px solid {s.control_border};
    border-radius: 8px;
    padding: 6px;
}}
QPushButton#browserButton:hover, QPushButton#deviceButton:hover {{ text-decoration: underline; }}
QPushButton#browserButton:focus, QPushButton#deviceButton:focus {{
    border-color: {s.focus};
    outline: none;
}}
QPushButton#browserButton:disabled, QPushButton#deviceButton:disabled {{
    color: {s.disabled};
    border-color: {s.border};
}}
QLabel#deviceCode {{ color: {s.text}; }}
QLabel#browserLink, QLabel#deviceUrl {{ color: {s.muted}; }}
QPushButton#settingsButton {{
    background: transparent;
    color: {s.muted};
    border: none;
    padding: 4px 6px;
}}
QPushButton#settingsButton:hover {{ color: {s.text}; text-decoration: underline; }}
QLabel#demoBanner {{
    background: {s.banner_bg};
    border: 1px solid {s.banner_border};
    border-radius: 10px;
    padding: 10px 14px;
    color: {s.banner_text};
}}
QLabel#notice {{
    background: {s.notice_bg};
    color: {s.notice_text};
    border-radius: 10px;
    padding: 10px 14px;
}}
QListView#rememberedAccountsList {{
    background: {s.surface};
    color: {s.text};
    border: 1px solid {s.control_border};
    selection-background-color: {s.selection};
    selection-color: {s.on_selection};
}}

QMainWindow#workspace {{ background: {s.background}; }}
QMainWindow#workspace QMenuBar {{ background: {s.surface}; color: {s.text}; }}
QMainWindow#workspace QMenuBar::item {{ padding: 4px 10px; background: transparent; }}
QMainWindow#workspace QMenuBar::item:selected {{
    background: {s.selection};
    color: {s.on_selection};
}}
QFrame#workspaceHeader {{ background: {s.surface}; border-bottom: 1px solid {s.border}; }}
QLabel#userLabel {{ font-size: 13pt; font-weight: 600; color: {s.text}; }}
QLabel#rolesLabel {{
    color: {s.accent_text};
    background: {s.chip_bg};
    border-radius: 10px;
    padding: 2px 10px;
}}
QLabel#pageHeading {{ font-size: 15pt; font-weight: 600; color: {s.text}; }}
QLabel#pageIntro {{ color: {s.muted}; margin-bottom: 6px; qproperty-indent: 0; }}
QTabWidget#workspaceTabs::pane {{ border: none; background: {s.background}; }}
/* The selected tab is underlined; no base line under the others. */
QTabWidget#workspaceTabs QTabBar {{ qproperty-drawBase: 0; }}
QTabWidget#workspaceTabs QTabBar::tab {{
    padding: 6px 14px;
    margin: 6px 2px 0px 2px;
    color: {s.muted};
    background: transparent;
    border: 2px solid transparent;
    border-radius: 6px;
    border-bottom-left-radius: 0px;
    border-bottom-right-radius: 0px;
}}
QTabWidget#workspaceTabs QTabBar::tab:first {{ margin-left: 18px; }}
QTabWidget#workspaceTabs QTabBar::tab:selected {{
    color: {s.text};
    border-bottom-color: {s.marker};
}}
QTabWidget#workspaceTabs QTabBar::tab:focus {{
    color: {s.on_selection};
    background: {s.selection};
    border-color: {s.focus};
}}
QTabWidget#workspaceTabs QTabBar::tab:disabled {{ color: {s.disabled}; }}
QMainWindow#workspace QTableView, {viewer} QTableView {{
    background: {s.surface};
    color: {s.text};
    border: 1px solid {s.control_border};
    border-radius: 8px;
    padding: 1px;
    alternate-background-color: {s.surface_alt};
    selection-background-color: {s.selection};
    selection-color: {s.on_selection};
    gridline-color: {s.border};
}}
QMainWindow#workspace QTableView:focus, {viewer} QTableView:focus {{
    border: 2px solid {s.focus};
    padding: 0px;
}}
QMainWindow#workspace QHeaderView::section, {viewer} QHeaderView::section {{
    background: {s.surface};
    color: {s.muted};
    border: none;
    border-bottom: 1px solid {s.border};
    padding: 6px {CELL_TEXT_MARGIN}px;
    font-weight: 600;
}}
QPlainTextEdit#documentEditor {{
    background: {s.surface};
    color: {s.text};
    border: 1px solid {s.control_border};
    border-radius: 8px;
    padding: 7px;
    selection-background-color: {s.accent};
    selection-color: {s.on_accent};
}}
QPlainTextEdit#documentEditor:focus {{ border: 2px solid {s.focus}; padding: 6px; }}
QSplitter#documentsSplitter::handle {{ background: transparent; width: 12px; }}
QToolBar#editActions {{
    background: transparent;
    border: none;
    spacing: 6px;
    padding: 0px 0px 6px 0px;
}}
QToolBar#editActions QToolButton, {viewer} QPushButton {{
    background: {s.surface};
    color: {s.text};
    border: 1px solid {s.control_border};
    border-radius: 6px;
    padding: 5px 12px;
}}
QToolBar#editActions QToolButton:hover, {viewer} QPushButton:hover {{
    background: {s.surface_alt};
}}
QToolBar#editActions QToolButton:focus, {viewer} QPushButton:focus {{
    border: 2px solid {s.focus};
    padding: 4px 11px;
    outline: none;
}}
QToolBar#editActions QToolButton:disabled, {viewer} QPushButton:disabled {{
    background: {s.surface_alt};
    color: {s.disabled};
    border-color: {s.border};
}}
{viewer} QLabel {{ color: {s.text}; }}
{viewer} QLabel#activityLogStatus {{ color: {s.muted}; }}
{viewer} QLineEdit, {viewer} QComboBox {{
    background: {s.surface};
    color: {s.text};
    border: 1px solid {s.control_border};
    border-radius: 6px;
    padding: 4px 8px;
    selection-background-color: {s.accent};
    selection-color: {s.on_accent};
}}
{viewer} QLineEdit:focus, {viewer} QComboBox:focus {{
    border: 2px solid {s.focus};
    padding: 3px 7px;
}}
QStatusBar#statusBar {{
    background: {s.surface};
    color: {s.text};
    border-top: 1px solid {s.border};
}}
QLabel#statusLabel {{ color: {s.muted}; padding: 2px 8px; }}
"""


def centre_on_screen(window: QWidget) -> None:
    """Move ``window`` to the middle of its screen's available area (before it is shown: the
    window manager may still place it, as Wayland's always does)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    frame = window.frameGeometry()
    frame.moveCenter(screen.availableGeometry().center())
    window.move(frame.topLeft())


def apply_style(app: QApplication, theme: str | None = None) -> Scheme:
    """Give ``app`` the desktop-auth look in the scheme ``theme`` chooses (see
    ``choose_scheme``: None means $DESKTOP_AUTH_THEME, else the system palette's); returns it.

    Call it before the windows are made, so that icons drawn in their colours match.
    """
    scheme = choose_scheme(theme, app.palette())  # read before our palette replaces it
    app.setStyle(SchemeStyle(scheme))
    app.setPalette(build_palette(scheme))
    # Icons are rendered at the screen's device pixel ratio (crisp at 200%).
    app.setAttribute(Qt.AA_UseHighDpiPixmaps)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(style_sheet(scheme))
    return scheme
