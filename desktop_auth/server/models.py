"""Database tables of the identity server (SQLAlchemy 2, migrated by Alembic)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "::1"})
DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    # SQLAlchemy reads this mapping from the class.
    type_annotation_map = {  # noqa: RUF012
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def table_of(model: type[Base]) -> Table:
    """The Core table of ``model``, for statements built once and run without the ORM."""
    return cast(Table, model.__table__)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    # NFKC + casefold of the username: what sign-in looks up and what must be unique.
    username_key: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(default=list)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set once, in the transaction of the first successful sign-in (drives the welcome mail).
    first_login_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def subject(self) -> str:
        return str(self.id)

    def get_user_id(self) -> int:
        """Authlib asks users for their id."""
        return self.id


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    # SHA-256 of a high-entropy generated secret; None for public (native) clients.
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(default=list)
    allow_password_grant: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sign-in on another device (RFC 8628); opt-in, since its user codes can be phished.
    allow_device_grant: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    first_party: Mapped[bool] = mapped_column(Boolean, default=True)
    scope: Mapped[str] = mapped_column(Text, default="openid profile email roles offline_access")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_public(self) -> bool:
        return self.client_secret_hash is None

    # -- Authlib's ClientMixin -------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Always make clients name it: loopback URIs are registered without their port, and
        # OpenID Connect requires redirect_uri anyway.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match, except the port of loopback redirects (RFC 8252 §7.3)."""
        if redirect_uri in self.redirect_uris:
            return True
        wanted = _without_loopback_port(redirect_uri)
        return wanted is not None and any(
            _without_loopback_port(uri) == wanted for uri in self.redirect_uris
        )

    def check_client_secret(self, client_secret: str) -> bool:
        from desktop_auth.server.hashing import verify_client_secret

        return self.client_secret_hash is not None and verify_client_secret(
            client_secret, self.client_secret_hash
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "password":
            return self.allow_password_grant
        if grant_type == DEVICE_CODE_GRANT_TYPE:
            return self.allow_device_grant
        return grant_type in ("authorization_code", "refresh_token")


def _without_loopback_port(uri: str) -> str | None:
    """``uri`` with its port removed when it is an http loopback URI, else None."""
    # urlsplit drops tabs and line breaks and strips leading blanks, and a browser reads a
    # backslash as a slash: such a URI must not match the clean one it would be taken for.
    if "\\" in uri or any(ch.isspace() or not ch.isprintable() for ch in uri):
        return None
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if "@" in parts.netloc:  # userinfo: the rebuilt URI would drop it
        return None
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    if parts.scheme != "http" or shown not in LOOPBACK_HOSTS:
        return None
    return urlunsplit(("http", shown, parts.path, parts.query, parts.fragment))


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the code: a database leak does not leak usable codes.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column(Integer)
    family_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)

    # -- Authlib's AuthorizationCodeMixin ---------------------------------------------------
    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str]:
        return ["pwd"]


class DeviceCode(Base):
    """One sign-in on another device (RFC 8628), from its device authorization to its tokens."""

    __tablename__ = "device_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the device code: a database leak does not leak codes that can be polled.
    device_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the normalised user code (little protection for 8 letters, but none stored
    # as typed); unique while the row lives, so a user code names one sign-in.
    user_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Seconds the device must wait between polls; slow_down adds 5 (RFC 8628 §3.5).
    interval: Mapped[int] = mapped_column(Integer)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    # "pending", then "approved" (with user_id) or "denied" on the verification page.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the approved code was exchanged for tokens: it is single-use.
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    family_id: Mapped[str] = mapped_column(String(36))

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())

    # -- Authlib's DeviceCredentialMixin ----------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope


class Token(Base):
    """One issued access token, with the refresh token issued beside it (if any)."""

    __tablename__ = "tokens"
    __table_args__ = (Index("ix_tokens_family_id", "family_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Every token rotated from one sign-in shares a family (RFC 9700 §4.14.2).
    family_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    access_expires_at: Mapped[datetime] = mapped_column()
    refresh_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when this row's refresh token was exchanged for a new one.
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    # -- Authlib's TokenMixin -------------------------------------------------------------
    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.access_expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.access_expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def refresh_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.rotated_at is None
            and self.refresh_expires_at is not None
            and self.refresh_expires_at > utcnow()
        )


class LoginFailure(Base):
    """One failed sign-in; counted per account name and per client address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account_key", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_key: Mapped[str] = mapped_column(String(150))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountThrottle(Base):
    """Consecutive failures of one account name (existing or not) and its lock."""

    __tablename__ = "account_throttles"

    account_key: Mapped[str] = mapped_column(String(150), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    # Rows untouched for a day are forgotten, so sprayed unknown names don't pile up.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEntry(Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(36), unique=True)
    ts: Mapped[datetime] = mapped_column()
    event: Mapped[str] = mapped_column(String(50))
    username: Mapped[str | None] = mapped_column(String(150))
    client_id: Mapped[str | None] = mapped_column(String(100))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def as_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "ts": self.ts.isoformat().replace("+00:00", "Z"),
                "event": self.event,
                "username": self.username,
                "client_id": self.client_id,
                "ip": self.ip,
                "detail": self.detail,
                "event_key": self.event_key,
            },
            sort_keys=True,
        )


class OutboxEvent(Base):
    """A side effect owed: written in the same transaction as what caused it."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "done_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The idempotency key receivers use so that a redelivery changes nothing.
    key: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxDelivery(Base):
    """How far one receiver got with one event."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "receiver"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    receiver: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    gave_up_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    # The HMAC key is needed in clear to sign; the data dir is 0700 and the db 0600.
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """A webhook that has accepted an event, so a retry of the others skips it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("webhook_id", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(36))
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


class SigningKey(Base):
    """An RS256 key shared by every server instance; see keys.py for when it signs and is
    published. ``private_jwk`` is a secret, as password hashes are: backups of the database
    hold it."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    private_jwk: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # It signs from this time on (unless a newer key signs); published from its creation.
    signs_from: Mapped[datetime] = mapped_column()
    # It leaves the JWKS, and the table, after this time; None while it may still sign.
    retire_after: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"


class ServerSecret(Base):
    """A secret every server instance must share, by name: ``session`` signs the browser
    pages' session cookie (secret_key.py). Backups of the database hold it."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"ServerSecret(name={self.name!r})"
