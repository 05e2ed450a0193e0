"""The library's errors, by what the user can do about them, and the failure value sent to Qt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

KINDS = ("credentials", "throttled", "network", "tls", "server", "protocol", "cancelled")


class DesktopAuthError(Exception):
    """Base of every error the library raises on purpose; ``message`` is fit to show a user.

    Messages never contain a password, token or authorization code.
    """

    kind: ClassVar[str] = "protocol"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CredentialsError(DesktopAuthError):
    """The server refused the username or password (never says which)."""

    kind = "credentials"


class SessionExpiredError(CredentialsError):
    """The session cannot be renewed (refresh token spent, revoked or missing): sign in again."""


class ThrottledError(DesktopAuthError):
    """Too many attempts; ``retry_after`` is in seconds when the server said."""

    kind = "throttled"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NetworkError(DesktopAuthError):
    """The server could not be reached or did not answer in time."""

    kind = "network"


class TLSError(DesktopAuthError):
    """The server's certificate was not trusted (or TLS failed otherwise)."""

    kind = "tls"


class CABundleError(TLSError):
    """The CA bundle given with ``--ca-bundle`` cannot be read or holds no usable certificate."""


class ServerError(DesktopAuthError):
    """The server answered, but with an error or something that is not what it should send."""

    kind = "server"


class ProtocolError(DesktopAuthError):
    """The exchange broke the protocol: bad token, wrong issuer, unsupported sign-in, ..."""

    kind = "protocol"


class CancelledError(DesktopAuthError):
    """The user cancelled."""

    kind = "cancelled"


@dataclass(frozen=True)
class AuthFailure:
    """What ``AuthEvents.login_failed`` carries: a kind from ``KINDS`` and a message to show."""

    kind: str
    message: str
    retry_after: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown failure kind {self.kind!r}")

    @classmethod
    def from_error(cls, error: DesktopAuthError) -> AuthFailure:
        retry = error.retry_after if isinstance(error, ThrottledError) else None
        return cls(error.kind, error.message, retry)
