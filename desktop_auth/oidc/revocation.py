"""Token revocation (RFC 7009): end a session at the server, not just in the app."""

from __future__ import annotations

import logging

from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.oauth_errors import error_code, oauth_error

log = logging.getLogger(__name__)


def revoke_token(
    http: HttpClient, endpoint: str, *, token: str, token_type_hint: str, client_id: str
) -> None:
    """Ask the server to revoke ``token``; typed errors when it refuses."""
    response = http.post_form(
        endpoint,
        {"token": token, "token_type_hint": token_type_hint, "client_id": client_id},
        require_json=False,  # §2.2: the body of a 200 is ignored, and often empty
    )
    if response.ok:
        return
    if error_code(response) == "unsupported_token_type":
        # §2.2.1: the server cannot revoke this kind of token (often access tokens, which
        # then simply expire); not a failure of the sign-out.
        log.info("the server cannot revoke %s tokens; they will expire", token_type_hint)
        return
    raise oauth_error(response, client_id=client_id, action="revoke the session's tokens")
