"""The public integration point: ``AuthEvents``, a QObject whose signals follow DESIGN.md."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PyQt5.QtCore import QObject, pyqtSignal

from desktop_auth.errors import AuthFailure
from desktop_auth.session import Session


class AuthEvents(QObject):
    """What happened to the user's session, as Qt signals (the contract in DESIGN.md).

    Signals carry frozen values. PyQt checks ``pyqtSignal`` argument types only as C++ types,
    so the Python classes are declared directly where PyQt accepts them and as ``object``
    otherwise; the argument type of each is listed here:

    - ``login_started(str)``: the username the user submitted.
    - ``login_succeeded(Session)``: tokens validated, identity and permissions known.
    - ``login_failed(AuthFailure)``: ``.kind`` is one of ``desktop_auth.errors.KINDS``.
    - ``logged_out(str)``: the reason ("user", "revoked", ...).
    - ``session_refreshed(Session)``: tokens renewed silently.
    - ``session_expired()``: renewal impossible; the UI locks and keeps its state.
    - ``locked()`` / ``unlocked(Session)``: the lock screen was shown / passed.
    - ``permissions_changed(frozenset[str])``: after login, refresh and logout.
    """

    login_started = pyqtSignal(str)
    login_succeeded = pyqtSignal(Session)
    login_failed = pyqtSignal(AuthFailure)
    logged_out = pyqtSignal(str)
    session_refreshed = pyqtSignal(Session)
    session_expired = pyqtSignal()
    locked = pyqtSignal()
    unlocked = pyqtSignal(Session)
    # frozenset[str]: declared as object because PyQt maps frozenset to no C++ type.
    permissions_changed = pyqtSignal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("authEvents")


def connect_activity_log(
    events: AuthEvents, permission_denied: Any, record: Callable[..., object]
) -> None:
    """Connect the signals the activity log records to ``record(entry, *arguments)``, where
    ``entry`` names the ``ActivityRecorder`` method that writes it; ``permission_denied`` is
    a ``PermissionGate``'s ``denied``. Not ``locked``: its entry needs the reason (user, idle,
    expired), which only the app knows, so the app records it itself."""
    for signal, entry in (
        (events.login_started, "login_started"),
        (events.login_succeeded, "login_succeeded"),
        (events.login_failed, "login_failed"),
        (events.logged_out, "logged_out"),
        (events.session_refreshed, "session_refreshed"),
        (events.session_expired, "session_expired"),
        (events.unlocked, "unlocked"),
        (permission_denied, "permission_denied"),
    ):
        signal.connect(functools.partial(record, entry))
