"""The running app, as a screen reader and a keyboard-only user meet it: every widget of the
login window, the lock screen and the workspace is named, and every action, tab and control is
reached with the keyboard.

The name rule (what Qt's accessibility bridge tells a screen reader; PyQt5 has no QAccessible
to ask it directly):

- A control's name is its ``accessibleName()``; for a button or check box with none, its text
  without the mnemonic "&" (what Qt exposes). Icon-only buttons therefore need a name. Fields,
  lists, tables, tab bars, combo and spin boxes, text areas and progress bars must set one: Qt
  would otherwise borrow whatever label happens to be their buddy, or say nothing.
- A control's description is its ``accessibleDescription()``, else its tooltip (Qt's fallback).
  It is required where the name does not say how to use the control: lists and tables, tab
  bars, combo and spin boxes, check boxes, text areas, progress bars and icon-only buttons.
- A label's name is its ``accessibleName()``, else its text. Labels whose text the app changes
  (messages, the issuer, who is signed in, statuses, notices) also carry a description saying
  what they are, so that the name can stay their current text. Headings and the labels of
  fields (buddies) say all there is in their text.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QTextDocument
from PyQt5.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QProgressBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

from desktop_auth.app.embedded import DEMO_ACCOUNTS
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.server.conftest import ALICE

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QAbstractItemView,
    QTabBar,
    QComboBox,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
    QProgressBar,
)
DESCRIBED = (
    QAbstractItemView,
    QTabBar,
    QComboBox,
    QAbstractSpinBox,
    QCheckBox,
    QPlainTextEdit,
    QTextEdit,
    QProgressBar,
)
# Labels whose text is fixed and says everything.
STATIC_LABELS = frozenset({"appName", "heading", "pageHeading", "pageIntro"})


def strip_mnemonic(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def plain_text(label: QLabel) -> str:
    if label.textFormat() == Qt.RichText or (
        label.textFormat() == Qt.AutoText and Qt.mightBeRichText(label.text())
    ):
        document = QTextDocument()
        document.setHtml(label.text())
        return document.toPlainText().strip()
    return label.text().strip()


def exposed_name(widget: QWidget) -> str:
    if widget.accessibleName():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton):
        return strip_mnemonic(widget.text())
    if isinstance(widget, QLabel):
        return strip_mnemonic(plain_text(widget)) if widget.buddy() else plain_text(widget)
    return ""


def exposed_description(widget: QWidget) -> str:
    return widget.accessibleDescription() or widget.toolTip()


def unnamed(window: QWidget, where: str) -> list[str]:
    """What in ``window``, as shown now, breaks the name rule."""
    problems = []
    for widget in window.findChildren(QWidget):
        # A header is announced as part of its table.
        if not widget.isVisible() or isinstance(widget, QHeaderView):
            continue
        what = f"{where}: {type(widget).__name__} {widget.objectName()!r}"
        if isinstance(widget, CONTROLS):
            if isinstance(widget, QAbstractButton):
                if not exposed_name(widget):
                    problems.append(f"{what} has no name (nor text)")
                needs_description = isinstance(widget, QCheckBox) or not widget.text()
            else:
                if not widget.accessibleName():
                    problems.append(f"{what} has no accessible name")
                needs_description = isinstance(widget, DESCRIBED)
            if needs_description and not exposed_description(widget):
                problems.append(f"{what} has no description")
        elif isinstance(widget, QLabel):
            if not exposed_name(widget):
                problems.append(f"{what} is shown empty")
            informative = widget.buddy() is None and widget.objectName() not in STATIC_LABELS
            if informative and not exposed_description(widget):
                problems.append(f"{what} has no description of what it tells")
    return problems


# Each language names things and picks its Alt+letters anew.
LANGUAGES = pytest.mark.parametrize("language", ["en", "de"])


@LANGUAGES
def test_every_widget_of_the_login_window_lock_screen_and_workspace_is_named(
    qtbot, server, make_app, use_language, language
):
    use_language(language)
    app = make_app("--issuer", server.url)
    window, workspace = app.login_window, app.workspace
    qtbot.waitUntil(window.issuer_label.isVisible)
    problems = unnamed(window, "login window")

    with qtbot.waitSignal(app.events.login_failed, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, "alice", "not her password")
    assert window.message_label.isVisible()
    problems += unnamed(window, "login window after a failure")

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        qtbot.keyClicks(window.password, ALICE[1])
        qtbot.keyClick(window.password, Qt.Key_Return)
    qtbot.waitUntil(workspace.isActiveWindow)
    for index in range(workspace.tabs.count()):
        workspace.tabs.setCurrentIndex(index)
        problems += unnamed(
            workspace, f"workspace, {strip_mnemonic(workspace.tabs.tabText(index))}"
        )

    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused() or workspace, Qt.Key_L, Qt.ControlModifier)
    qtbot.waitUntil(window.isActiveWindow)
    assert window.switch_user_button.isVisible()
    problems += unnamed(window, "lock screen")

    assert problems == []


def test_the_demo_banner_tells_screen_readers_the_accounts(qtbot, make_app):
    app = make_app()
    window = app.login_window
    qtbot.waitUntil(lambda: window.issuer_label.text().startswith("Demo server at"), timeout=20_000)

    assert unnamed(window, "login window") == []
    alice = DEMO_ACCOUNTS[0]
    assert f"{alice.username}, password {alice.password}" in exposed_description(window.demo_banner)


# --- keyboard only


def signed_in_as_alice(qtbot, server, make_app):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    return app


def test_alt_and_a_tabs_underlined_letter_opens_that_tab(qtbot, server, make_app):
    workspace = signed_in_as_alice(qtbot, server, make_app).workspace

    for key, page in (
        (Qt.Key_A, workspace.admin_page),
        (Qt.Key_L, workspace.activity_page),
        (Qt.Key_R, workspace.reports_page),
        (Qt.Key_D, workspace.documents_page),
    ):
        qtbot.keyClick(focused() or workspace, key, Qt.AltModifier)
        qtbot.waitUntil(lambda page=page: workspace.tabs.currentWidget() is page)


def test_ctrl_e_and_delete_edit_and_delete_the_selected_document(qtbot, server, make_app):
    workspace = signed_in_as_alice(qtbot, server, make_app).workspace
    workspace.documents_table.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: focused() is workspace.documents_table)
    qtbot.keyClick(focused(), Qt.Key_Down)

    with qtbot.waitSignal(workspace.edit_action.triggered):
        qtbot.keyClick(focused(), Qt.Key_E, Qt.ControlModifier)
    with qtbot.waitSignal(workspace.delete_action.triggered):
        qtbot.keyClick(focused(), Qt.Key_Delete)


# A pop-up menu on the offscreen platform: it says it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore(r"^This plugin does not support (raise\(\)|grabbing the keyboard)$")
def test_the_menus_open_with_alt_and_their_letter_and_esc_closes_them(qtbot, server, make_app):
    workspace = signed_in_as_alice(qtbot, server, make_app).workspace
    menu_bar = workspace.findChild(QMenuBar)
    titles = {strip_mnemonic(action.text()): action for action in menu_bar.actions()}

    for key, title in ((Qt.Key_S, "Session"), (Qt.Key_E, "Edit")):
        qtbot.keyClick(focused() or workspace, key, Qt.AltModifier)
        qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
        menu = QApplication.activePopupWidget()
        assert menu is titles[title].menu()
        assert all(action.isEnabled() for action in menu.actions() if not action.isSeparator())
        qtbot.keyClick(menu, Qt.Key_Escape)
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)


def tab_cycle(qtbot, start: QWidget) -> list[str]:
    """The object names Tab visits from ``start`` until it comes back to it."""
    start.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(start.hasFocus)
    visited: list[str] = []
    for _ in range(20):
        qtbot.keyClick(focused(), Qt.Key_Tab)
        if focused() is start:
            return visited
        visited.append(focused().objectName())
    raise AssertionError(f"Tab never came back to {start.objectName()!r}: {visited}")


def test_tab_reaches_every_control_of_every_tab_and_comes_back(qtbot, server, make_app):
    workspace = signed_in_as_alice(qtbot, server, make_app).workspace
    tab_bar = workspace.tabs.tabBar()

    cycles = {}
    for page in (
        workspace.documents_page,
        workspace.reports_page,
        workspace.admin_page,
        workspace.activity_page,
    ):
        workspace.tabs.setCurrentWidget(page)
        cycles[page.objectName()] = tab_cycle(qtbot, tab_bar)

    assert cycles == {
        # Tab leaves the editor (no tab characters typed into it) and the tables (arrows
        # move between their rows).
        "documentsPage": ["documentsTable", "documentEditor"],
        "reportsPage": ["reportsTable"],
        "adminPage": ["usersTable"],
        "activityPage": [
            "eventFilter",
            "userFilter",
            "textFilter",
            "exportButton",
            "activityLogTable",
        ],
    }


def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(letter, what) for every Alt+letter shown in ``window`` now: menus, tabs, the labels of
    fields and buttons. Hidden widgets' mnemonics are not active."""
    found = []
    for menu_bar in window.findChildren(QMenuBar):
        found += [(mnemonic(a.text()), f"menu {a.text()}") for a in menu_bar.actions()]
    for tab_bar in window.findChildren(QTabBar):
        if tab_bar.isVisible():
            found += [
                (mnemonic(tab_bar.tabText(i)), f"tab {tab_bar.tabText(i)}")
                for i in range(tab_bar.count())
                if tab_bar.isTabVisible(i)
            ]
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None:
            found.append((mnemonic(label.text()), f"label {label.text()}"))
    for button in window.findChildren(QAbstractButton):
        if button.isVisible():
            found.append((mnemonic(button.text()), f"button {button.text()}"))
    return [(letter, what) for letter, what in found if letter]


