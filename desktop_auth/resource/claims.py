"""The checks a token's claims must pass, whether read from a JWT or an introspection answer."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from desktop_auth.resource.errors import TokenRejected
from desktop_auth.resource.issuer import Issuer

EXPIRED = "The token has expired."
WRONG_AUDIENCE = "The token's audience is not this API."
UNTRUSTED_ISSUER = "The token was not issued by a trusted issuer."
ALGORITHM_NOT_ALLOWED = "The token's signing algorithm is not allowed."
NOT_ACTIVE = "The token has been revoked or is not active."


def _b64_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The unverified header and payload of a compact JWS; None for a token that is not one
    (an opaque token). TokenRejected for an encrypted (JWE) or garbled JWT."""
    parts = token.split(".")
    if len(parts) == 5:
        raise TokenRejected("Encrypted (JWE) tokens are not supported.")
    if len(parts) != 3:
        return None
    try:
        header = _b64_json(parts[0])
    except (ValueError, binascii.Error):
        return None  # dots in an opaque token
    if not isinstance(header, dict) or "alg" not in header:
        return None
    try:
        payload = _b64_json(parts[1])
    except (ValueError, binascii.Error):
        payload = None
    if not isinstance(payload, dict):
        raise TokenRejected("The token is malformed: its payload is not a JSON object.")
    return header, payload


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"The token's {name} claim is not a number.")
    return float(value)


def check_claims(
    claims: Mapping[str, Any], issuer: Issuer, leeway: float, now: float, *, strict: bool
) -> None:
    """TokenRejected unless ``claims`` are from ``issuer``, for its audience, and valid at
    ``now`` (seconds since the epoch, with ``leeway``).

    ``strict`` (a JWT): ``iss``, ``aud`` and ``exp`` are required. Otherwise (an introspection
    answer, RFC 7662 §2.2 makes every field optional) each is checked when present.
    """
    iss = claims.get("iss")
    if (strict or iss is not None) and iss != issuer.url:
        raise TokenRejected(UNTRUSTED_ISSUER)
    audience = claims.get("aud")
    if strict or audience is not None:
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or issuer.audience not in audiences:
            raise TokenRejected(WRONG_AUDIENCE)
    exp = _number(claims, "exp")
    if exp is None and strict:
        raise TokenRejected("The token has no expiry time (exp).")
    if exp is not None and now > exp + leeway:
        raise TokenRejected(EXPIRED)
    nbf = _number(claims, "nbf")
    if nbf is not None and nbf > now + leeway:
        raise TokenRejected("The token is not valid yet (nbf).")
    iat = _number(claims, "iat")
    if iat is not None and iat > now + leeway:
        raise TokenRejected("The token is dated in the future (iat).")


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """The OAuth scopes in ``scope`` (space-separated, RFC 9068) or ``scp`` (a list)."""
    names: set[str] = set()
    scope = claims.get("scope")
    if isinstance(scope, str):
        names.update(scope.split())
    scp = claims.get("scp")
    if isinstance(scp, str):
        names.update(scp.split())
    elif isinstance(scp, list):
        names.update(item for item in scp if isinstance(item, str) and item)
    return frozenset(names)


__all__ = [
    "ALGORITHM_NOT_ALLOWED",
    "EXPIRED",
    "NOT_ACTIVE",
    "UNTRUSTED_ISSUER",
    "WRONG_AUDIENCE",
    "check_claims",
    "jwt_parts",
    "scopes_of",
]
