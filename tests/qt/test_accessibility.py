"""The look, checked for accessibility: light and dark schemes chosen from the system palette
(or DESKTOP_AUTH_THEME), WCAG AA contrast of every colour pair, a visible focus ring on every
control that takes the focus, and sign-in messages exposed to screen readers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import pytest
from PyQt5.QtCore import Qt, QThreadPool
from PyQt5.QtGui import QColor, QFont, QImage, QPalette
from PyQt5.QtWidgets import QApplication, QTabBar, QWidget

from desktop_auth.activity_log import ActivityLog
from desktop_auth.app.workspace import WorkspaceWindow
from desktop_auth.errors import AuthFailure
from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.log_viewer import ActivityLogViewer
from desktop_auth.qt.permission_gate import PermissionGate
from desktop_auth.qt.style import (
    CONTRAST_PAIRS,
    DARK,
    LIGHT,
    NON_TEXT_CONTRAST,
    TEXT_CONTRAST,
    THEME_ENV,
    Scheme,
    apply_style,
    build_palette,
    choose_scheme,
    style_sheet,
)
from tests.qt.conftest import no_server

SCHEMES = pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=lambda s: s.name)

# --- WCAG 2.x contrast, computed here from the definition, not taken from the code under test


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour "#rrggbb"."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    q = QColor(color)
    return 0.2126 * linear(q.red()) + 0.7152 * linear(q.green()) + 0.0722 * linear(q.blue())


def contrast_ratio(a: str, b: str) -> float:
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # #767676 on white is the well-known lightest grey that passes AA for text.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@SCHEMES
def test_every_colour_pair_meets_wcag_aa(scheme):
    colours = asdict(scheme)
    failures = [
        f"{what}: {colours[fg]} on {colours[bg]} is "
        f"{contrast_ratio(colours[fg], colours[bg]):.2f}:1, needs {minimum}:1"
        for what, fg, bg, minimum in CONTRAST_PAIRS
        if contrast_ratio(colours[fg], colours[bg]) < minimum
    ]
    assert failures == []


def test_text_pairs_ask_for_4_5_and_boundaries_and_focus_rings_for_3():
    minimums = {what: minimum for what, _, _, minimum in CONTRAST_PAIRS}
    assert minimums["text on cards, fields and tables"] == TEXT_CONTRAST == 4.5
    assert minimums["the Caps Lock warning on the card"] == TEXT_CONTRAST
    assert minimums["secondary text on the window"] == TEXT_CONTRAST
    assert minimums["the focus ring on the window"] == NON_TEXT_CONTRAST == 3.0
    assert minimums["field, check box and button edges on cards"] == NON_TEXT_CONTRAST


# --- what the style sheet draws, parsed


@dataclass(frozen=True)
class Rule:
    selectors: tuple[str, ...]
    declarations: dict[str, str]


def parse_rules(sheet: str) -> list[Rule]:
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append(Rule(tuple(s.strip() for s in selectors.split(",")), declarations))
    return rules


def colour_of(value: str) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}", value)
    return found.group(0).lower() if found else None


@SCHEMES
def test_the_style_sheet_uses_only_scheme_colours(scheme):
    used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", style_sheet(scheme))}
    assert used
    assert used <= {v for k, v in asdict(scheme).items() if k != "name"}


@SCHEMES
def test_every_text_colour_in_the_style_sheet_is_a_checked_pair(scheme):
    colours = asdict(scheme)
    checked = {(colours[fg], colours[bg]) for _, fg, bg, _ in CONTRAST_PAIRS}
    foregrounds = {fg for fg, _ in checked}
    unchecked = []
    for rule in parse_rules(style_sheet(scheme)):
        d = rule.declarations
        for fg_name, bg_names in (
            ("color", ("background", "background-color")),
            ("selection-color", ("selection-background-color",)),
        ):
            fg = colour_of(d.get(fg_name, ""))
            bg = next((colour_of(d[name]) for name in bg_names if name in d), None)
            if fg is None:
                continue
            if bg is not None and (fg, bg) not in checked:
                unchecked.append(f"{rule.selectors[0]}: {fg} on {bg}")
            elif bg is None and fg not in foregrounds:
                unchecked.append(f"{rule.selectors[0]}: {fg}")
    assert unchecked == []


@SCHEMES
def test_the_palette_pairs_meet_wcag_aa_too(scheme):
    """Menus, tooltips, pop-up lists and placeholders are drawn from the palette."""
    palette = build_palette(scheme)
    for text, background in (
        (QPalette.WindowText, QPalette.Window),
        (QPalette.Text, QPalette.Base),
        (QPalette.Text, QPalette.AlternateBase),
        (QPalette.PlaceholderText, QPalette.Base),
        (QPalette.ButtonText, QPalette.Button),
        (QPalette.HighlightedText, QPalette.Highlight),
        (QPalette.ToolTipText, QPalette.ToolTipBase),
        (QPalette.Link, QPalette.Base),
    ):
        ratio = contrast_ratio(palette.color(text).name(), palette.color(background).name())
        assert ratio >= TEXT_CONTRAST, (text, background, ratio)


# --- choosing the scheme


def system_palette(window: str) -> QPalette:
    """A palette as a platform theme gives it: text colours derived from the window colour."""
    return QPalette(QColor(window))


def test_a_light_system_palette_gives_the_light_scheme(monkeypatch):
    monkeypatch.delenv(THEME_ENV, raising=False)
    assert choose_scheme(palette=system_palette("#efefef")) is LIGHT


def test_a_dark_system_palette_gives_the_dark_scheme(monkeypatch):
    monkeypatch.delenv(THEME_ENV, raising=False)
    assert choose_scheme(palette=system_palette("#2a2a2e")) is DARK


@pytest.mark.parametrize(
    ("value", "window", "expected"),
    [
        ("dark", "#efefef", DARK),
        ("light", "#2a2a2e", LIGHT),
        (" Dark ", "#efefef", DARK),
        ("auto", "#2a2a2e", DARK),
        ("", "#2a2a2e", DARK),
    ],
)
def test_desktop_auth_theme_forces_a_scheme_or_follows_the_system(
    monkeypatch, value, window, expected
):
    monkeypatch.setenv(THEME_ENV, value)
    assert choose_scheme(palette=system_palette(window)) is expected


def test_an_unknown_theme_is_logged_and_the_system_palette_decides(monkeypatch, caplog):
    monkeypatch.setenv(THEME_ENV, "purple")
    with caplog.at_level(logging.WARNING, logger="desktop_auth.qt.style"):
        assert choose_scheme(palette=system_palette("#2a2a2e")) is DARK
    assert "purple" in caplog.text


@pytest.fixture
def styled(qapp) -> Iterator[Callable[[str], Scheme]]:
    """``styled(theme)`` applies the desktop-auth look to the application; undone afterwards,
    so that the rest of the suite runs unstyled."""
    style_name = qapp.style().objectName()
    palette, font = QPalette(qapp.palette()), QFont(qapp.font())
    high_dpi_pixmaps = qapp.testAttribute(Qt.AA_UseHighDpiPixmaps)
    yield lambda theme: apply_style(qapp, theme)
    qapp.setStyleSheet("")
    qapp.setStyle(style_name)
    qapp.setPalette(palette)
    qapp.setFont(font)
    qapp.setAttribute(Qt.AA_UseHighDpiPixmaps, high_dpi_pixmaps)


def test_apply_style_gives_the_application_the_schemes_palette_and_sheet(qapp, styled):
    scheme = styled("dark")

    assert scheme is DARK
    assert qapp.palette().color(QPalette.Window).name() == DARK.background
    assert qapp.palette().color(QPalette.Base).name() == DARK.surface
    assert qapp.palette().color(QPalette.Text).name() == DARK.text
    assert qapp.styleSheet() == style_sheet(DARK)
    assert qapp.testAttribute(Qt.AA_UseHighDpiPixmaps)  # icons crisp at 200%


# --- focus: a rule in the style sheet, and pixels that change


def matches(compound: str, widget: QWidget) -> bool:
    """Whether a simple selector such as ``QFrame#card`` or ``#card`` selects ``widget``."""
    compound = re.split(r"::|:", compound, maxsplit=1)[0]
    type_name, _, object_name = compound.partition("#")
    return (not type_name or widget.inherits(type_name)) and (
        not object_name or widget.objectName() == object_name
    )


