"""Signing keys: RS256 keys in the database, shared by every server instance, and their rotation.

Per key (table ``signing_keys``): it is published in the JWKS from its creation until
``retire_after`` has passed (None: no end set yet), and the key that signs is the newest whose
``signs_from`` has passed. ``rotate_keys`` adds a key that is published at once but signs only
after a publish delay, and sets every older key's ``retire_after`` to when the last token it
may sign expires. Each process keeps a copy of the table in a ``KeyRing`` and reads it again
every ``signing_key_reload_interval`` seconds, and at once (at most once a second) when a
token names a ``kid`` it does not know.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from desktop_auth.server.config import ServerConfig
from desktop_auth.server.db import Database
from desktop_auth.server.models import SigningKey, utcnow

log = logging.getLogger(__name__)

# Where each instance kept its own keys before they moved to the database; imported once.
KEYS_FILE = "signing-keys.json"
ALGORITHM = "RS256"
# The Cache-Control max-age of /jwks.json: how long a verifier may keep the key set.
JWKS_MAX_AGE = 300
# However many unknown kids arrive, a process reads the table again at most this often.
UNKNOWN_KID_RELOAD_SECONDS = 1.0

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class StoredKey:
    kid: str
    key: RSAKey = field(repr=False)
    created_at: datetime
    signs_from: datetime
    retire_after: datetime | None

    def is_published(self, now: datetime) -> bool:
        return self.retire_after is None or now <= self.retire_after


@dataclass(frozen=True)
class SigningKeys:
    """The keys as read from the table, oldest first. Which one signs and which are
    published depends on the time asked about."""

    keys: tuple[StoredKey, ...]

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(key.kid for key in self.keys)

    def signing(self, now: datetime) -> StoredKey:
        for key in reversed(self.keys):
            if key.signs_from <= now:
                return key
        # Every key is still waiting (this clock is behind the one that made them).
        return min(self.keys, key=lambda key: key.signs_from)

    def published(self, now: datetime) -> tuple[StoredKey, ...]:
        return tuple(key for key in self.keys if key.is_published(now))

    def public_jwks(self, now: datetime) -> dict[str, Any]:
        return {"keys": [key.key.as_dict(private=False) for key in self.published(now)]}

    def key_set(self, now: datetime) -> KeySet:
        return KeySet([key.key for key in self.published(now)])

    def describe(self, key: StoredKey, now: datetime) -> str:
        """What ``key`` does at ``now``, in words (for ``keys list``)."""
        retiring = f"published until {shown_time(key.retire_after)}" if key.retire_after else ""
        if key is self.signing(now):
            later = [k.signs_from for k in self.keys if k.signs_from > now and k is not key]
            until = f" until {shown_time(min(later))}" if later else ""
            return f"signing{until}" + (f", {retiring}" if retiring else "")
        if key.signs_from > now:
            return f"publishing, signs from {shown_time(key.signs_from)}"
        return f"retiring, {retiring}" if retiring else "published"


def shown_time(moment: datetime | None) -> str:
    """A time as the CLI and the logs show it: RFC 3339 UTC, to the second."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else "-"


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)


def longest_token_lifetime(config: ServerConfig) -> int:
    """Seconds the longest-lived JWT signed with these keys stays valid. Access and ID tokens
    are the only ones: refresh tokens, codes and device codes are opaque."""
    return max(config.access_token_lifetime, config.id_token_lifetime)


def default_publish_delay(config: ServerConfig) -> float:
    """Verifiers may keep the JWKS for its max-age, and our processes may keep the table for
    their reload interval: a new key is published that long before it signs."""
    return JWKS_MAX_AGE + config.signing_key_reload_interval


def _lock_table(session: Session) -> None:
    # SQLite's BEGIN IMMEDIATE (db.py) already serialises writers; PostgreSQL needs telling,
    # so that two instances starting at once do not both create a first key.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE"))


def _prune(session: Session, now: datetime) -> None:
    session.execute(delete(SigningKey).where(SigningKey.retire_after < now))


def _row(key: RSAKey, now: datetime, signs_from: datetime) -> SigningKey:
    kid = str(key.kid or key.thumbprint())
    return SigningKey(
        kid=kid,
        private_jwk={**key.as_dict(private=True), "kid": kid},
        created_at=now,
        signs_from=signs_from,
    )


def ensure_keys(db: Database, config: ServerConfig, now: datetime | None = None) -> None:
    """Give an empty table its first keys: those of an old ``signing-keys.json`` (once; the
    file is then no longer read), or else a new key that signs at once."""
    now = now or utcnow()
    with db.session() as session:
        if session.scalar(select(SigningKey.id).limit(1)) is not None:
            return
        _lock_table(session)
        if session.scalar(select(SigningKey.id).limit(1)) is not None:
            return
        path = config.data_dir / KEYS_FILE
        if not path.exists():
            row = _row(new_key(), now, now)
            session.add(row)
            log.info("created signing key %s", row.kid)
            return
        entries = json.loads(path.read_text(encoding="utf-8")).get("keys") or []
        if not entries:
            raise ValueError(f"{path} holds no keys")
        # The file's newest key signed; the older ones signed nothing since it was added, so
        # their tokens have expired or expire within a token lifetime from now.
        retire = now + timedelta(
            seconds=longest_token_lifetime(config) + config.signing_key_reload_interval
        )
        rows = [_row(RSAKey.import_key(entry), now, now) for entry in entries]
        for row in rows[:-1]:
            row.retire_after = retire
        session.add_all(rows)
        log.info(
            "imported signing keys %s from %s; the file is no longer read",
            ", ".join(row.kid for row in rows),
            path,
        )


