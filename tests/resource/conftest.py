"""Fixtures for the resource-server tests: the bundled identity server, an issuer whose keys
the test holds (with an introspection endpoint for opaque tokens), and verifiers of both.

The framework integrations' tests (Flask, FastAPI, Django) import what they need from here.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from desktop_auth.resource import Issuer, TokenVerifier, wait_for_dispatch
from tests.client.conftest import (  # noqa: F401
    CLIENT_ID,
    Answer,
    JsonServer,
    TokenForge,
    hs256_with_public_key,
    json_server,
    tls_files,
    tls_server,
    unsigned_token,
)
from tests.server.conftest import (  # noqa: F401
    ALICE,
    BOB,
    LiveServer,
    server,
    start_server,
)

INTROSPECTION_CLIENT = ("api", "api-secret")
# The realm the framework tests' APIs announce in WWW-Authenticate.
REALM = "documents"
# (kind, description) of the tokens every framework's API must refuse with 401 invalid_token.
BAD_TOKENS = [
    ("expired", "The token has expired."),
    ("wrong-audience", "The token's audience is not this API."),
    ("wrong-issuer", "The token was not issued by a trusted issuer."),
    ("alg-none", "The token's signing algorithm is not allowed."),
]


class OpaqueIssuer(TokenForge):
    """A ``TokenForge`` (discovery and a JWKS on a real HTTP server on 127.0.0.1) that also
    issues opaque access tokens and answers RFC 7662 introspection about them, and revokes
    them on request."""

    def __init__(self, json_server: JsonServer) -> None:  # noqa: F811
        self.introspection_path = "/idp/introspect"
        super().__init__(
            json_server, introspection_endpoint=json_server.base + self.introspection_path
        )
        self._opaque: dict[str, dict[str, object]] = {}
        self._lock = threading.Lock()
        json_server.answers[("POST", self.introspection_path)] = self._introspect

    def opaque(self, **overrides: object) -> str:
        """A new opaque access token for ``claims(**overrides)``."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._opaque[token] = self.claims(**overrides)
        return token

    def revoke(self, token: str) -> None:
        with self._lock:
            del self._opaque[token]

    @property
    def introspections(self) -> int:
        return self.server.hits[("POST", self.introspection_path)]

    def _introspect(self, body: bytes) -> Answer:
        token = parse_qs(body.decode()).get("token", [""])[0]
        with self._lock:
            claims = self._opaque.get(token)
        answer = {"active": False} if claims is None else {"active": True, **claims}
        return Answer(200, json.dumps(answer).encode(), {})


@pytest.fixture
def issuer(json_server: JsonServer) -> OpaqueIssuer:  # noqa: F811
    """An issuer on 127.0.0.1 whose signing key the test holds; opaque tokens too."""
    return OpaqueIssuer(json_server)


@pytest.fixture
def make_verifier() -> Iterator[Callable[..., TokenVerifier]]:
    """``make_verifier(*issuers, **options)``; every verifier is closed after the test."""
    made: list[TokenVerifier] = []

    def make(*issuers: Issuer, **options: Any) -> TokenVerifier:
        verifier = TokenVerifier(issuers, **options)
        made.append(verifier)
        return verifier

    yield make
    for verifier in made:
        verifier.close()


def issuer_config(issuer: OpaqueIssuer, **options: Any) -> Issuer:
    """The ``Issuer`` settings of the test issuer, introspection included."""
    client_id, secret = INTROSPECTION_CLIENT
    return Issuer(issuer.issuer, CLIENT_ID, client_id=client_id, client_secret=secret, **options)


@pytest.fixture
def verifier(issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]) -> TokenVerifier:
    """A verifier trusting the test issuer, asking it about every opaque token (no cache)."""
    return make_verifier(issuer_config(issuer), introspection_cache_seconds=0)


@pytest.fixture
def bundled_verifier(
    server: LiveServer,  # noqa: F811
    make_verifier: Callable[..., TokenVerifier],
) -> TokenVerifier:
    """A verifier trusting the bundled server (alice: admin, editor; bob: viewer), with an
    introspection client registered there."""
    client_id, secret = server.add_confidential_client()
    return make_verifier(
        Issuer(server.url, CLIENT_ID, client_id=client_id, client_secret=secret),
        introspection_cache_seconds=0,
    )


@pytest.fixture
def settled_signals() -> Iterator[None]:
    """Signals sent by a test have reached their receivers before the next test starts."""
    yield
    assert wait_for_dispatch(10), "signal receivers still running 10 s after the test"


def expired_claims(issuer: TokenForge) -> dict[str, object]:
    now = int(time.time())
    return issuer.claims(iat=now - 900, exp=now - 300)


def bad_token(issuer: TokenForge, kind: str) -> str:
    """A token of one of the ``BAD_TOKENS`` kinds, from ``issuer``'s key where it is signed."""
    if kind == "expired":
        return issuer.sign(expired_claims(issuer))
    if kind == "wrong-audience":
        return issuer.sign(issuer.claims(aud="reports-api"))
    if kind == "wrong-issuer":
        return issuer.sign(issuer.claims(iss="https://impostor.example"))
    if kind == "alg-none":
        return unsigned_token(issuer.claims(roles=["admin"]))
    raise AssertionError(kind)


def assert_refused(response: requests.Response, status: int, error: str, description: str) -> None:
    """An RFC 6750 refusal from an API whose realm is ``REALM``: status, JSON body, headers."""
    assert response.status_code == status, response.text
    assert response.json() == {"error": error, "error_description": description}
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer realm="{REALM}", error="{error}", error_description="{description}"'
    )
    assert response.headers["Cache-Control"] == "no-store"


def assert_forbidden(response: requests.Response, permission: str) -> None:
    """A 403 ``insufficient_scope`` naming ``permission``."""
    description = f"The token does not grant the permission {permission!r}."
    assert_refused(response, 403, "insufficient_scope", description)


class Recorder:
    """A signal receiver that records its calls, after sleeping ``delay`` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        self.threads: list[str] = []
        self.delay = delay
        self.finished_at: float | None = None

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        time.sleep(self.delay)
        self.threads.append(threading.current_thread().name)
        self.calls.append((sender, kwargs))
        self.finished_at = time.monotonic()


def assert_never_shows(token: str, caplog: pytest.LogCaptureFixture, *values: object) -> None:
    """Neither the log records (the bundled server's among them) nor any of ``values`` (repr
    and str) hold ``token``."""
    for record in caplog.records:
        assert token not in record.getMessage(), record.name
        assert token not in repr(record.args), record.name
    for value in values:
        assert token not in repr(value)
        assert token not in str(value)


__all__ = [
    "ALICE",
    "BAD_TOKENS",
    "BOB",
    "CLIENT_ID",
    "INTROSPECTION_CLIENT",
    "REALM",
    "LiveServer",
    "OpaqueIssuer",
    "Recorder",
    "assert_forbidden",
    "assert_never_shows",
    "assert_refused",
    "bad_token",
    "expired_claims",
    "hs256_with_public_key",
    "issuer_config",
    "unsigned_token",
]
