"""PermissionGate: widgets, actions and tab pages follow the user's permissions."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QAction, QMainWindow, QPushButton, QTabWidget, QVBoxLayout, QWidget

from desktop_auth.qt.events import AuthEvents
from desktop_auth.qt.permission_gate import PermissionGate


@pytest.fixture
def window(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QWidget()
    layout = QVBoxLayout(central)
    window.edit = QPushButton("Edit")
    window.edit.setToolTip("Edit the document")
    window.admin = QPushButton("Admin")
    window.tabs = QTabWidget()
    window.documents = QWidget()
    window.reports = QWidget()
    window.tabs.addTab(window.documents, "Documents")
    window.tabs.addTab(window.reports, "Reports")
    window.save = QAction("Save", window)
    for widget in (window.edit, window.admin, window.tabs):
        layout.addWidget(widget)
    window.setCentralWidget(central)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def gate(window):
    events = AuthEvents(window)
    gate = PermissionGate(window)
    events.permissions_changed.connect(gate.set_permissions)
    gate.gate(window.edit, "documents.write")
    gate.gate(window.admin, "users.manage", mode="hide")
    gate.gate(window.reports, "reports.view")
    gate.gate(window.save, "documents.write")
    gate.events = events
    return gate


def test_everything_is_denied_before_anyone_signs_in(window, gate):
    assert not window.edit.isEnabled()
    assert window.edit.toolTip() == "Requires permission: documents.write"
    assert not window.admin.isVisible()
    assert not window.tabs.isTabEnabled(1)
    assert not window.save.isEnabled()


def test_granted_permissions_enable_and_show_and_restore_the_tooltip(window, gate):
    gate.events.permissions_changed.emit(
        frozenset({"documents.write", "users.manage", "reports.view"})
    )

    assert window.edit.isEnabled()
    assert window.edit.toolTip() == "Edit the document"
    assert window.admin.isVisible()
    assert window.admin.isEnabled()
    assert window.tabs.isTabEnabled(1)
    assert window.tabs.tabToolTip(1) == ""
    assert window.save.isEnabled()


def test_the_wildcard_grants_everything(window, gate):
    gate.events.permissions_changed.emit(frozenset({"*"}))

    assert window.edit.isEnabled()
    assert window.admin.isVisible()
    assert window.tabs.isTabEnabled(1)


def test_missing_permissions_disable_with_a_tooltip_naming_them_or_hide(window, gate):
    gate.events.permissions_changed.emit(frozenset({"*"}))
    gate.events.permissions_changed.emit(frozenset({"documents.read"}))

    assert not window.edit.isEnabled()
    assert window.edit.toolTip() == "Requires permission: documents.write"
    assert not window.admin.isVisible()
    assert not window.tabs.isTabEnabled(1)
    assert window.tabs.tabToolTip(1) == "Requires permission: reports.view"
    assert not window.save.isEnabled()
    assert window.save.toolTip() == "Requires permission: documents.write"


def test_a_hidden_tab_page_hides_its_tab(window, gate):
    gate.gate(window.documents, "documents.read", mode="hide")
    gate.events.permissions_changed.emit(frozenset({"reports.view"}))
    assert not window.tabs.isTabVisible(0)

    gate.events.permissions_changed.emit(frozenset({"documents.read"}))
    assert window.tabs.isTabVisible(0)


def test_an_unknown_mode_is_refused(window, gate):
    with pytest.raises(ValueError, match="mode must be one of"):
        gate.gate(window.edit, "documents.write", mode="grey")


def test_a_denied_actions_shortcut_reports_the_missing_permission(qtbot, window, gate):
    window.save.setShortcut("Ctrl+S")
    window.addAction(window.save)
    gate.gate(window.save, "documents.write")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    with qtbot.waitSignal(gate.denied) as denied:
        qtbot.keyClick(window, Qt.Key_S, Qt.ControlModifier)
    assert denied.args == ["documents.write", "Save"]

    gate.events.permissions_changed.emit(frozenset({"documents.write"}))
    with qtbot.assertNotEmitted(gate.denied), qtbot.waitSignal(window.save.triggered):
        qtbot.keyClick(window, Qt.Key_S, Qt.ControlModifier)


def test_a_gated_widget_deleted_while_signed_in_is_forgotten(window, gate, qtbot):
    gate.events.permissions_changed.emit(frozenset({"documents.write"}))
    with qtbot.waitSignal(window.edit.destroyed):
        window.edit.deleteLater()

    gate.events.permissions_changed.emit(frozenset())  # the next user: no deleted widget touched

    assert not window.save.isEnabled()
    assert not window.tabs.isTabEnabled(1)


def test_a_gate_that_goes_first_leaves_its_widgets_to_close_cleanly(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    button = QPushButton("Edit")
    window.setCentralWidget(button)
    gate = PermissionGate()  # no parent: it goes when the test drops it
    gate.gate(button, "documents.write")
    assert not button.isEnabled()

    with qtbot.waitSignal(gate.destroyed):
        gate.deleteLater()
    with qtbot.waitSignal(button.destroyed):
        window.close()
        button.deleteLater()

    assert window.centralWidget() is None
