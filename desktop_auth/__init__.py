"""desktop-auth: sign-in, roles, permissions and an activity log for PyQt5 desktop apps.

This package holds the Qt-free public API; the Qt one (``DesktopAuth``, ``AuthEvents``, the
windows) is ``desktop_auth.qt``. Names load on first use (PEP 562): importing the package
imports nothing else, and never Qt. Every other module is internal and may change.
"""

from desktop_auth._lazy import lazy_names as _lazy_names

# Not typing.TYPE_CHECKING: importing typing would be this package's only cost (mypy and
# PEP 781 treat a TYPE_CHECKING constant alike).
TYPE_CHECKING = False

# Public name -> the module (under desktop_auth) that defines it.
_EXPORTS = {
    "ActivityLog": "activity_log",
    "AuthFailure": "errors",
    "CABundleError": "errors",
    "CancelledError": "errors",
    "ClientConfig": "oidc.client",
    "CredentialsError": "errors",
    "DesktopAuthError": "errors",
    "Entry": "activity_log",
    "LogSink": "sinks",
    "LoggingSink": "sinks",
    "NetworkError": "errors",
    "OIDCClient": "oidc.client",
    "PermissionPolicy": "permissions",
    "PermissionSource": "permissions",
    "ProtocolError": "errors",
    "RoleMapper": "oidc.roles",
    "ServerError": "errors",
    "Session": "session",
    "SessionExpiredError": "errors",
    "TLSError": "errors",
    "ThrottledError": "errors",
    "roles_from_claims": "oidc.roles",
}

__all__ = [
    "ActivityLog",
    "AuthFailure",
    "CABundleError",
    "CancelledError",
    "ClientConfig",
    "CredentialsError",
    "DesktopAuthError",
    "Entry",
    "LogSink",
    "LoggingSink",
    "NetworkError",
    "OIDCClient",
    "PermissionPolicy",
    "PermissionSource",
    "ProtocolError",
    "RoleMapper",
    "ServerError",
    "Session",
    "SessionExpiredError",
    "TLSError",
    "ThrottledError",
    "roles_from_claims",
]


__getattr__, __dir__ = _lazy_names(__name__, _EXPORTS, __all__)


if TYPE_CHECKING:
    from desktop_auth.activity_log import ActivityLog, Entry
    from desktop_auth.errors import (
        AuthFailure,
        CABundleError,
        CancelledError,
        CredentialsError,
        DesktopAuthError,
        NetworkError,
        ProtocolError,
        ServerError,
        SessionExpiredError,
        ThrottledError,
        TLSError,
    )
    from desktop_auth.oidc.client import ClientConfig, OIDCClient
    from desktop_auth.oidc.roles import RoleMapper, roles_from_claims
    from desktop_auth.permissions import PermissionPolicy, PermissionSource
    from desktop_auth.session import Session
    from desktop_auth.sinks import LoggingSink, LogSink
