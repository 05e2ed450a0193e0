"""Opaque tokens asked about at the issuer (RFC 7662), with a short cache keyed by a digest."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from desktop_auth.errors import DesktopAuthError
from desktop_auth.oidc.http import HttpClient
from desktop_auth.resource.errors import VerifierUnavailable

log = logging.getLogger(__name__)

# Enough for every token of a busy API in the cache time; beyond it the oldest answers go,
# so a flood of made-up tokens costs memory no further.
MAX_CACHED = 10_000


def token_digest(token: str) -> str:
    """What the cache and the logs know a token by: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class IntrospectionCache:
    """Introspection answers by (issuer, token digest) for ``ttl`` seconds at most, and never
    beyond the token's ``exp``; ``ttl`` 0 caches nothing (every request asks the issuer, so a
    revocation counts at once)."""

    def __init__(self, ttl: float, max_entries: int = MAX_CACHED) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, issuer: str, digest: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._answers.get((issuer, digest))
            if found is None:
                return None
            if time.monotonic() >= found[0]:
                del self._answers[(issuer, digest)]
                return None
            return found[1]

    def put(self, issuer: str, digest: str, answer: dict[str, Any]) -> None:
        lifetime = self._ttl
        exp = answer.get("exp")
        if answer.get("active") is True and isinstance(exp, int | float):
            lifetime = min(lifetime, exp - time.time())
        if lifetime <= 0:
            return
        with self._lock:
            self._answers[(issuer, digest)] = (time.monotonic() + lifetime, answer)
            self._answers.move_to_end((issuer, digest))
            while len(self._answers) > self._max:
                self._answers.popitem(last=False)


def introspect(
    http: HttpClient, endpoint: str, credentials: tuple[str, str], token: str
) -> dict[str, Any]:
    """The issuer's RFC 7662 answer about ``token``, asked as the API's confidential client
    (``client_secret_basic``); VerifierUnavailable when there is no usable answer."""
    try:
        response = http.post_form(endpoint, {"token": token}, basic_auth=credentials)
    except DesktopAuthError as exc:
        raise VerifierUnavailable(f"Cannot introspect the token: {exc.message}") from exc
    if response.status in (400, 401, 403):
        error = response.body.get("error")
        shown = f" ({error})" if isinstance(error, str) else ""
        raise VerifierUnavailable(
            f"{endpoint} refused this API's introspection request{shown}: check the "
            "issuer's client_id and client_secret."
        )
    if not response.ok:
        raise VerifierUnavailable(
            f"{endpoint} answered HTTP {response.status} {response.reason} to introspection."
        )
    if not isinstance(response.body.get("active"), bool):
        raise VerifierUnavailable(f"{endpoint} sent an introspection answer without 'active'.")
    return response.body


__all__ = ["MAX_CACHED", "IntrospectionCache", "introspect", "token_digest"]
