"""OAuth endpoints: first-party challenge, token, device authorization, revocation,
introspection, userinfo."""

from __future__ import annotations

import re
from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from desktop_auth.server.authorization_server import client_ip, query_client
from desktop_auth.server.codes import issue_code
from desktop_auth.server.errors import CREDENTIALS_MESSAGE
from desktop_auth.server.login import Attempt, CredentialsRejected, Throttled, sign_in
from desktop_auth.server.models import Client, User
from desktop_auth.server.state import server_state
from desktop_auth.server.tokens import TokenIssuer, user_claims

bp = Blueprint("oauth", __name__)

CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(status: int, error: str, description: str, **headers: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers.update({**NO_STORE, **headers})
    return response


def _finish(response: Response) -> Response:
    """Commit what a successful endpoint call wrote; roll back anything else."""
    state = server_state()
    if response.status_code == 200:
        state.commit()
    else:
        state.db.scoped.rollback()
    return response


def _authenticate_challenge_client(form: Any) -> Client | Response:
    client = query_client(form.get("client_id", ""))
    if client is None:
        return _error(401, "invalid_client", "Unknown client.")
    if not client.is_public:
        secret = form.get("client_secret") or (
            request.authorization and request.authorization.password
        )
        if not secret or not client.check_client_secret(secret):
            return _error(401, "invalid_client", "Client authentication failed.")
    return client


@bp.post("/authorize/challenge")
def authorization_challenge() -> ResponseReturnValue:
    """draft-ietf-oauth-first-party-apps: username + password + PKCE -> authorization code."""
    state = server_state()
    form = request.form
    client = _authenticate_challenge_client(form)
    if isinstance(client, Response):
        return client
    if not client.first_party:
        return _error(400, "redirect_to_web", "This client must sign in with the browser.")
    username, password = form.get("username", ""), form.get("password", "")
    if not username or not password:
        return _error(400, "invalid_request", "Send both 'username' and 'password'.")
    challenge, method = form.get("code_challenge", ""), form.get("code_challenge_method", "")
    if not challenge:
        return _error(400, "invalid_request", "PKCE is required: send 'code_challenge' (S256).")
    if method != "S256":
        return _error(400, "invalid_request", "Only code_challenge_method=S256 is supported.")
    if not CODE_CHALLENGE.match(challenge):
        return _error(400, "invalid_request", "Invalid 'code_challenge'.")
    requested = form.get("scope", "openid")
    scope = client.get_allowed_scope(requested)
    if set(requested.split()) - set(scope.split()):
        return _error(400, "invalid_scope", "The requested scope is not allowed for this client.")
    session = state.request_session()
    try:
        user = sign_in(
            state, session, Attempt(username, password, client.client_id, client_ip(), "challenge")
        )
    except Throttled as exc:
        return _error(
            429,
            "temporarily_unavailable",
            f"Too many failed sign-in attempts. Try again in {exc.retry_after} seconds.",
            **{"Retry-After": str(exc.retry_after)},
        )
    except CredentialsRejected:
        return _error(400, "access_denied", CREDENTIALS_MESSAGE)
    code = issue_code(
        session,
        client=client,
        user=user,
        scope=scope,
        code_challenge=challenge,
        code_challenge_method=method,
        lifetime=state.config.code_lifetime,
        nonce=form.get("nonce"),
    )
    state.commit()
    response = jsonify({"authorization_code": code})
    response.headers.update(NO_STORE)
    return response


@bp.post("/token")
def token() -> ResponseReturnValue:
    return _finish(server_state().oauth.create_token_response())


@bp.post("/device_authorization")
def device_authorization() -> ResponseReturnValue:
    """RFC 8628 §3.1: a device code and a user code for sign-in on another device."""
    return _finish(server_state().oauth.create_endpoint_response("device_authorization"))


@bp.post("/revoke")
def revoke() -> ResponseReturnValue:
    return _finish(server_state().oauth.create_endpoint_response("revocation"))


@bp.post("/introspect")
def introspect() -> ResponseReturnValue:
    return _finish(server_state().oauth.create_endpoint_response("introspection"))


def _bearer_error(description: str) -> Response:
    response = _error(401, "invalid_token", description)
    response.headers["WWW-Authenticate"] = (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    return response


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> ResponseReturnValue:
    state = server_state()
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        response = _error(
            401, "invalid_request", "Send the access token as 'Authorization: Bearer'."
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="desktop-auth"'
        return response
    session = state.request_session()
    claims = TokenIssuer(state).decode_access_token(value.strip(), check_revoked=session)
    if claims is None:
        return _bearer_error("The access token is invalid, expired or revoked.")
    user = session.get(User, int(claims["sub"]))
    if user is None or user.disabled:
        return _bearer_error("The access token is invalid, expired or revoked.")
    response = jsonify(user_claims(user, str(claims.get("scope", ""))))
    response.headers.update(NO_STORE)
    return response


@bp.errorhandler(OAuth2Error)
def oauth_error(error: OAuth2Error) -> ResponseReturnValue:
    status, body, headers = error()
    return Response(jsonify(body).get_data(), status=status, headers=dict(headers))
