"""Authlib's authorization server, wired to our models: grants, PKCE (S256 only), OIDC."""

from __future__ import annotations

import uuid
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnsupportedResponseTypeError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode, OpenIDToken
from flask import Flask, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desktop_auth.server import outbox
from desktop_auth.server.codes import issue_code, redeem_code
from desktop_auth.server.errors import BadCredentialsGrantError, ThrottledError
from desktop_auth.server.hashing import digest
from desktop_auth.server.keys import ALGORITHM
from desktop_auth.server.login import Attempt, CredentialsRejected, Throttled, sign_in
from desktop_auth.server.models import AuthorizationCode, Client, Token, User, utcnow
from desktop_auth.server.state import server_state
from desktop_auth.server.tokens import TokenIssuer, revoke_family, user_claims

CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _session() -> Session:
    return server_state().request_session()


class S256CodeChallenge(CodeChallenge):
    """PKCE is required for every code, and only with S256 (``plain`` is refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge_method


class _IdTokenMixin:
    """How our ID tokens are signed and what they say."""

    def resolve_client_private_key(self, client: Client) -> Any:
        return server_state().signing_key().key

    def get_client_algorithm(self, client: Client) -> str:
        return ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": server_state().signing_key().kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        config = server_state().config
        now = int(utcnow().timestamp())
        return {
            "iss": config.issuer,
            "aud": [client.client_id],
            "iat": now,
            "exp": now + config.id_token_lifetime,
        }

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(user_claims(user, scope))


class IdTokenForCode(_IdTokenMixin, OpenIDCode):
    def exists_nonce(self, nonce: str, req: Any) -> bool:
        found = _session().scalar(
            select(AuthorizationCode.id).where(
                AuthorizationCode.client_id == req.payload.client_id,
                AuthorizationCode.nonce == nonce,
            )
        )
        return found is not None


class IdTokenForOtherGrants(_IdTokenMixin, OpenIDToken):
    """ID tokens for refresh and password grants (no nonce: there was no authorization request)."""

    pass


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: Client) -> str:
        # Authlib quotes the requested URI in its error description, and refuses to build an
        # error whose description holds a quote, a backslash or non-ASCII (an HTTP 500).
        requested = request.payload.redirect_uri
        if requested and not client.check_redirect_uri(requested):
            raise InvalidRequestError("The redirect URI is not registered for this client.")
        uri: str = grants.AuthorizationCodeGrant.validate_authorization_redirect_uri(
            request, client
        )
        return uri

    def save_authorization_code(self, code: str, req: Any) -> None:
        issue_code(
            _session(),
            client=req.client,
            user=req.user,
            scope=req.payload.scope or "",
            code_challenge=req.payload.data["code_challenge"],
            code_challenge_method=req.payload.data["code_challenge_method"],
            lifetime=server_state().config.code_lifetime,
            redirect_uri=req.payload.redirect_uri,
            nonce=req.payload.data.get("nonce"),
            code=code,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return redeem_code(_session(), code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used, so that a replay can be recognised and its tokens revoked.
        return None

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        user = _session().get(User, authorization_code.user_id)
        return None if user is None or user.disabled else user


# Built once: building a statement costs more than running it.
_CLAIM_REFRESH_TOKEN = (
    update(Token)
    .where(
        Token.refresh_token_hash == bindparam("token_hash"),
        Token.rotated_at.is_(None),
        Token.revoked_at.is_(None),
        Token.refresh_expires_at > bindparam("now"),
    )
    .values(rotated_at=bindparam("now"))
    .returning(Token)
)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        session = _session()
        token_hash = digest(refresh_token)
        now = utcnow()
        # Claim the token atomically, in one statement: a second use of a spent token means
        # it leaked.
        claimed: Token | None = session.scalar(
            _CLAIM_REFRESH_TOKEN,
            {"token_hash": token_hash, "now": now},
            execution_options={"synchronize_session": False},
        )
        if claimed is not None:
            return claimed
        row: Token | None = session.scalar(
            select(Token).where(Token.refresh_token_hash == token_hash)
        )
        if row is None or row.revoked_at is not None:
            return None
        if row.refresh_expires_at is None or row.refresh_expires_at <= now:
            return None
        # The token was already exchanged: revoke everything issued from this sign-in.
        session.rollback()
        if revoke_family(session, row.family_id):
            user = session.get(User, row.user_id)
            outbox.record(
                session,
                "token_revoked",
                {
                    "client_id": row.client_id,
                    "user_id": row.user_id,
                    "username": user.username if user else None,
                    "ip": client_ip(),
                    "reason": "refresh token reuse",
                },
            )
        session.commit()
        server_state().outbox.wake()
        return None

    def authenticate_user(self, refresh_token: Token) -> User | None:
        user = _session().get(User, refresh_token.user_id)
        return None if user is None or user.disabled else user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        user = _session().get(User, refresh_token.user_id)
        outbox.record(
            _session(),
            "token_refreshed",
            {
                "client_id": refresh_token.client_id,
                "user_id": refresh_token.user_id,
                "username": user.username if user else None,
                "ip": client_ip(),
            },
        )


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    """Legacy; only for clients registered with ``--allow-password-grant``."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_token_endpoint_client(self) -> Client:
        # Authlib sets request.client only after authenticate_user; sign_in needs it before.
        client: Client = super().authenticate_token_endpoint_client()
        self.request.client = client
        return client

    def authenticate_user(self, username: str, password: str) -> User:
        attempt = Attempt(
            username, password, self.request.client.client_id, client_ip(), "password"
        )
        try:
            return sign_in(server_state(), _session(), attempt)
        except Throttled as exc:
            raise ThrottledError(exc.retry_after) from None
        except CredentialsRejected:
            raise BadCredentialsGrantError() from None


