"""The Qt layer: AuthEvents signals, the AuthController, workers and the sign-in widgets."""

from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.events import AuthEvents
from desktop_auth.qt.log_viewer import ActivityLogViewer
from desktop_auth.qt.login_window import DemoAccount, LoginWindow
from desktop_auth.qt.notifications import Notifier
from desktop_auth.qt.permission_gate import PermissionGate
from desktop_auth.qt.style import apply_style
from desktop_auth.qt.workers import (
    BackgroundSlot,
    SerialQueue,
    Worker,
    WorkerSignals,
    connect_in_background,
    run_in_background,
)

__all__ = [
    "ActivityLogViewer",
    "AuthController",
    "AuthEvents",
    "BackgroundSlot",
    "DemoAccount",
    "LoginWindow",
    "Notifier",
    "PermissionGate",
    "SerialQueue",
    "Worker",
    "WorkerSignals",
    "apply_style",
    "connect_in_background",
    "run_in_background",
]
