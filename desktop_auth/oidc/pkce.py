"""Proof Key for Code Exchange (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

METHOD = "S256"


def s256(verifier: str) -> str:
    """The S256 code challenge of ``verifier``: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PKCEPair:
    """A code verifier (kept out of ``repr``) and its challenge."""

    verifier: str = field(repr=False)
    challenge: str
    method: str = METHOD

    @classmethod
    def generate(cls) -> PKCEPair:
        # 64 random bytes -> 86 characters, within RFC 7636's 43..128 and its alphabet.
        verifier = secrets.token_urlsafe(64)
        return cls(verifier, s256(verifier))


def new_nonce() -> str:
    """A fresh OpenID Connect nonce that binds an ID token to this sign-in."""
    return secrets.token_urlsafe(32)
