"""Discovery documents (OpenID Connect and RFC 8414) and the JWKS."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from desktop_auth.server.keys import ALGORITHM, JWKS_MAX_AGE
from desktop_auth.server.models import DEVICE_CODE_GRANT_TYPE
from desktop_auth.server.state import server_state

bp = Blueprint("discovery", __name__)

SCOPES = ["openid", "profile", "email", "roles", "offline_access"]


def metadata() -> dict[str, Any]:
    issuer = server_state().config.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "authorization_challenge_endpoint": f"{issuer}/authorize/challenge",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks.json",
        "revocation_endpoint": f"{issuer}/revoke",
        "introspection_endpoint": f"{issuer}/introspect",
        "device_authorization_endpoint": f"{issuer}/device_authorization",
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "password",
            DEVICE_CODE_GRANT_TYPE,
        ],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [
            "none",
            "client_secret_basic",
            "client_secret_post",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "none",
            "client_secret_basic",
            "client_secret_post",
        ],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "authorization_response_iss_parameter_supported": True,
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "preferred_username",
            "name",
            "email",
            "email_verified",
            "roles",
        ],
        "prompt_values_supported": ["none", "login"],
    }


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> ResponseReturnValue:
    return jsonify(metadata())


@bp.get("/.well-known/oauth-authorization-server")
def oauth_authorization_server() -> ResponseReturnValue:
    return jsonify(metadata())


@bp.get("/jwks.json")
def jwks() -> ResponseReturnValue:
    response = jsonify(server_state().keys.public_jwks())
    # A rotation publishes a new key this long (plus the reload interval) before it signs.
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response
