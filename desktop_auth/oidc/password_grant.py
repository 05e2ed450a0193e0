"""The resource owner password credentials grant (RFC 6749 §4.3): legacy, only when opted in."""

from __future__ import annotations

from desktop_auth.errors import CredentialsError, ProtocolError
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.methods import BrowserRequiredError
from desktop_auth.oidc.oauth_errors import CREDENTIALS_MESSAGE, error_code, oauth_error
from desktop_auth.oidc.server_clock import ServerClock
from desktop_auth.oidc.token_endpoint import parse_token_response
from desktop_auth.session import TokenSet


def password_grant(
    http: HttpClient,
    token_endpoint: str,
    *,
    client_id: str,
    username: str,
    password: str,
    scope: str,
    clock: ServerClock | None = None,
) -> TokenSet:
    """Tokens for these credentials; CredentialsError when they are wrong.

    ``clock`` measures the server's clock from the answer.
    """
    response = http.post_form(
        token_endpoint,
        {
            "grant_type": "password",
            "client_id": client_id,
            "username": username,
            "password": password,
            "scope": scope,
        },
    )
    if response.ok:
        if clock is not None:
            clock.observe(response)
        return parse_token_response(response, scope)
    code = error_code(response)
    if code == "invalid_grant" and response.status != 429:
        raise CredentialsError(CREDENTIALS_MESSAGE)
    if code == "unauthorized_client":
        raise ProtocolError(
            f"The server does not allow the password grant for the client {client_id!r} "
            "(unauthorized_client). Ask its administrator to enable it for this client, or "
            "sign in with the browser."
        )
    if code == "unsupported_grant_type":
        raise BrowserRequiredError(
            "The server does not support the password grant (unsupported_grant_type); it "
            "needs browser sign-in. Sign in with the browser instead."
        )
    raise oauth_error(response, client_id=client_id, action="sign in")
