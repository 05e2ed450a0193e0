"""The verification page of sign-in on another device (RFC 8628 §3.3): enter the user code,
see which app asks, sign in with the login form and allow, or deny (CSRF-protected)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue

from desktop_auth.server.authorization_server import client_ip
from desktop_auth.server.csrf import csrf_ok, csrf_token, forget_csrf_token
from desktop_auth.server.device import (
    VERIFICATION_PATH,
    decide,
    find_pending,
    format_user_code,
    normalize_user_code,
    user_code_throttle_key,
)
from desktop_auth.server.errors import CREDENTIALS_MESSAGE
from desktop_auth.server.headers import CSP
from desktop_auth.server.login import Attempt, CredentialsRejected, Throttled, sign_in
from desktop_auth.server.models import DeviceCode, utcnow
from desktop_auth.server.state import server_state
from desktop_auth.server.throttle import Reservation

bp = Blueprint("device", __name__)

WRONG_CODE_MESSAGE = (
    "That code is not valid, or it has expired or been used. Check the code on your device."
)
GONE_MESSAGE = "This sign-in has expired or was already answered. Start again on your device."


def _page(status: int, step: str, **context: Any) -> Response:
    """``step``: "code" (enter it), "confirm" (who asks; sign in and allow, or deny), "done"."""
    response = make_response(
        render_template(
            "device.html",
            step=step,
            csrf_token=csrf_token(),
            issuer=server_state().config.issuer,
            **context,
        ),
        status,
    )
    response.headers["Content-Security-Policy"] = f"{CSP}; form-action 'self'"
    # The page holds a CSRF token and, once answered, whose sign-in it was.
    response.headers["Cache-Control"] = "no-store"
    return response


def _code_page(status: int, user_code: str, error: str | None = None) -> Response:
    return _page(status, "code", user_code=user_code, error=error)


def _throttled(retry_after: int, step: str, **context: Any) -> Response:
    error = f"Too many failed attempts. Try again in {retry_after} seconds."
    response = _page(429, step, error=error, **context)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _look_up(code: str) -> DeviceCode | int | None:
    """The pending sign-in of ``code``, None, or the seconds to wait: wrong codes count as
    failed attempts of this address (RFC 8628 §5.1), as wrong passwords do."""
    state = server_state()
    session = state.request_session()
    now = utcnow()
    ip = client_ip()
    reservation = state.throttle.reserve(session, user_code_throttle_key(ip), ip, now)
    if not isinstance(reservation, Reservation):
        session.commit()
        return reservation
    row = find_pending(session, code, now)
    if row is not None:
        state.throttle.succeeded(session, reservation)
    session.commit()
    return row


@bp.get(VERIFICATION_PATH)
def device_form() -> ResponseReturnValue:
    # verification_uri_complete fills the code in; the person still checks it and continues.
    typed = request.args.get("user_code", "")
    code = normalize_user_code(typed)
    return _code_page(200, format_user_code(code) if code else "")


@bp.post(VERIFICATION_PATH)
def device_submit() -> ResponseReturnValue:
    typed = request.form.get("user_code", "").strip()[:32]
    if not csrf_ok():
        return _code_page(400, typed, "The form expired. Enter the code again.")
    if not typed:
        return _code_page(200, "", "Enter the code shown on your device.")
    code = normalize_user_code(typed)
    if code is None:
        return _code_page(200, typed, "A code has 8 letters, like BCDF-GHJK. Check your device.")
    shown = format_user_code(code)
    found = _look_up(code)
    if isinstance(found, int):
        return _throttled(found, "code", user_code=shown)
    if found is None:
        return _code_page(200, shown, WRONG_CODE_MESSAGE)
    action = request.form.get("action", "continue")
    if action == "deny":
        return _deny(found)
    if action == "approve":
        return _approve(found, shown)
    return _page(200, "confirm", user_code=shown, client_id=found.client_id, username="")


def _deny(row: DeviceCode) -> Response:
    state = server_state()
    if not decide(state.request_session(), row, None, utcnow()):
        state.db.scoped.rollback()
        return _code_page(200, "", GONE_MESSAGE)
    state.commit()
    forget_csrf_token()
    return _page(200, "done", approved=False, client_id=row.client_id)


def _approve(row: DeviceCode, shown: str) -> Response:
    state = server_state()
    session = state.request_session()
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    confirm = {"user_code": shown, "client_id": row.client_id, "username": username}
    if not username or not password:
        return _page(200, "confirm", error="Enter your username and password.", **confirm)
    attempt = Attempt(username, password, row.client_id, client_ip(), "device")
    try:
        user = sign_in(state, session, attempt)
    except Throttled as exc:
        return _throttled(exc.retry_after, "confirm", **confirm)
    except CredentialsRejected:
        return _page(200, "confirm", error=CREDENTIALS_MESSAGE, **confirm)
    # The approval commits with the sign-in's side effects (user_logged_in), or neither does.
    if not decide(session, row, user, utcnow()):
        session.rollback()
        return _code_page(200, "", GONE_MESSAGE)
    state.commit()
    forget_csrf_token()
    return _page(200, "done", approved=True, client_id=row.client_id, username=user.username)
