"""Sign-in on another device (RFC 8628): the device authorization endpoint, the device code
grant at the token endpoint, and the user codes the verification page looks up."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc8628 import (
    AuthorizationPendingError,
    DeviceAuthorizationEndpoint,
    ExpiredTokenError,
    SlowDownError,
)
from authlib.oauth2.rfc8628 import DeviceCodeGrant as AuthlibDeviceCodeGrant
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from desktop_auth.server import outbox
from desktop_auth.server.authorization_server import (
    CLIENT_AUTH_METHODS,
    IdTokenForOtherGrants,
    client_ip,
)
from desktop_auth.server.hashing import digest
from desktop_auth.server.models import (
    DEVICE_CODE_GRANT_TYPE,
    Client,
    DeviceCode,
    User,
    utcnow,
)
from desktop_auth.server.state import server_state
from desktop_auth.server.tokens import revoke_family

VERIFICATION_PATH = "/device"
# RFC 8628 §6.1: 20 consonants (no vowels, so no words; none easily mistaken for another),
# 8 of them: 20^8 ≈ 2^34.6 codes, guessed only through the throttled verification page.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
# RFC 8628 §3.5: every slow_down adds this to the device's polling interval.
SLOW_DOWN_SECONDS = 5
# A poll this much early is still on time (the device's sleep and our clock may differ).
POLL_TOLERANCE = timedelta(milliseconds=500)
# Decided and expired codes are kept this long, so that late polls get expired_token and a
# replayed device code is recognised; then they are deleted.
FORGET_AFTER = timedelta(days=1)
DEFAULT_SCOPE = "openid"


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def format_user_code(code: str) -> str:
    """``WDJBMJHT`` as people read it: ``WDJB-MJHT``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_user_code(typed: str) -> str | None:
    """The user code in ``typed`` (any case, dashes and spaces ignored), or None when it
    cannot be one (RFC 8628 §6.1)."""
    code = "".join(ch for ch in typed.upper() if ch.isalnum())
    if len(code) != USER_CODE_LENGTH or any(ch not in USER_CODE_ALPHABET for ch in code):
        return None
    return code


def user_code_throttle_key(ip: str) -> str:
    """The throttle's account key under which one address's wrong user codes are counted.

    A tab is in no username (validate_username refuses control characters), so this key
    never names an account; the address's failures also count towards its overall limit.
    """
    return f"\tuser_code\t{ip}"


def _session() -> Session:
    return server_state().request_session()


# --- the device authorization endpoint (RFC 8628 §3.1, §3.2) ----------------------------------


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    """Issues a device code (high entropy, stored hashed) and a user code for the person to
    type on the verification page; only for clients allowed the device grant."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def create_endpoint_response(self, req: Any) -> tuple[int, dict[str, Any], list[Any]]:
        client: Client = self.authenticate_client(req)
        if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
            raise UnauthorizedClientError(
                description="This client may not sign in on another device."
            )
        requested = req.payload.scope or DEFAULT_SCOPE
        scope = client.get_allowed_scope(requested)
        if set(requested.split()) - set(scope.split()):
            raise InvalidScopeError(
                description="The requested scope is not allowed for this client."
            )
        config = server_state().config
        session = _session()
        now = utcnow()
        session.execute(delete(DeviceCode).where(DeviceCode.expires_at < now - FORGET_AFTER))
        device_code = self.generate_device_code()
        user_code = self._unused_user_code(session)
        session.add(
            DeviceCode(
                device_code_hash=digest(device_code),
                user_code_hash=digest(user_code),
                client_id=client.client_id,
                scope=scope,
                created_at=now,
                expires_at=now + timedelta(seconds=config.device_code_lifetime),
                interval=config.device_poll_interval,
                family_id=str(uuid.uuid4()),
            )
        )
        shown = format_user_code(user_code)
        verification_uri = self.get_verification_uri()
        data = {
            "device_code": device_code,
            "user_code": shown,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?user_code={shown}",
            "expires_in": config.device_code_lifetime,
            "interval": config.device_poll_interval,
        }
        return 200, data, default_json_headers

    def generate_device_code(self) -> str:
        return secrets.token_urlsafe(32)

    def get_verification_uri(self) -> str:
        return server_state().config.issuer + VERIFICATION_PATH

    @staticmethod
    def _unused_user_code(session: Session) -> str:
        # A collision is unlikely (2^34 codes); the unique index is the last word.
        while True:
            code = new_user_code()
            taken = session.scalar(
                select(DeviceCode.id).where(DeviceCode.user_code_hash == digest(code))
            )
            if taken is None:
                return code


# --- the token endpoint's device code grant (RFC 8628 §3.4, §3.5) -----------------------------


class DeviceCodeGrant(AuthlibDeviceCodeGrant):
    """Polling for the outcome: authorization_pending, slow_down (the interval grows by 5 s
    for this device code), access_denied, expired_token; tokens once, on approval."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_token_request(self) -> None:
        device_code = self.request.payload.data.get("device_code")
        if not device_code:
            raise InvalidRequestError(description="Send the 'device_code'.")
        client: Client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError(
                description="This client may not sign in on another device."
            )
        session = _session()
        credential = poll(session, device_code, client.client_id, utcnow())
        user = session.get(User, credential.user_id)
        if user is None or user.disabled:
            raise InvalidGrantError(description="The device code is invalid.")
        self.request.user = user
        self.request.client = client
        self.request.credential = credential


