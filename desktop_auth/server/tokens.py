"""Issuing tokens: JWT access tokens (RFC 9068 shape), rotating refresh tokens, stored hashed."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desktop_auth.server.hashing import digest
from desktop_auth.server.keys import ALGORITHM, token_kid
from desktop_auth.server.models import Client, Token, User, table_of, utcnow
from desktop_auth.server.state import ServerState

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type, not a secret


def user_claims(user: User, scope: str) -> dict[str, Any]:
    """Identity claims shared by access tokens, ID tokens and userinfo."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {
        "sub": user.subject,
        "preferred_username": user.username,
        "roles": list(user.roles),
    }
    if "profile" in scopes or "openid" in scopes:
        claims["name"] = user.display_name or user.username
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = False
    return claims


_INSERT_TOKEN = table_of(Token).insert()


class TokenIssuer:
    """Authlib's token generator and ``save_token`` for this server."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def __call__(
        self,
        grant_type: str,
        client: Client,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        if user is None:
            raise ValueError("tokens are only issued for a user")
        config = self.state.config
        lifetime = expires_in or config.access_token_lifetime
        now = int(utcnow().timestamp())
        claims = {
            "iss": config.issuer,
            "aud": client.client_id,
            "client_id": client.client_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "scope": scope or "",
            **user_claims(user, scope or ""),
        }
        signing = self.state.signing_key()
        header = {"alg": ALGORITHM, "kid": signing.kid, "typ": ACCESS_TOKEN_TYPE}
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": jwt.encode(header, claims, signing.key, [ALGORITHM]),
            "expires_in": lifetime,
            "scope": scope or "",
        }
        if include_refresh_token:
            token["refresh_token"] = secrets.token_urlsafe(32)
        return token

    def save(
        self, session: Session, token: dict[str, Any], client: Client, user: User, family_id: str
    ) -> None:
        issued = utcnow()
        refresh = token.get("refresh_token")
        # A prepared INSERT, not an ORM object to flush: nothing reads the row back in this
        # request.
        session.execute(
            _INSERT_TOKEN,
            {
                "jti": _own_jti(token["access_token"]),
                "refresh_token_hash": digest(refresh) if refresh else None,
                "family_id": family_id,
                "client_id": client.client_id,
                "user_id": user.id,
                "scope": token.get("scope", ""),
                "issued_at": issued,
                "access_expires_at": issued + timedelta(seconds=int(token["expires_in"])),
                "refresh_expires_at": (
                    issued + timedelta(seconds=self.state.config.refresh_token_lifetime)
                    if refresh
                    else None
                ),
            },
        )

    def decode_access_token(
        self, value: str, check_revoked: Session | None
    ) -> dict[str, Any] | None:
        """Claims of a valid, unexpired access token of ours; with a session, also not revoked."""
        try:
            keys = self.state.keys.verification_keys(token_kid(value))
            decoded = jwt.decode(value, keys, algorithms=[ALGORITHM])
            if decoded.header.get("typ") != ACCESS_TOKEN_TYPE:
                return None
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.state.config.issuer},
                exp={"essential": True},
                jti={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        if check_revoked is not None:
            stored = check_revoked.execute(
                select(Token.revoked_at).where(Token.jti == decoded.claims["jti"])
            ).first()
            if stored is None or stored.revoked_at is not None:
                return None
        return dict(decoded.claims)


def _own_jti(access_token: str) -> str:
    """The ``jti`` of an access token this process has just signed (so: no need to verify)."""
    payload = access_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"])


def revoke_family(session: Session, family_id: str) -> int:
    """Revoke every token of a sign-in's family; return how many were still live."""
    result = session.execute(
        update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0))
