"""PermissionGate: enables, disables or hides widgets and actions by the user's permissions."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from PyQt5.QtCore import QObject, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QAction, QShortcut, QStackedWidget, QTabWidget, QWidget

from desktop_auth.qt.translation import TranslationContext

log = logging.getLogger(__name__)

MODES = ("disable", "hide")
WILDCARD = "*"


def denied_tooltip(permission: str) -> str:
    return PermissionGate.tr("Requires permission: {permission}").format(permission=permission)


def allows(permissions: Iterable[str], permission: str) -> bool:
    granted = frozenset(permissions)
    return WILDCARD in granted or permission in granted


@dataclass
class _Gated:
    target: QWidget | QAction
    permission: str
    mode: str
    tooltip: str  # the target's own tooltip, restored when allowed
    description: str = ""  # a widget's own accessible description, restored when allowed
    # For a denied action with a shortcut: catches the keys, to say why nothing happens.
    denied_shortcut: QShortcut | None = None


def _tab_of(widget: QWidget) -> tuple[QTabWidget, int] | None:
    """The tab widget and index when ``widget`` is a page of a QTabWidget."""
    stack = widget.parentWidget()
    tabs = stack.parentWidget() if isinstance(stack, QStackedWidget) else None
    if isinstance(tabs, QTabWidget):
        index = tabs.indexOf(widget)
        if index >= 0:
            return tabs, index
    return None


def _action_name(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


class PermissionGate(QObject):
    """Gate widgets (or actions, or tab pages) on a permission; connect ``set_permissions`` to
    ``AuthEvents.permissions_changed``.

    ``mode="disable"`` keeps a denied widget visible but disabled, with the tooltip (and
    accessible description) "Requires permission: X"; ``mode="hide"`` hides it. Everything
    starts denied until the first ``set_permissions``. A tab page is gated through its tab
    (disabled or hidden tab).

    A denied action's keyboard shortcut is not silently lost: pressing it emits
    ``denied(permission, action name)`` (the app tells the user and logs permission_denied).
    """

    tr = TranslationContext("PermissionGate")

    denied = pyqtSignal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("permissionGate")
        self._gated: list[_Gated] = []
        self._permissions: frozenset[str] = frozenset()

    @property
    def permissions(self) -> frozenset[str]:
        return self._permissions

    def gate(self, target: QWidget | QAction, permission: str, mode: str = "disable") -> None:
        """Allow ``target`` only with ``permission``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        tab = _tab_of(target) if isinstance(target, QWidget) else None
        tooltip = tab[0].tabToolTip(tab[1]) if tab else target.toolTip()
        entry = _Gated(target, permission, mode, tooltip)
        if isinstance(target, QWidget) and tab is None:
            entry.description = target.accessibleDescription()
        if isinstance(target, QAction) and isinstance(target.parent(), QWidget):
            entry.denied_shortcut = self._denied_shortcut(target, permission)
        self._gated.append(entry)
        # Through a weak reference: a closure holding the gate would keep it alive until the
        # target goes, and end its life in the middle of the target's destruction.
        gate = weakref.ref(self)

        def forget(*_: object) -> None:
            alive = gate()
            if alive is not None:
                alive._forget(entry)

        target.destroyed.connect(forget)
        self._apply(entry)

    def _denied_shortcut(self, action: QAction, permission: str) -> QShortcut | None:
        if action.shortcut().isEmpty():
            return None
        shortcut = QShortcut(action.shortcut(), action.parent())
        shortcut.setContext(action.shortcutContext())
        shortcut.activated.connect(lambda: self.denied.emit(permission, _action_name(action)))
        return shortcut

    def _forget(self, gone: _Gated) -> None:
        self._gated = [entry for entry in self._gated if entry is not gone]

    def allows(self, permission: str) -> bool:
        return allows(self._permissions, permission)

    @pyqtSlot(object)
    def set_permissions(self, permissions: frozenset[str]) -> None:
        """Apply a new set of permissions to every gated target."""
        self._permissions = frozenset(permissions)
        for entry in self._gated:
            self._apply(entry)

    def _apply(self, entry: _Gated) -> None:
        allowed = self.allows(entry.permission)
        tooltip = entry.tooltip if allowed else denied_tooltip(entry.permission)
        target = entry.target
        tab = _tab_of(target) if isinstance(target, QWidget) else None
        if tab is not None:
            tabs, index = tab
            tabs.setTabToolTip(index, tooltip)
            if entry.mode == "hide":
                tabs.setTabVisible(index, allowed)
                tabs.setTabEnabled(index, allowed)
            else:
                tabs.setTabEnabled(index, allowed)
            target.setEnabled(allowed)
            return
        target.setToolTip(tooltip)
        if isinstance(target, QWidget):
            # Screen readers read the description, not the tooltip, when there is one.
            target.setAccessibleDescription(
                entry.description if allowed else denied_tooltip(entry.permission)
            )
        if entry.mode == "hide":
            target.setVisible(allowed)
        target.setEnabled(allowed)
        if entry.denied_shortcut is not None:
            # Only one of the two holds the keys at a time, so they are never ambiguous.
            entry.denied_shortcut.setEnabled(not allowed)
