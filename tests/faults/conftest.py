"""Servers that misbehave on purpose, for the fault matrix: silent, dripping, refusing;
certificates that are self-signed, expired or for another host; an HTTP CONNECT proxy."""

from __future__ import annotations

import base64
import contextlib
import datetime
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from desktop_auth.oidc import ClientConfig, OIDCClient
from desktop_auth.permissions import PermissionPolicy

# The protocol client's fixtures (canned JSON servers, the token forge), not copies.
from tests.client.conftest import (  # noqa: F401
    DISCOVERY,
    JsonServer,
    TLSFiles,
    discovery_document,
    forge,
    json_server,
    tls_files,
)
from tests.server.conftest import free_port

# Short, so that a test waiting for a timeout stays fast; long enough for a loaded machine
# to answer a request that should succeed.
SHORT_TIMEOUT = 1.5


@pytest.fixture
def make_client() -> Iterator[Callable[..., OIDCClient]]:
    """``make_client(issuer, **ClientConfig fields)``; ``timeout`` defaults to SHORT_TIMEOUT."""
    made: list[OIDCClient] = []

    def make(issuer: str, **config: Any) -> OIDCClient:
        config.setdefault("timeout", SHORT_TIMEOUT)
        client = OIDCClient(ClientConfig(issuer, **config), PermissionPolicy.default())
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# --- servers that do not answer, or answer badly ----------------------------------------------


@pytest.fixture
def refused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def _stop_listening(listener: socket.socket) -> None:
    """Close ``listener``, waking the thread blocked in its accept() (close alone does not)."""
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


class DripServer:
    """Answers every request with 200 and a JSON body announced in full but sent one byte
    every ``interval`` seconds, so no single read ever waits long."""

    def __init__(self, interval: float = 0.1, size: int = 10_000) -> None:
        self.interval = interval
        self.size = size
        self.stopped = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        body = b'{"padding": "' + b"x" * (self.size - 15) + b'"}'
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(head)
                for byte in body:
                    if self.stopped.wait(self.interval):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up, as it should

    def close(self) -> None:
        self.stopped.set()
        _stop_listening(self.listener)
        self.thread.join(timeout=5)


@pytest.fixture
def make_drip_server() -> Iterator[Callable[..., DripServer]]:
    """``make_drip_server(interval=..., size=...)``: a running DripServer."""
    running: list[DripServer] = []

    def make(**options: Any) -> DripServer:
        server = DripServer(**options)
        running.append(server)
        return server

    yield make
    for server in running:
        server.close()


# --- certificates -----------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_files(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


@dataclass
class TestCA:
    """A private CA made at test time; ``issue`` makes server certificates it signs."""

    directory: Path
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __post_init__(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        self.name = _name("desktop-auth faults CA")
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
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
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), False)
            .sign(self.key, hashes.SHA256())
        )
        self.bundle = self.directory / "ca.pem"
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        host: str,
        *,
        valid_from: datetime.timedelta = datetime.timedelta(days=-1),
        valid_until: datetime.timedelta = datetime.timedelta(days=1),
        self_signed: bool = False,
    ) -> TLSFiles:
        """A server certificate for ``host``, valid between now + the two offsets; signed by
        itself instead of this CA when ``self_signed``."""
        now = datetime.datetime.now(datetime.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        signer, issuer = (key, _name(host)) if self_signed else (self.key, self.name)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + valid_from)
            .not_valid_after(now + valid_until)
            .add_extension(x509.SubjectAlternativeName([_san(host)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        )
        if not self_signed:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
        cert = builder.sign(signer, hashes.SHA256())
        stem = f"{host}-{x509.random_serial_number() % 10**9}"
        cert_path, key_path = _pem_files(self.directory, stem, cert, key)
        ca_path = cert_path if self_signed else self.bundle
        return TLSFiles(ca_path, cert_path, key_path)


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("faults-ca"))


@pytest.fixture
def serve_tls() -> Iterator[Callable[[TLSFiles], JsonServer]]:
    """``serve_tls(files)``: a running JsonServer over HTTPS with that certificate."""
    running: list[JsonServer] = []

    def serve(files: TLSFiles) -> JsonServer:
        server = JsonServer(files.server_context()).__enter__()
        running.append(server)
        return server

    yield serve
    for server in running:
        server.__exit__(None, None, None)


# --- an HTTP proxy ----------------------------------------------------------------------------

# An RFC 2606 name this computer cannot resolve: a client that reaches it went through the
# proxy, which resolves it to 127.0.0.1.
PROXIED_HOST = "idp.test"


class ConnectProxy:
    """An HTTP proxy on 127.0.0.1 that tunnels CONNECT requests (what clients send for
    https:// URLs), resolving PROXIED_HOST to 127.0.0.1.

    ``credentials`` (user, password): CONNECT without them in Proxy-Authorization gets 407.
    ``refuse_status``: every CONNECT gets that status (403: the proxy's policy says no).
    ``seen`` lists the CONNECT targets; ``auth_headers`` what came in Proxy-Authorization.
    """

    def __init__(
        self, credentials: tuple[str, str] | None = None, refuse_status: int | None = None
    ) -> None:
        self.credentials = credentials
        self.refuse_status = refuse_status
        self.seen: list[str] = []
        self.auth_headers: list[str | None] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    conn.close()
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {
                name.strip().lower(): value.strip()
                for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            self.seen.append(f"{method} {target}")
            self.auth_headers.append(headers.get("proxy-authorization"))
            status = self._status(method, headers)
            if status != 200:
                reasons = {403: "Forbidden", 405: "Method Not Allowed"}
                reason = reasons.get(status, "Proxy Authentication Required")
                extra = 'Proxy-Authenticate: Basic realm="faults"\r\n' if status == 407 else ""
                conn.sendall(
                    f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: 0\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
                conn.close()
                return
            host, port = target.rsplit(":", 1)
            address = "127.0.0.1" if host == PROXIED_HOST else host
            upstream = socket.create_connection((address, int(port)), timeout=10)
        except OSError:
            conn.close()
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True).start()
        self._pipe(conn, upstream)

    def _status(self, method: str, headers: dict[str, str]) -> int:
        if method != "CONNECT":
            return 405
        if self.refuse_status is not None:
            return self.refuse_status
        if self.credentials is not None:
            expected = base64.b64encode(":".join(self.credentials).encode()).decode()
            if headers.get("proxy-authorization") != f"Basic {expected}":
                return 407
        return 200

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self.stopped.set()
        _stop_listening(self.listener)
        self.thread.join(timeout=5)


@pytest.fixture
def make_proxy() -> Iterator[Callable[..., ConnectProxy]]:
    """``make_proxy(credentials=..., refuse_status=...)``: a running ConnectProxy."""
    running: list[ConnectProxy] = []

    def make(**options: Any) -> ConnectProxy:
        proxy = ConnectProxy(**options)
        running.append(proxy)
        return proxy

    yield make
    for proxy in running:
        proxy.close()


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``proxy_env(HTTPS_PROXY=..., NO_PROXY=...)``: exactly these proxy variables set (in
    both cases, as users write them), every other proxy variable removed."""
    names = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")

    def set_env(**values: str) -> None:
        for name in names:
            for spelled in (name, name.lower()):
                monkeypatch.delenv(spelled, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
            monkeypatch.setenv(name.lower(), value)

    set_env()
    return set_env
