"""Browser sign-in (RFC 6749 §4.1 with PKCE, RFC 8252): the authorization request, and the
checks on the response the browser brings back (state, RFC 9207 ``iss``, errors)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from desktop_auth.errors import CredentialsError, DesktopAuthError, ProtocolError, ServerError
from desktop_auth.oidc.discovery import Discovery
from desktop_auth.oidc.http import JsonResponse
from desktop_auth.oidc.oauth_errors import describe, oauth_error
from desktop_auth.oidc.pkce import PKCEPair, new_nonce

APP_NAME = "desktop-auth"
DEFAULT_REDIRECT_PATH = "/callback"
DEFAULT_TIMEOUT_SECONDS = 300.0


class StateMismatchError(ProtocolError):
    """The response's ``state`` is not this sign-in's: forged (CSRF) or stale, so refused."""


class IssuerMismatchError(ProtocolError):
    """RFC 9207: the response names another issuer, or none though the server promised it
    (a mix-up attack, or a response meant for another sign-in)."""


class AuthorizationDeniedError(CredentialsError):
    """``error=access_denied``: the user declined in the browser, or the server refused them."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """One browser sign-in: where the browser is sent, and the secrets its answer must match."""

    client_id: str
    redirect_uri: str
    scope: str
    pkce: PKCEPair
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    login_hint: str | None = None

    @classmethod
    def new(
        cls, client_id: str, redirect_uri: str, scope: str, login_hint: str | None = None
    ) -> AuthorizationRequest:
        """A request with a fresh PKCE pair, ``state`` and ``nonce``."""
        return cls(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            pkce=PKCEPair.generate(),
            state=secrets.token_urlsafe(32),
            nonce=new_nonce(),
            login_hint=login_hint or None,
        )

    def url(self, authorization_endpoint: str) -> str:
        """The authorization endpoint's URL with this request's parameters, for the browser."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.pkce.challenge,
            "code_challenge_method": self.pkce.method,
        }
        if self.login_hint:
            params["login_hint"] = self.login_hint
        # Some endpoints carry their own query (e.g. ?p=policy); RFC 6749 §3.1 says keep it.
        separator = "&" if "?" in authorization_endpoint else "?"
        return authorization_endpoint + separator + urlencode(params, quote_via=quote)


def _same(sent_back: str | None, expected: str) -> bool:
    if sent_back is None:
        return False
    return secrets.compare_digest(sent_back.encode(), expected.encode())


def authorization_error(params: Mapping[str, str], client_id: str) -> DesktopAuthError:
    """The error for a redirect with ``error=`` (RFC 6749 §4.1.2.1); its description is made
    safe to show."""
    # The redirect's error parameters are those of a JSON error body: read them the same way.
    response = JsonResponse("", 400, "", dict(params), {})
    if params.get("error") == "access_denied":
        return AuthorizationDeniedError(
            f"Sign-in was declined in the browser ({describe(response)})."
        )
    return oauth_error(response, client_id=client_id, action="sign in")


def authorization_code(
    params: Mapping[str, str], request: AuthorizationRequest, discovery: Discovery
) -> str:
    """The authorization code in the browser's redirect, once it proves to answer ``request``.

    StateMismatchError, IssuerMismatchError, the server's error (AuthorizationDeniedError for
    access_denied), or ServerError when there is no code.
    """
    if not _same(params.get("state"), request.state):
        raise StateMismatchError(
            "The browser brought back a sign-in response that this app did not ask for (its "
            "state does not match), so it was refused: it may have been forged. Sign in again."
        )
    # RFC 9207 §2.4: the issuer is checked before anything else in the response is used.
    issuer = params.get("iss")
    if issuer is not None and issuer != discovery.issuer:
        raise IssuerMismatchError(
            f"The sign-in response comes from {issuer!r}, not from {discovery.issuer!r}, so it "
            "was refused. Sign in again."
        )
    if issuer is None and discovery.authorization_response_iss_parameter_supported:
        raise IssuerMismatchError(
            "The sign-in response does not name its issuer (iss), though the server says it "
            "always does, so it was refused. Sign in again."
        )
    if "error" in params:
        raise authorization_error(params, request.client_id)
    code = params.get("code")
    if not code:
        raise ServerError("The server's sign-in response has no authorization code.")
    return code
