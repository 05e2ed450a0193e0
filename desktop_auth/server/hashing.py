"""Digests of high-entropy secrets (codes, refresh tokens, client secrets) for storage."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def digest(value: str) -> str:
    """SHA-256 hex digest: enough for values with 256 bits of entropy, unlike passwords."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def verify_client_secret(candidate: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(candidate), stored_digest)


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