class TokenRef:
    """A token found by its string for revocation or introspection, and which kind it was."""

    def __init__(self, row: Token, kind: str) -> None:
        self.row = row
        self.kind = kind

    def check_client(self, client: Client) -> bool:
        # RFC 7009 §2.1: only the client the token was issued to may revoke it. (Resource
        # servers introspect other clients' tokens through Introspection.check_permission.)
        return self.row.check_client(client)

    def get_scope(self) -> str:
        return self.row.scope

    def is_revoked(self) -> bool:
        if self.kind == "refresh_token":
            return self.row.revoked_at is not None or self.row.rotated_at is not None
        return self.row.revoked_at is not None

    def is_expired(self) -> bool:
        if self.kind == "refresh_token":
            return not self.row.refresh_usable() and self.row.revoked_at is None
        return self.row.is_expired()


def find_token(token_string: str, hint: str | None) -> TokenRef | None:
    session = _session()
    if hint != "access_token":
        row = session.scalar(select(Token).where(Token.refresh_token_hash == digest(token_string)))
        if row is not None:
            return TokenRef(row, "refresh_token")
    claims = TokenIssuer(server_state()).decode_access_token(token_string, check_revoked=None)
    if claims is not None:
        row = session.scalar(select(Token).where(Token.jti == claims["jti"]))
        if row is not None:
            return TokenRef(row, "access_token")
    return None


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRef | None:
        return find_token(token_string, token_type_hint)

    def revoke_token(self, token: TokenRef, req: Any) -> None:
        session = _session()
        if token.kind == "refresh_token":
            count = revoke_family(session, token.row.family_id)
        else:
            count = int(
                getattr(
                    session.execute(
                        update(Token)
                        .where(Token.id == token.row.id, Token.revoked_at.is_(None))
                        .values(revoked_at=utcnow())
                    ),
                    "rowcount",
                    0,
                )
            )
        if count:
            user = session.get(User, token.row.user_id)
            outbox.record(
                session,
                "token_revoked",
                {
                    "client_id": token.row.client_id,
                    "user_id": token.row.user_id,
                    "username": user.username if user else None,
                    "ip": client_ip(),
                    "reason": f"{token.kind} revoked by client",
                },
            )


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRef | None:
        return find_token(token_string, token_type_hint)

    def check_permission(self, token: TokenRef, client: Client, req: Any) -> bool:
        # Resource servers are confidential clients; public apps may not introspect.
        return not client.is_public

    def introspect_token(self, token: TokenRef) -> dict[str, Any]:
        row = token.row
        user = _session().get(User, row.user_id)
        if user is None or user.disabled:
            # RFC 7662 §2.2: an inactive token's answer says nothing more.
            return {"active": False}
        expires = row.access_expires_at if token.kind == "access_token" else row.refresh_expires_at
        return {
            "active": True,
            "token_type": token.kind,
            "client_id": row.client_id,
            "scope": row.scope,
            "sub": str(row.user_id),
            "username": user.username,
            "aud": row.client_id,
            "iss": server_state().config.issuer,
            "iat": int(row.issued_at.timestamp()),
            "exp": int(expires.timestamp()) if expires else None,
            "jti": row.jti,
        }


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return server_state().config.issuer


class AuthorizationServer(FlaskAuthorizationServer):
    def get_authorization_grant(self, request: Any) -> Any:
        try:
            return super().get_authorization_grant(request)
        except ValueError:
            # Authlib quotes an unsupported response_type in its error description and cannot
            # build that error when the value holds characters an error description may not.
            raise UnsupportedResponseTypeError(
                "The response type is not supported by the server."
            ) from None

    def save_token(self, token: dict[str, Any], req: Any) -> None:
        if getattr(req, "authorization_code", None) is not None:
            family = req.authorization_code.family_id
        elif getattr(req, "refresh_token", None) is not None:
            family = req.refresh_token.family_id
        elif getattr(req, "credential", None) is not None:
            family = req.credential.family_id  # a device code (RFC 8628)
        else:
            family = str(uuid.uuid4())
        state = server_state()
        TokenIssuer(state).save(_session(), token, req.client, req.user, family)
        state.metrics.token_issued(req.payload.grant_type)


def query_client(client_id: str) -> Client | None:
    return server_state().clients.get(_session(), client_id)


def create_authorization_server(app: Flask) -> AuthorizationServer:
    # The device flow builds on this module's grants, so it is imported once they exist.
    from desktop_auth.server.device import (
        DeviceAuthorization,
        DeviceCodeGrant,
        IdTokenForDeviceCode,
    )

    server = AuthorizationServer()
    server.init_app(app, query_client=query_client)
    server.register_token_generator("default", TokenIssuer(server_state(app)))
    server.register_grant(
        AuthorizationCodeGrant,
        [S256CodeChallenge(required=True), IdTokenForCode(require_nonce=False)],
    )
    server.register_grant(RefreshTokenGrant, [IdTokenForOtherGrants()])
    server.register_grant(PasswordGrant, [IdTokenForOtherGrants()])
    server.register_grant(DeviceCodeGrant, [IdTokenForDeviceCode()])
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(DeviceAuthorization)
    server.register_extension(Issuer())
    return server
