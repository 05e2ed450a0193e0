"""The token endpoint's successful answer (RFC 6749 §5.1) as a ``TokenSet``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_auth.errors import ProtocolError, ServerError
from desktop_auth.oidc.http import JsonResponse
from desktop_auth.session import TokenSet

# RFC 6749 makes expires_in optional; without it, assume a short life so the client renews
# early rather than presenting a dead token.
DEFAULT_LIFETIME_SECONDS = 300


def _optional_string(response: JsonResponse, name: str) -> str | None:
    value = response.body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ServerError(f"The token endpoint sent a malformed {name}.")
    return value


def _lifetime(response: JsonResponse) -> int:
    value = response.body.get("expires_in")
    if value is None:
        return DEFAULT_LIFETIME_SECONDS
    # Some servers send the number as a string.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ServerError(f"The token endpoint sent a malformed expires_in: {value!r}.")
    return int(value)


def parse_token_response(
    response: JsonResponse, requested_scope: str, now: datetime | None = None
) -> TokenSet:
    """The tokens in a 200 answer; ServerError or ProtocolError when it is not one."""
    access_token = _optional_string(response, "access_token")
    if access_token is None:
        raise ServerError("The token endpoint's answer has no access_token.")
    token_type = response.body.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ProtocolError(
            f"The server issued a {token_type!r} token; only Bearer tokens are supported."
        )
    scope = response.body.get("scope", requested_scope)
    if not isinstance(scope, str):
        raise ServerError("The token endpoint sent a malformed scope.")
    issued = now or datetime.now(UTC)
    return TokenSet(
        access_token=access_token,
        expires_at=issued + timedelta(seconds=_lifetime(response)),
        refresh_token=_optional_string(response, "refresh_token"),
        id_token=_optional_string(response, "id_token"),
        scope=scope,
    )
