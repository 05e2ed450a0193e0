"""The Qt layer: ``DesktopAuth`` (everything composed, the one entry point for an app),
AuthEvents signals, the AuthController, workers and the sign-in widgets.

The names below are loaded on first use (PEP 562), so that importing one module of the
package, as the app does on the path that shows its login window, does not import them all.
These names are the public API; the modules that define them are internal.
"""

from desktop_auth._lazy import lazy_names as _lazy_names

# Not typing.TYPE_CHECKING, which would import typing (see desktop_auth/__init__.py).
TYPE_CHECKING = False

_EXPORTS = {
    "ActivityLogViewer": "log_viewer",
    "AuthController": "controller",
    "AuthEvents": "events",
    "BackgroundSlot": "workers",
    "DemoAccount": "login_window",
    "DesktopAuth": "facade",
    "LoginWindow": "login_window",
    "Notifier": "notifications",
    "PermissionGate": "permission_gate",
    "SerialQueue": "workers",
    "SupportsNotify": "notifications",
    "Worker": "workers",
    "WorkerSignals": "workers",
    "apply_style": "style",
    "connect_in_background": "workers",
    "run_in_background": "workers",
}

__all__ = [
    "ActivityLogViewer",
    "AuthController",
    "AuthEvents",
    "BackgroundSlot",
    "DemoAccount",
    "DesktopAuth",
    "LoginWindow",
    "Notifier",
    "PermissionGate",
    "SerialQueue",
    "SupportsNotify",
    "Worker",
    "WorkerSignals",
    "apply_style",
    "connect_in_background",
    "run_in_background",
]


__getattr__, __dir__ = _lazy_names(__name__, _EXPORTS, __all__)


if TYPE_CHECKING:
    from desktop_auth.qt.controller import AuthController
    from desktop_auth.qt.events import AuthEvents
    from desktop_auth.qt.facade import DesktopAuth
    from desktop_auth.qt.log_viewer import ActivityLogViewer
    from desktop_auth.qt.login_window import DemoAccount, LoginWindow
    from desktop_auth.qt.notifications import Notifier, SupportsNotify
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
