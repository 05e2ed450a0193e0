"""Renewing tokens with a refresh token (RFC 6749 §6); servers may rotate it (RFC 9700)."""

from __future__ import annotations

from dataclasses import replace

from desktop_auth.errors import SessionExpiredError
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.oauth_errors import error_code, oauth_error
from desktop_auth.oidc.server_clock import ServerClock
from desktop_auth.oidc.token_endpoint import parse_token_response
from desktop_auth.session import TokenSet

EXPIRED_MESSAGE = "Your session has ended; sign in again."


def refresh_tokens(
    http: HttpClient,
    token_endpoint: str,
    tokens: TokenSet,
    *,
    client_id: str,
    clock: ServerClock | None = None,
) -> TokenSet:
    """New tokens; the old refresh (and ID) token is kept when the server sends no new one.

    ``clock`` measures the server's clock from the answer.
    """
    if tokens.refresh_token is None:
        raise SessionExpiredError(
            "This session cannot be renewed (the server gave no refresh token); sign in again."
        )
    response = http.post_form(
        token_endpoint,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": client_id,
        },
    )
    if not response.ok:
        if error_code(response) == "invalid_grant" and response.status != 429:
            raise SessionExpiredError(EXPIRED_MESSAGE)
        raise oauth_error(response, client_id=client_id, action="renew the session")
    if clock is not None:
        clock.observe(response)
    renewed = parse_token_response(response, tokens.scope)
    return replace(
        renewed,
        refresh_token=renewed.refresh_token or tokens.refresh_token,
        id_token=renewed.id_token or tokens.id_token,
    )