def selects(selector: str, widget: QWidget) -> bool:
    """Descendant selectors, as Qt style sheets read them: the last part selects the widget,
    each earlier one some ancestor, in order."""
    *ancestors, last = selector.split()
    if not matches(last, widget):
        return False
    parent = widget.parentWidget()
    for compound in reversed(ancestors):
        while parent is not None and not matches(compound, parent):
            parent = parent.parentWidget()
        if parent is None:
            return False
        parent = parent.parentWidget()
    return True


def focus_rule(scheme: Scheme, widget: QWidget) -> Rule | None:
    for rule in parse_rules(style_sheet(scheme)):
        for selector in rule.selectors:
            if ":focus" in selector and selects(selector, widget):
                return rule
    return None


def focusable_controls(window: QWidget) -> list[QWidget]:
    """What Tab can stop on in ``window``, shown or not (the lock screen's button is hidden)."""
    return [
        widget
        for widget in window.findChildren(QWidget)
        if widget.focusPolicy() & Qt.TabFocus
        and widget.focusProxy() is None
        and not widget.isWindow()
        and not isinstance(widget.parentWidget(), QTabBar)  # its scroll arrows
    ]


@pytest.fixture
def workspace(qtbot, tmp_path) -> Iterator[WorkspaceWindow]:
    """The workspace with every permission, its activity log viewer on an empty log."""
    activity_log = ActivityLog(tmp_path / "activity.sqlite3")
    gate = PermissionGate()
    window = WorkspaceWindow(gate, ActivityLogViewer(activity_log))
    qtbot.addWidget(window)
    gate.set_permissions(frozenset({"*"}))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    window.close()
    assert QThreadPool.globalInstance().waitForDone(5000)
    activity_log.close()


