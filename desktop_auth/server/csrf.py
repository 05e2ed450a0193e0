"""CSRF tokens of the server's own forms: one per browser session, sent back in a hidden field."""

from __future__ import annotations

import secrets

from flask import request, session

CSRF_KEY = "csrf_token"


def csrf_token() -> str:
    """This browser session's token (made on first use)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_ok() -> bool:
    """Whether the posted form carries this browser session's token."""
    sent = request.form.get(CSRF_KEY, "")
    expected = session.get(CSRF_KEY)
    return isinstance(expected, str) and bool(sent) and secrets.compare_digest(sent, expected)


def forget_csrf_token() -> None:
    """After a form's purpose is done: its page cannot be posted again."""
    session.pop(CSRF_KEY, None)