def clashes(window: QWidget) -> list[str]:
    """Alt+letters that two visible things claim: Qt then only alternates between them."""
    found = mnemonics(window)
    counts = Counter(letter for letter, _ in found)
    return sorted(what for letter, what in found if counts[letter] > 1)


@LANGUAGES
def test_no_two_things_on_screen_share_an_alt_letter(
    qtbot, server, make_app, use_language, language
):
    use_language(language)
    app = make_app("--issuer", server.url)
    assert clashes(app.login_window) == []
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    workspace = app.workspace
    qtbot.waitUntil(workspace.isActiveWindow)

    for index in range(workspace.tabs.count()):
        workspace.tabs.setCurrentIndex(index)
        assert clashes(workspace) == [], workspace.tabs.tabText(index)

    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused() or workspace, Qt.Key_L, Qt.ControlModifier)
    qtbot.waitUntil(app.login_window.isActiveWindow)
    assert clashes(app.login_window) == []


def test_the_lock_screen_tab_order_reaches_sign_in_as_another_user(qtbot, server, make_app):
    app = signed_in_as_alice(qtbot, server, make_app)
    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused() or app.workspace, Qt.Key_L, Qt.ControlModifier)
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: focused() is window.password)

    # The username is read-only there, but still a stop: it says whose session is locked.
    # ("Stay signed in" is disabled, so skipped: these apps have no keyring.)
    assert tab_cycle(qtbot, window.password) == [
        "showPassword",
        "signInButton",
        "browserButton",  # the same account may unlock through the browser too
        "deviceButton",
        "switchUserButton",
        "username",
    ]