@SCHEMES
def test_every_control_that_takes_the_focus_has_a_focus_ring_in_the_style_sheet(
    scheme, offline_window, workspace
):
    controls = focusable_controls(offline_window) + focusable_controls(workspace)
    names = {widget.objectName() for widget in controls}
    assert {"username", "password", "showPassword", "staySignedIn", "signInButton"} <= names
    assert {"switchUserButton", "documentsTable", "documentEditor", "eventFilter"} <= names
    assert {"userFilter", "textFilter", "exportButton", "activityLogTable"} <= names
    assert any(isinstance(widget, QTabBar) for widget in controls)
    rings = {scheme.focus, scheme.focus_on_accent}
    missing = []
    for widget in controls:
        rule = focus_rule(scheme, widget)
        ring = {colour_of(v) for v in rule.declarations.values()} if rule else set()
        if not ring & rings:
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert missing == []


def changed_pixels(before: QImage, after: QImage) -> int:
    assert before.size() == after.size()
    return sum(
        before.pixel(x, y) != after.pixel(x, y)
        for y in range(before.height())
        for x in range(before.width())
    )


def assert_focus_shows(qtbot, window: QWidget, widgets: list[QWidget]) -> None:
    """Focusing each widget (with Tab's reason) visibly changes it, by a ring's worth of pixels
    (a text cursor alone would not do)."""
    for widget in widgets:
        window.setFocus(Qt.OtherFocusReason)
        qtbot.waitUntil(lambda: not widget.hasFocus())  # noqa: B023
        before = widget.grab().toImage()
        widget.setFocus(Qt.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        after = widget.grab().toImage()
        ring = 2 * (widget.width() + widget.height())
        assert changed_pixels(before, after) >= min(ring, 200), widget.objectName()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_focus_is_visible_on_every_login_control(qtbot, styled, show_login_window, theme):
    styled(theme)
    window = show_login_window(AuthController(no_server))
    window.show_message("The username or password is incorrect.")
    assert_focus_shows(
        qtbot,
        window,
        [
            window.username,
            window.password,
            window.show_password,
            window.stay_signed_in,
            window.sign_in_button,
        ],
    )
    window.switch_user_button.show()  # as on the lock screen
    assert_focus_shows(qtbot, window, [window.switch_user_button])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_focus_is_visible_on_every_workspace_control(qtbot, styled, tmp_path, theme):
    styled(theme)
    activity_log = ActivityLog(tmp_path / "activity.sqlite3")
    gate = PermissionGate()
    window = WorkspaceWindow(gate, ActivityLogViewer(activity_log))
    qtbot.addWidget(window)
    gate.set_permissions(frozenset({"*"}))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    try:
        assert_focus_shows(
            qtbot, window, [window.tabs.tabBar(), window.documents_table, window.document_editor]
        )
        window.tabs.setCurrentWidget(window.activity_page)
        viewer = window.activity_viewer
        assert_focus_shows(
            qtbot,
            window,
            [
                viewer.event_filter,
                viewer.user_filter,
                viewer.text_filter,
                viewer.export_button,
                viewer.table,
            ],
        )
    finally:
        window.close()
        assert QThreadPool.globalInstance().waitForDone(5000)
        activity_log.close()


# --- what screen readers are told


def test_a_failure_is_announced_by_name_and_description_and_the_focus_stays(qtbot, offline_window):
    window = offline_window
    qtbot.keyClicks(window.username, "alice")
    window.password.setFocus()
    qtbot.waitUntil(window.password.hasFocus)
    window.controller.events.login_started.emit("alice")
    assert window.message_label.accessibleName() == "Sign-in message"
    assert (
        window.message_label.accessibleDescription() == "Signing in as alice\N{HORIZONTAL ELLIPSIS}"
    )

    window.controller.events.login_failed.emit(
        AuthFailure("credentials", "The username or password is incorrect.")
    )

    assert window.message_label.accessibleName() == "Sign-in error"
    assert window.message_label.accessibleDescription() == "The username or password is incorrect."
    assert window.password.hasFocus()  # the message is told, not jumped to
    window.clear_message()
    assert window.message_label.accessibleDescription() == ""


def test_the_demo_banner_reads_its_accounts_as_sentences(offline_window):
    from desktop_auth.qt.login_window import DemoAccount

    offline_window.set_demo_accounts(
        [DemoAccount("alice", "alice-demo-password", ("admin",)), DemoAccount("bob", "pw", ())]
    )

    banner = offline_window.demo_banner
    assert banner.accessibleName() == "Demo server accounts"
    assert banner.accessibleDescription() == (
        "alice, password alice-demo-password, roles admin; bob, password pw"
    )


def test_the_app_logo_is_drawn_from_the_window_icon_at_the_screens_density(
    qtbot, show_login_window
):
    from PyQt5.QtGui import QIcon, QPixmap

    pixmap = QPixmap(256, 256)
    pixmap.fill(QColor("#2563eb"))
    icon = QIcon(pixmap)
    QApplication.instance().setWindowIcon(icon)
    try:
        window = show_login_window(AuthController(no_server))
        assert window.logo.isVisible()
        image = window.logo.grab().toImage()
        assert image.pixelColor(image.width() // 2, image.height() // 2).name() == "#2563eb"
    finally:
        QApplication.instance().setWindowIcon(QIcon())


def test_a_denied_widget_tells_screen_readers_what_it_requires(qtbot):
    from PyQt5.QtWidgets import QPlainTextEdit

    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    editor.setAccessibleDescription("What you write is kept while the workspace is locked.")
    gate = PermissionGate()

    gate.gate(editor, "documents.write")
    # Screen readers read the description rather than the tooltip, so both say it.
    assert editor.accessibleDescription() == "Requires permission: documents.write"
    assert editor.toolTip() == "Requires permission: documents.write"

    gate.set_permissions(frozenset({"documents.write"}))
    assert editor.accessibleDescription() == (
        "What you write is kept while the workspace is locked."
    )
