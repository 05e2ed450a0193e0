"""Checking a username and password: throttling, constant-time verify, rehash, side effects."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desktop_auth.server import outbox
from desktop_auth.server.models import User, utcnow
from desktop_auth.server.state import ServerState
from desktop_auth.server.throttle import Reservation

MAX_USERNAME_LENGTH = 150


def storable(text: str) -> str:
    """``text`` as a database column can hold it: PostgreSQL refuses NUL in text and JSON, so
    a NUL sent in a username made sign-in fail with a 500. No account name holds a NUL
    (accounts.validate_username); the replacement character U+FFFD stands in for it."""
    return text.replace("\x00", "\ufffd")


def account_key(username: str) -> str:
    """The form a username is looked up and throttled by."""
    return storable(unicodedata.normalize("NFKC", username).strip().casefold())


# Built once: building a statement costs more than running it.
_USER_BY_KEY = select(User).where(User.username_key == bindparam("key"))


class SignInRefused(Exception):
    """Base of the two refusals; neither message says whether the account exists."""


class CredentialsRejected(SignInRefused):
    pass


class Throttled(SignInRefused):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    username: str
    password: str
    client_id: str
    ip: str
    method: str  # "challenge", "password", "browser", "device"

    def __repr__(self) -> str:
        # Never the password, even in a traceback.
        return f"Attempt({self.username!r}, client={self.client_id!r}, method={self.method!r})"


def sign_in(state: ServerState, session: Session, attempt: Attempt) -> User:
    """Return the user if the password is right; record the outcome in ``session``.

    On success the caller adds what it issues (a code, tokens) to ``session`` and commits,
    so the sign-in, its audit event and its other side effects commit together. On refusal
    this function commits the failure itself and raises.
    """
    key = account_key(attempt.username)[:MAX_USERNAME_LENGTH]
    now = utcnow()
    # Phase 1, a short transaction: count the attempt (or refuse it) and find the user.
    reservation = state.throttle.reserve(session, key, attempt.ip, now)
    user = None
    if isinstance(reservation, Reservation):
        user = session.scalar(_USER_BY_KEY, {"key": key})
    session.commit()
    if not isinstance(reservation, Reservation):
        state.metrics.sign_in(attempt.method, "throttled")
        raise Throttled(reservation)
    # Phase 2, outside any transaction: the slow hash (the same work for unknown users).
    if user is None:
        state.passwords.burn_time(attempt.password)
        ok = False
    else:
        ok = state.passwords.verify(user.password_hash, attempt.password) and not user.disabled
    payload: dict[str, Any] = {
        "username": storable(attempt.username[:MAX_USERNAME_LENGTH]),
        "client_id": attempt.client_id,
        "ip": attempt.ip,
        "method": attempt.method,
    }
    # Phase 3: record the outcome (a failure was already counted in phase 1).
    if not ok or user is None:
        outbox.record(session, "login_failed", payload, now)
        session.commit()
        state.outbox.wake()
        state.metrics.sign_in(attempt.method, "failed")
        raise CredentialsRejected()
    state.throttle.succeeded(session, reservation)
    if state.passwords.needs_rehash(user.password_hash):
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=state.passwords.hash(attempt.password))
        )
    first_login = False
    if user.first_login_at is None:
        # Atomic: of two first sign-ins at once, only one is the first.
        first = session.execute(
            update(User)
            .where(User.id == user.id, User.first_login_at.is_(None))
            .values(first_login_at=now),
            execution_options={"synchronize_session": False},
        )
        first_login = getattr(first, "rowcount", 0) == 1
    payload.update(
        username=user.username, user_id=user.id, sub=user.subject, first_login=first_login
    )
    outbox.record(session, "user_logged_in", payload, now)
    state.metrics.sign_in(attempt.method, "succeeded")
    return user
