"""OAuth 2.0 for First-Party Applications (draft-ietf-oauth-first-party-apps): the app's own
sign-in dialog posts the password to the authorization challenge endpoint, with PKCE."""

from __future__ import annotations

from desktop_auth.errors import CredentialsError, ProtocolError, ServerError
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.oauth_errors import CREDENTIALS_MESSAGE, error_code, oauth_error
from desktop_auth.oidc.pkce import PKCEPair
from desktop_auth.oidc.server_clock import ServerClock
from desktop_auth.oidc.token_endpoint import parse_token_response
from desktop_auth.session import TokenSet


def request_authorization_code(
    http: HttpClient,
    endpoint: str,
    *,
    client_id: str,
    username: str,
    password: str,
    scope: str,
    pkce: PKCEPair,
    nonce: str | None = None,
) -> str:
    """The authorization code for these credentials; CredentialsError when they are wrong."""
    form = {
        "client_id": client_id,
        "username": username,
        "password": password,
        "scope": scope,
        "code_challenge": pkce.challenge,
        "code_challenge_method": pkce.method,
    }
    if nonce is not None:
        form["nonce"] = nonce
    response = http.post_form(endpoint, form)
    if response.ok:
        code = response.body.get("authorization_code")
        if not isinstance(code, str) or not code:
            raise ServerError("The sign-in endpoint's answer has no authorization_code.")
        return code
    # The draft answers access_denied for wrong credentials; some servers say invalid_grant.
    if error_code(response) in ("access_denied", "invalid_grant") and response.status != 429:
        raise CredentialsError(CREDENTIALS_MESSAGE)
    raise oauth_error(response, client_id=client_id, action="sign in")


def exchange_code(
    http: HttpClient,
    token_endpoint: str,
    *,
    client_id: str,
    code: str,
    pkce: PKCEPair,
    scope: str,
    clock: ServerClock | None = None,
    redirect_uri: str | None = None,
) -> TokenSet:
    """Tokens for an authorization code (RFC 6749 §4.1.3), from the challenge endpoint or,
    with the ``redirect_uri`` it was sent to, from a browser's redirect.

    ``clock`` measures the server's clock from the answer.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": pkce.verifier,
        "client_id": client_id,
    }
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    response = http.post_form(token_endpoint, form)
    if response.ok:
        if clock is not None:
            clock.observe(response)
        return parse_token_response(response, scope)
    if error_code(response) == "invalid_grant":
        raise ProtocolError(
            "The server refused the authorization code it had just issued (invalid_grant). "
            "Try signing in again."
        )
    raise oauth_error(response, client_id=client_id, action="sign in")
