"""The browser sign-in page of the authorization code flow (CSRF-protected, no framing)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue

from desktop_auth.server.authorization_server import client_ip
from desktop_auth.server.csrf import csrf_ok, csrf_token, forget_csrf_token
from desktop_auth.server.errors import CREDENTIALS_MESSAGE
from desktop_auth.server.headers import CSP
from desktop_auth.server.login import Attempt, CredentialsRejected, Throttled, sign_in
from desktop_auth.server.state import server_state

bp = Blueprint("authorize", __name__)


def _page(status: int, grant: Any = None, **context: Any) -> Response:
    response = make_response(
        render_template(
            "login.html",
            client_id=grant.client.client_id if grant is not None else None,
            csrf_token=csrf_token(),
            issuer=server_state().config.issuer,
            **context,
        ),
        status,
    )
    if grant is not None:
        # Chrome applies form-action to the redirect after the POST: allow the client's origin.
        # The app's after_request hook only fills in a missing policy, so write all of it here.
        parts = urlsplit(grant.redirect_uri)
        response.headers["Content-Security-Policy"] = (
            f"{CSP}; form-action 'self' {parts.scheme}://{parts.netloc}"
        )
    return response


def _validate() -> Any:
    """The consent grant for this request, or an error response (redirected when safe)."""
    oauth = server_state().oauth
    try:
        return oauth.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:
            redirect: Response = oauth.handle_error_response(request, error)
            # RFC 9207 §2: iss goes in error responses too (Authlib adds it only in
            # create_authorization_response, which validation errors never reach).
            oauth.execute_hook("after_create_authorization_response", redirect)
            return redirect
        # Never redirect to an unverified redirect_uri: show the error here instead.
        return _page(400, fatal=error.description or error.error)


@bp.get("/authorize")
def authorize_form() -> ResponseReturnValue:
    grant = _validate()
    if isinstance(grant, Response):
        return grant
    return _page(200, grant, username=request.args.get("login_hint", ""))


@bp.post("/authorize")
def authorize_submit() -> ResponseReturnValue:
    state = server_state()
    if not csrf_ok():
        return _page(400, fatal="The form expired. Go back to the application and start again.")
    grant = _validate()
    if isinstance(grant, Response):
        return grant
    if request.form.get("action") == "cancel":
        denied: Response = state.oauth.create_authorization_response(grant_user=None, grant=grant)
        return denied
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not username or not password:
        return _page(400, grant, username=username, error="Enter your username and password.")
    attempt = Attempt(username, password, grant.client.client_id, client_ip(), "browser")
    try:
        user = sign_in(state, state.request_session(), attempt)
    except Throttled as exc:
        response = _page(
            429,
            grant,
            username=username,
            error=f"Too many failed attempts. Try again in {exc.retry_after} seconds.",
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except CredentialsRejected:
        # 200: the form is shown again, with the message; a 401 would need WWW-Authenticate.
        return _page(200, grant, username=username, error=CREDENTIALS_MESSAGE)
    granted: Response = state.oauth.create_authorization_response(grant_user=user, grant=grant)
    state.commit()
    forget_csrf_token()
    return granted
