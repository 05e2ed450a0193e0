"""Blinker signals for sign-in side effects, sent off the request path by the outbox worker.

Connect a receiver with ``user_logged_in.connect(fn, sender=app)``; it is called as
``fn(app, event=AuthEvent(...))`` in the server's background worker, after the transaction
that caused the event has committed. A receiver that is slow or raises never delays or fails
a sign-in; one that raises is retried with backoff, so receivers must be idempotent: use
``event.key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blinker import NamedSignal, Namespace

_signals = Namespace()

user_logged_in: NamedSignal = _signals.signal("user_logged_in", doc="A user signed in.")
login_failed: NamedSignal = _signals.signal("login_failed", doc="A sign-in was refused.")
token_refreshed: NamedSignal = _signals.signal("token_refreshed", doc="A refresh token was used.")
token_revoked: NamedSignal = _signals.signal("token_revoked", doc="Tokens were revoked.")
user_created: NamedSignal = _signals.signal("user_created", doc="An account was created.")

SIGNALS: dict[str, NamedSignal] = {
    s.name: s for s in (user_logged_in, login_failed, token_refreshed, token_revoked, user_created)
}


@dataclass(frozen=True)
class AuthEvent:
    """What receivers get: never a password, token or code."""

    key: str
    name: str
    occurred_at: datetime
    payload: dict[str, Any]

    @property
    def username(self) -> str | None:
        value = self.payload.get("username")
        return str(value) if value is not None else None