@dataclass(frozen=True)
class Rotation:
    kid: str
    signs_from: datetime
    # When the keys it replaces leave the JWKS.
    retire_after: datetime


def rotate_keys(
    db: Database,
    config: ServerConfig,
    publish_for: float | None = None,
    now: datetime | None = None,
) -> Rotation:
    """Add a key that is published now and signs after ``publish_for`` seconds (default:
    ``default_publish_delay``); retire the older ones once their last tokens have expired."""
    now = now or utcnow()
    delay = default_publish_delay(config) if publish_for is None else publish_for
    signs_from = now + timedelta(seconds=delay)
    # An older key signs until the new one does, and in a process that has not read the
    # table since, until it does.
    stops = max(signs_from, now + timedelta(seconds=config.signing_key_reload_interval))
    retire = stops + timedelta(seconds=longest_token_lifetime(config))
    with db.session() as session:
        _lock_table(session)
        _prune(session, now)
        for older in session.scalars(select(SigningKey)):
            if older.retire_after is None or older.retire_after > retire:
                older.retire_after = retire
        row = _row(new_key(), now, signs_from)
        session.add(row)
    log.info("rotated signing keys: %s signs from %s", row.kid, shown_time(signs_from))
    return Rotation(row.kid, signs_from, retire)


_READ_KEYS = select(
    SigningKey.kid,
    SigningKey.private_jwk,
    SigningKey.created_at,
    SigningKey.signs_from,
    SigningKey.retire_after,
).order_by(SigningKey.id)


class KeyRing:
    """This process's copy of the signing keys table, read again every ``reload_interval``
    seconds, so that a rotation made anywhere reaches every instance without a restart."""

    def __init__(self, db: Database, reload_interval: float, clock: Clock = utcnow) -> None:
        self.db = db
        self.reload_interval = reload_interval
        self.clock = clock
        self._lock = threading.Lock()
        self._imported: dict[str, RSAKey] = {}
        self._pruner: threading.Thread | None = None
        self._keys = self._read()
        self._read_at = time.monotonic()
        self._unknown_kid_read_at = -math.inf

    def keys(self) -> SigningKeys:
        if time.monotonic() - self._read_at >= self.reload_interval:
            with self._lock:
                if time.monotonic() - self._read_at >= self.reload_interval:
                    self._reload_keeping_old_on_error()
        return self._keys

    def reload(self) -> SigningKeys:
        with self._lock:
            self._keys = self._read()
            self._read_at = time.monotonic()
        return self._keys

    def signing_key(self) -> StoredKey:
        return self.keys().signing(self.clock())

    def public_jwks(self) -> dict[str, Any]:
        return self.keys().public_jwks(self.clock())

    def verification_keys(self, kid: str | None) -> KeySet:
        """The published keys, read again first if ``kid`` is new to this process."""
        keys = self.keys()
        if kid is not None and kid not in keys.kids:
            with self._lock:
                due = time.monotonic() - self._unknown_kid_read_at >= UNKNOWN_KID_RELOAD_SECONDS
                if due:
                    self._unknown_kid_read_at = time.monotonic()
                    self._reload_keeping_old_on_error()
            keys = self._keys
        return keys.key_set(self.clock())

    def _reload_keeping_old_on_error(self) -> None:
        try:
            self._keys = self._read()
        except SQLAlchemyError as exc:
            # Keep signing and publishing what we have; try again after the interval.
            log.warning("could not read the signing keys, keeping those read before: %s", exc)
        self._read_at = time.monotonic()

    def _read(self) -> SigningKeys:
        now = self.clock()
        # Often called while signing, inside a request's transaction: read without a lock.
        with self.db.reading() as connection:
            rows = connection.execute(_READ_KEYS).all()
        if any(row.retire_after is not None and row.retire_after < now for row in rows):
            # Writing here would wait for the request's own transaction: leave it to a thread.
            self._prune_in_background(now)
        stored = tuple(
            StoredKey(
                row.kid,
                self._import(row.kid, row.private_jwk),
                row.created_at,
                row.signs_from,
                row.retire_after,
            )
            for row in rows
            if row.retire_after is None or row.retire_after >= now
        )
        if not stored:
            raise RuntimeError("the signing_keys table holds no key: run the server's 'init'")
        return SigningKeys(stored)

    def close(self, timeout: float = 10.0) -> None:
        """Wait for a deletion of retired keys in progress: it uses the database, which the
        caller is about to release."""
        pruner = self._pruner
        if pruner is not None:
            pruner.join(timeout)

    def _prune_in_background(self, now: datetime) -> None:
        if self._pruner is None or not self._pruner.is_alive():
            self._pruner = threading.Thread(
                target=self._prune, args=(now,), name="prune-signing-keys", daemon=True
            )
            self._pruner.start()

    def _prune(self, now: datetime) -> None:
        try:
            with self.db.session() as session:
                _prune(session, now)
        except SQLAlchemyError as exc:
            log.warning("could not delete retired signing keys (next time, then): %s", exc)

    def _import(self, kid: str, jwk: dict[str, Any]) -> RSAKey:
        key = self._imported.get(kid)
        if key is None:
            key = self._imported[kid] = RSAKey.import_key(jwk)
        return key


def token_kid(token: str) -> str | None:
    """The ``kid`` in a compact JWS's header, unverified (None if there is none)."""
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None
