"""Fixtures for the protocol client: the bundled server, small JSON/JWKS servers, a test CA."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from joserfc import jwt
from joserfc.jwk import Key, KeySet, RSAKey

from desktop_auth.oidc import ClientConfig, OIDCClient
from desktop_auth.permissions import PermissionPolicy
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.serve import ServedApp

# Live servers come from the server tests' fixtures (tests/server/conftest.py), not copies.
from tests.server.conftest import (  # noqa: F401
    ALICE,
    BOB,
    LiveServer,
    server,
    start_server,
)

DISCOVERY = "/.well-known/openid-configuration"
CLIENT_ID = "desktop-auth"
LEGACY_CLIENT = "legacy"


def console_script(name: str = "desktop-auth-cli") -> Path:
    """A console script installed beside this Python, as a user runs it."""
    script = Path(sys.executable).with_name(name)
    if not script.exists():
        pytest.fail(f"{script} is missing: install the project with `make venv`")
    return script


# --- the bundled server -----------------------------------------------------------------------


@pytest.fixture
def make_client() -> Iterator[Callable[..., OIDCClient]]:
    """``make_client(issuer, **ClientConfig fields)`` with the default permissions policy."""
    made: list[OIDCClient] = []

    def make(issuer: str, **config: Any) -> OIDCClient:
        client = OIDCClient(ClientConfig(issuer, **config), PermissionPolicy.default())
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(server: LiveServer, make_client: Callable[..., OIDCClient]) -> OIDCClient:  # noqa: F811
    """A client of the bundled server (alice: admin, editor; bob: viewer) as ``desktop-auth``."""
    return make_client(server.url)


class StoppableServer(LiveServer):
    """A bundled server that a test may stop (waitress cannot be stopped twice)."""

    stopped = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.served.stop()
            self.http.close()


@pytest.fixture
def stoppable_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoppableServer]:
    """The bundled server with alice and bob, for tests that stop it with ``.stop()``."""
    directory = tmp_path_factory.mktemp("server")
    assert server_cli(["--data-dir", str(directory), "init"]) == 0
    live = StoppableServer(ServedApp(load_config(directory)).start(), directory)
    live.add_user(*ALICE, roles=("admin", "editor"))
    live.add_user(*BOB, roles=("viewer",))
    try:
        yield live
    finally:
        live.stop()


class RewritingProxy:
    """Forwards every request to ``target`` (set once the server runs) and hands each answer
    to ``rewrite``, whose bytes the client gets: a real server seen slightly otherwise."""

    def __init__(self) -> None:
        self.target = ""
        proxy = self
        forward = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                sent = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() in ("authorization", "content-type", "accept")
                }
                response = forward.request(
                    method,
                    proxy.target + self.path,
                    data=body,
                    headers=sent,
                    timeout=30,
                    allow_redirects=False,
                )
                content = proxy.rewrite(self.path, response)
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._forward_session = forward
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def rewrite(self, path: str, response: requests.Response) -> bytes:
        """The answer's body as the client gets it (unchanged here)."""
        return response.content

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
        self._forward_session.close()


class DiscoveryRewritingProxy(RewritingProxy):
    """The discovery document loses ``drop``'s fields: the bundled server seen as an identity
    server without them."""

    def __init__(self, drop: tuple[str, ...]) -> None:
        self.drop = drop
        super().__init__()

    def rewrite(self, path: str, response: requests.Response) -> bytes:
        if path != DISCOVERY:
            return response.content
        document = response.json()
        for name in self.drop:
            document.pop(name, None)
        return json.dumps(document).encode()


