"""Account administration: create, change roles and passwords, disable (used by the CLI)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_auth.server import outbox
from desktop_auth.server.login import MAX_USERNAME_LENGTH, account_key
from desktop_auth.server.models import User, utcnow
from desktop_auth.server.passwords import PasswordHashing, check_policy

ROLE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A request the administrator can fix; the message says how."""


def validate_username(username: str) -> str:
    name = unicodedata.normalize("NFKC", username).strip()
    if not name:
        raise AccountError("The username must not be empty.")
    if len(name) > MAX_USERNAME_LENGTH:
        raise AccountError(f"The username must have at most {MAX_USERNAME_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith(("C", "Z")) and ch != " " for ch in name):
        raise AccountError("The username must not contain control or separator characters.")
    return name


def parse_roles(text: str | Sequence[str]) -> list[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    roles = sorted({r.strip() for r in items if r.strip()})
    bad = [r for r in roles if not ROLE.match(r)]
    if bad:
        raise AccountError(
            f"Invalid role name {bad[0]!r}: use letters, digits, '.', '_', ':' or '-'."
        )
    return roles


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username_key == account_key(username)))
    if user is None:
        raise AccountError(f"No user named {username!r}.")
    return user


def create_user(
    session: Session,
    hashing: PasswordHashing,
    username: str,
    password: str,
    roles: Sequence[str] = (),
    email: str | None = None,
    display_name: str | None = None,
) -> User:
    name = validate_username(username)
    if email is not None and not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address.")
    password = check_policy(password, name)
    if session.scalar(select(User.id).where(User.username_key == account_key(name))) is not None:
        raise AccountError(f"A user named {name!r} already exists.")
    user = User(
        username=name,
        username_key=account_key(name),
        password_hash=hashing.hash(password),
        email=email,
        display_name=display_name,
        roles=list(parse_roles(roles)),
    )
    session.add(user)
    session.flush()
    outbox.record(
        session, "user_created", {"username": name, "user_id": user.id, "roles": user.roles}
    )
    return user


def set_password(session: Session, hashing: PasswordHashing, username: str, password: str) -> None:
    user = find_user(session, username)
    user.password_hash = hashing.hash(check_policy(password, user.username))
    user.password_changed_at = utcnow()
