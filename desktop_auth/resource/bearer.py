"""The bearer token in an ``Authorization`` header (RFC 6750 §2.1), or why there is none."""

from __future__ import annotations

import re

from desktop_auth.resource.errors import InvalidRequest, MissingToken

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Far beyond any real access token; a longer header is not worth parsing.
MAX_TOKEN_LENGTH = 64_000


def bearer_token(authorization: str | None) -> str:
    """The token of ``Authorization: Bearer <token>``.

    MissingToken when there is no header or it uses another scheme (``Basic ...``): RFC 6750
    §3.1 treats an unsupported method as no authentication, answered by a bare challenge.
    InvalidRequest (400) for ``Bearer`` with no token, with more than one (also two
    Authorization headers a server joined with a comma), or with characters a token cannot
    hold. The token never appears in either error.
    """
    if authorization is None or not authorization.strip():
        raise MissingToken()
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        if scheme.lower().startswith("bearer"):  # "Bearer,..." or "Bearer\t..."
            raise InvalidRequest("The Authorization header is malformed.")
        raise MissingToken("This API needs a bearer token, not another kind of credentials.")
    parts = rest.split()
    if not parts:
        raise InvalidRequest("The Authorization header names the Bearer scheme but no token.")
    if len(parts) > 1 or "," in rest:
        raise InvalidRequest("The Authorization header holds more than one token.")
    token = parts[0]
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidRequest("The bearer token is implausibly long.")
    if not _B64TOKEN.fullmatch(token):
        raise InvalidRequest("The bearer token holds characters a token cannot have.")
    return token


__all__ = ["MAX_TOKEN_LENGTH", "bearer_token"]