@pytest.fixture
def password_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled server behind a proxy whose discovery lists no first-party endpoint (as
    most identity servers), with alice, bob and a client ``legacy`` allowed the password
    grant. Its issuer, and so the URL to use, is ``password_server.issuer``."""
    proxy = DiscoveryRewritingProxy(drop=("authorization_challenge_endpoint",))
    directory = tmp_path_factory.mktemp("server")
    assert server_cli(["--data-dir", str(directory), "init", "--issuer", proxy.url]) == 0
    served = ServedApp(load_config(directory), fixed_issuer=True).start()
    proxy.target = served.url
    live = LiveServer(served, directory)
    live.add_user(*ALICE, roles=("admin", "editor"), email="alice@example.org")
    live.add_user(*BOB, roles=("viewer",))
    assert live.cli("client", "add", LEGACY_CLIENT, "--allow-password-grant") == 0
    try:
        yield live
    finally:
        proxy.close()
        served.stop()
        live.http.close()


# --- canned JSON over HTTP(S) -----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


class JsonServer:
    """Answers requests on 127.0.0.1 (over TLS with ``context``) with what a test set, and
    counts them by (method, path). Unknown paths get 404. An answer's headers replace the
    defaults (Server, Date, Content-Type); one set to "" is not sent."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.answers: dict[tuple[str, str], Answer | Callable[[bytes], Answer]] = {}
        self.hits: Counter[tuple[str, str]] = Counter()
        self.bodies: list[tuple[str, str, bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                owner.hits[(method, path)] += 1
                owner.bodies.append((method, path, body))
                answer = owner.answers.get((method, path))
                if callable(answer):
                    answer = answer(body)
                if answer is None:
                    answer = Answer(404, b"not found", {"Content-Type": "text/plain"})
                self.send_response_only(answer.status)
                headers = {
                    "Server": self.version_string(),
                    "Date": self.date_time_string(),
                    "Content-Type": "application/json",
                    **answer.headers,
                }
                for name, value in headers.items():
                    if value:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.base = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(
        self,
        method: str,
        path: str,
        status: int = 200,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``method path`` with ``body`` (JSON-encoded unless bytes) from now on."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[(method, path)] = Answer(status, raw, headers or {})

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def discovery_document(issuer: str, /, **fields: object) -> dict[str, object]:
    """A discovery document for a server with native sign-in; fields override or remove."""
    document: dict[str, object] = {
        "issuer": issuer,
        "authorization_challenge_endpoint": f"{issuer}/oauth/authorize-challenge",
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
    }
    document.update(fields)
    return {name: value for name, value in document.items() if value is not None}


@pytest.fixture
def json_server() -> Iterator[JsonServer]:
    with JsonServer() as running:
        yield running


# --- an identity server whose keys the test holds ---------------------------------------------


class TokenForge:
    """A fake issuer on a JsonServer: discovery, a JWKS the test controls, tokens it signs.

    The token endpoint answers the password grant with whatever ``issue`` set, so the client's
    checks can be tried against tokens the bundled server would never produce.
    """

    def __init__(self, json_server: JsonServer, name: str = "idp", **discovery: object) -> None:
        self.server = json_server
        self.issuer = f"{json_server.base}/{name}"
        self.jwks_path = f"/{name}/jwks"
        self.token_path = f"/{name}/token"
        self.userinfo_path = f"/{name}/userinfo"
        self.key: Key = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
        self.publish_keys(self.key)
        json_server.answer(
            "GET",
            f"/{name}{DISCOVERY}",
            body=discovery_document(
                self.issuer,
                authorization_challenge_endpoint=None,
                grant_types_supported=["password", "refresh_token"],
                token_endpoint=self.issuer + "/token",
                jwks_uri=self.issuer + "/jwks",
                userinfo_endpoint=self.issuer + "/userinfo",
                **discovery,
            ),
        )

    def publish_keys(self, *keys: Key) -> None:
        key_set = KeySet(list(keys))
        self.server.answer("GET", self.jwks_path, body=key_set.as_dict(private=False))

    @property
    def jwks_fetches(self) -> int:
        return self.server.hits[("GET", self.jwks_path)]

    def claims(self, **overrides: object) -> dict[str, object]:
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "sub": "42",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "preferred_username": "carol",
            "name": "Carol",
            "roles": ["viewer"],
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(
        self,
        claims: dict[str, object],
        key: Key | None = None,
        alg: str = "RS256",
        header: dict[str, object] | None = None,
    ) -> str:
        key = key or self.key
        full_header: dict[str, object] = {"alg": alg}
        if key.kid is not None:
            full_header["kid"] = key.kid
        full_header.update(header or {})
        return jwt.encode(full_header, claims, key, algorithms=[alg])

    def issue(
        self,
        id_token: str | None,
        access_token: str = "opaque-access",  # noqa: S107
        headers: dict[str, str] | None = None,
    ) -> None:
        """What the token endpoint answers to the next password grants (with ``headers``)."""
        body: dict[str, object] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "refresh_token": "opaque-refresh-token",
        }
        if id_token is not None:
            body["id_token"] = id_token
        self.server.answer("POST", self.token_path, body=body, headers=headers)

    def userinfo(self, **claims: object) -> None:
        self.server.answer("GET", self.userinfo_path, body=claims)


@pytest.fixture
def forge(json_server: JsonServer) -> TokenForge:
    return TokenForge(json_server)


def unsigned_token(claims: dict[str, object]) -> str:
    """A JWT with ``alg: none`` and no signature, built by hand (no library makes these)."""
    import base64

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def hs256_with_public_key(forge: TokenForge, claims: dict[str, object] | None = None) -> str:
    """The key-confusion attack: HMAC-SHA256 keyed with the issuer's public key (PEM)."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        b64(json.dumps({"alg": "HS256", "kid": "key-1"}).encode())
        + "."
        + b64(json.dumps(forge.claims() if claims is None else claims).encode())
    )
    key = forge.key.as_pem(private=False)
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


# --- TLS --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TLSFiles:
    """A private CA and a server certificate for 127.0.0.1 that it signed (PEM files)."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_tls_files(directory: Path) -> TLSFiles:
    """Generate a CA and a certificate for 127.0.0.1 signed by it, valid for a day."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "desktop-auth test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TLSFiles(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(tls_files: TLSFiles) -> Iterator[JsonServer]:
    """A JsonServer over HTTPS with a certificate from the private test CA."""
    with JsonServer(tls_files.server_context()) as running:
        yield running