class IdTokenForDeviceCode(IdTokenForOtherGrants):
    """ID tokens of the device grant: no nonce (there is no authorization request to carry
    one), ``auth_time`` when the user approved."""

    def get_compatible_claims(self, req: Any) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_compatible_claims(req)
        credential: DeviceCode | None = req.credential
        if credential is not None and credential.decided_at is not None:
            claims["auth_time"] = int(credential.decided_at.timestamp())
        claims["amr"] = ["pwd"]
        return claims


def poll(session: Session, device_code: str, client_id: str, now: datetime) -> DeviceCode:
    """The approved device code, claimed for ``client_id`` exactly once; otherwise the
    OAuth error the device gets. Commits what it records (the poll's time, a grown interval,
    the claim), since the token endpoint rolls back after an error."""
    row = session.scalars(
        select(DeviceCode)
        .where(DeviceCode.device_code_hash == digest(device_code))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or row.client_id != client_id:
        session.commit()
        raise InvalidGrantError(description="The device code is invalid.")
    if row.used_at is not None:
        _replayed(session, row)
        raise InvalidGrantError(description="The device code was already used.")
    if row.is_expired(now):
        session.commit()
        raise ExpiredTokenError(description="The device code has expired; start again.")
    if row.status == "denied":
        session.commit()
        raise AccessDeniedError(description="The sign-in was declined on the other device.")
    if row.status == "approved":
        claimed = session.execute(
            update(DeviceCode)
            .where(DeviceCode.id == row.id, DeviceCode.used_at.is_(None))
            .values(used_at=now)
        )
        session.commit()
        if getattr(claimed, "rowcount", 0) != 1:
            raise InvalidGrantError(description="The device code was already used.")
        return row
    slow = row.last_polled_at is not None and (
        now - row.last_polled_at < timedelta(seconds=row.interval) - POLL_TOLERANCE
    )
    if slow:
        row.interval += SLOW_DOWN_SECONDS
    row.last_polled_at = now
    session.commit()
    if slow:
        raise SlowDownError(
            description=f"Polled too often; wait {row.interval} seconds between requests."
        )
    raise AuthorizationPendingError(
        description="The sign-in has not been approved on the other device yet."
    )


def _replayed(session: Session, row: DeviceCode) -> None:
    """A second exchange of a device code means it leaked: revoke what it was exchanged for
    (as for authorization codes, RFC 6749 §4.1.2)."""
    if revoke_family(session, row.family_id):
        outbox.record(
            session,
            "token_revoked",
            {
                "client_id": row.client_id,
                "user_id": row.user_id,
                "ip": client_ip(),
                "reason": "device code replay",
            },
        )
    session.commit()
    server_state().outbox.wake()


# --- the verification page's side (RFC 8628 §3.3) ---------------------------------------------


def find_pending(session: Session, code: str, now: datetime) -> DeviceCode | None:
    """The undecided, unexpired sign-in whose (normalised) user code is ``code``."""
    row: DeviceCode | None = session.scalar(
        select(DeviceCode).where(
            DeviceCode.user_code_hash == digest(code),
            DeviceCode.status == "pending",
            DeviceCode.expires_at > now,
        )
    )
    return row


def decide(session: Session, row: DeviceCode, user: User | None, now: datetime) -> bool:
    """Approve ``row`` for ``user`` (deny it when None) if it is still pending and unexpired;
    False when it no longer is. The caller commits."""
    values: dict[str, Any] = {"status": "approved" if user else "denied", "decided_at": now}
    if user is not None:
        values["user_id"] = user.id
    decided = session.execute(
        update(DeviceCode)
        .where(
            DeviceCode.id == row.id,
            DeviceCode.status == "pending",
            DeviceCode.expires_at > now,
        )
        .values(**values)
    )
    return getattr(decided, "rowcount", 0) == 1
