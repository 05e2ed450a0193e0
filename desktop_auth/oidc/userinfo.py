"""The UserInfo endpoint (OpenID Connect Core §5.3): claims for an access token, opaque or not."""

from __future__ import annotations

from typing import Any

from desktop_auth.errors import ProtocolError, ServerError
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.oauth_errors import describe, oauth_error


def fetch_userinfo(
    http: HttpClient, endpoint: str, access_token: str, *, client_id: str
) -> dict[str, Any]:
    """The claims the server returns for ``access_token``; they always include ``sub``."""
    response = http.get_json(endpoint, bearer=access_token)
    if response.ok:
        sub = response.body.get("sub")
        if not isinstance(sub, str) or not sub:
            raise ServerError("The server's userinfo answer names no user (sub).")
        return response.body
    if response.status in (401, 403):
        raise ProtocolError(
            f"The server refused its own access token at the userinfo endpoint "
            f"({describe(response)})."
        )
    raise oauth_error(response, client_id=client_id, action="say who signed in")
