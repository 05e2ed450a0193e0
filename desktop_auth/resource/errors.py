"""Why a request to a protected API is refused, as RFC 6750 §3 errors with their HTTP answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from desktop_auth.errors import DesktopAuthError

if TYPE_CHECKING:
    from desktop_auth.resource.principal import Principal


def _quoted(value: str) -> str:
    """``value`` as an RFC 7235 quoted-string within RFC 6750's character set (§3: printable
    ASCII without ``"`` and ``\\``)."""
    kept = "".join(ch for ch in value.replace('"', "'") if " " <= ch <= "~" and ch != "\\")
    return f'"{kept}"'


class AccessError(DesktopAuthError):
    """A request that may not have what it asked for; what the API answers is in the class.

    ``status`` is the HTTP status, ``error`` the RFC 6750 error code (None: the request had no
    credentials at all), ``description`` a sentence for the caller. Neither ever holds the
    token.
    """

    status: ClassVar[int] = 401
    error: ClassVar[str | None] = None
    # The "error" of the JSON body, for the classes without an RFC 6750 code.
    body_error: ClassVar[str] = "invalid_token"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def www_authenticate(self, realm: str) -> str:
        """The ``WWW-Authenticate`` header value (RFC 6750 §3) for this refusal."""
        value = f"Bearer realm={_quoted(realm)}"
        if self.error is not None:
            value += f", error={_quoted(self.error)}"
            value += f", error_description={_quoted(self.description)}"
        return value

    def response_headers(self, realm: str) -> dict[str, str]:
        """The headers of the answer: ``WWW-Authenticate``, except for a 503."""
        if self.status == 503:
            return {"Cache-Control": "no-store"}
        return {"WWW-Authenticate": self.www_authenticate(realm), "Cache-Control": "no-store"}

    def response_body(self) -> dict[str, str]:
        """The JSON body of the answer: ``{"error": ..., "error_description": ...}``."""
        return {"error": self.error or self.body_error, "error_description": self.description}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r})"


class MissingToken(AccessError):
    """No bearer token: no Authorization header, or one with another scheme (``Basic``).

    RFC 6750 §3.1: a request without authentication, or with an unsupported method, gets a
    challenge without an error code.
    """

    body_error = "missing_token"

    def __init__(self, description: str = "This API needs a bearer token.") -> None:
        super().__init__(description)


class InvalidRequest(AccessError):
    """A malformed bearer Authorization header: ``Bearer`` with no token, with two, or with
    characters a token cannot hold (RFC 6750 §2.1 and §3.1 ``invalid_request``)."""

    status = 400
    error = "invalid_request"


class TokenRejected(AccessError):
    """A bearer token that is expired, revoked, malformed, for another API, from an issuer not
    trusted, or not signed as required (RFC 6750 §3.1 ``invalid_token``)."""

    error = "invalid_token"


class InsufficientPermission(AccessError):
    """A valid token whose user lacks ``permission`` (RFC 6750 §3.1 ``insufficient_scope``)."""

    status = 403
    error = "insufficient_scope"

    def __init__(self, principal: Principal, permission: str) -> None:
        super().__init__(f"The token does not grant the permission {permission!r}.")
        self.principal = principal
        self.permission = permission


class VerifierUnavailable(AccessError):
    """The token cannot be checked now: the issuer cannot be reached, its TLS certificate is
    not trusted, or it answers wrongly. Not the caller's fault: the API answers 503."""

    status = 503
    body_error = "temporarily_unavailable"

    def response_body(self) -> dict[str, str]:
        """A body that does not show callers the issuer's address or the error in detail
        (``description`` has both, for the logs)."""
        return {
            "error": self.body_error,
            "error_description": "The API cannot check tokens right now; try again later.",
        }


__all__ = [
    "AccessError",
    "InsufficientPermission",
    "InvalidRequest",
    "MissingToken",
    "TokenRejected",
    "VerifierUnavailable",
]
