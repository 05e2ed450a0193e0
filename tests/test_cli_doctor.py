"""`desktop-auth-cli doctor` against small discovery servers on 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop_auth import cli

DISCOVERY = "/.well-known/openid-configuration"


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


class DiscoveryServer:
    """Serves discovery documents (or raw bodies) at <base>/<name>/.well-known/..."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.bodies: dict[str, tuple[int, bytes]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = server.bodies.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.base = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def issuer(self, name: str, /, **fields: object) -> str:
        """Publish a discovery document for issuer <base>/<name> and return that issuer."""
        issuer = f"{self.base}/{name}"
        self.publish(name, 200, json.dumps(discovery_document(issuer, **fields)).encode())
        return issuer

    def publish(self, name: str, status: int, body: bytes) -> str:
        self.bodies[f"/{name}{DISCOVERY}"] = (status, body)
        return f"{self.base}/{name}"

    def __enter__(self) -> DiscoveryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[DiscoveryServer]:
    with DiscoveryServer() as server:
        yield server


def doctor(*args: str) -> tuple[int, str, str]:
    """Run the doctor in-process: (exit code, stdout, stderr)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["doctor", *args])
    return code, out.getvalue(), err.getvalue()


def console_script() -> Path:
    script = Path(sys.executable).with_name("desktop-auth-cli")
    if not script.exists():
        pytest.fail(f"{script} is missing: install the project with `make venv`")
    return script


# --- the console script, as a user runs it ---------------------------------------------------


@pytest.mark.slow
def test_doctor_reports_native_sign_in_for_a_server_with_a_challenge_endpoint(server):
    issuer = server.issuer("native")

    result = subprocess.run(
        [console_script(), "doctor", "--issuer", issuer],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Sign-in       native: " in result.stdout
    assert "authorization_challenge_endpoint" in result.stdout
    assert f"{issuer}/oauth/authorize-challenge" in result.stdout
    assert "PKCE methods  S256" in result.stdout
    assert result.stderr == ""


@pytest.mark.slow
def test_doctor_refuses_plain_http_to_a_remote_host_without_connecting():
    result = subprocess.run(
        [console_script(), "doctor", "--issuer", "http://example.com"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode in (2, 3)
    assert "http://" in result.stderr
    assert "https://" in result.stderr
    assert result.stdout == ""


# --- which sign-in is chosen ------------------------------------------------------------------


def test_password_grant_is_chosen_only_when_allowed_and_advertised(server):
    issuer = server.issuer(
        "password",
        authorization_challenge_endpoint=None,
        grant_types_supported=["authorization_code", "refresh_token", "password"],
    )

    code, out, _ = doctor("--issuer", issuer, "--allow-password-grant")
    assert code == 0
    assert "Sign-in       password: " in out

    code, out, _ = doctor("--issuer", issuer)
    assert code == 0
    assert "Sign-in       browser: " in out
    assert "used only with --allow-password-grant" in out


def test_password_grant_is_tried_when_allowed_and_grant_types_are_not_listed(server):
    issuer = server.issuer(
        "unlisted", authorization_challenge_endpoint=None, grant_types_supported=None
    )

    code, out, _ = doctor("--issuer", issuer, "--allow-password-grant")

    assert code == 0
    assert "Sign-in       password: " in out
    assert "Grant types   not listed" in out


def test_native_sign_in_wins_over_an_allowed_password_grant(server):
    issuer = server.issuer(
        "both", grant_types_supported=["authorization_code", "refresh_token", "password"]
    )

    code, out, _ = doctor("--issuer", issuer, "--allow-password-grant")

    assert code == 0
    assert "Sign-in       native: " in out


def test_browser_is_used_when_the_server_has_no_native_or_allowed_password_sign_in(server):
    issuer = server.issuer(
        "browser",
        authorization_challenge_endpoint=None,
        device_authorization_endpoint="https://id.example.com/device",
    )

    code, out, _ = doctor("--issuer", issuer, "--allow-password-grant")

    assert code == 0
    assert "Sign-in       browser: " in out
    assert "another device" in out
    assert "authorization_challenge_endpoint  -  (not advertised)" in out


# --- problems in the document -----------------------------------------------------------------


def test_an_issuer_that_names_itself_differently_is_a_problem(server):
    issuer = server.issuer("mismatch", issuer="https://elsewhere.example.com")

    code, out, _ = doctor("--issuer", issuer)

    assert code == 3
    assert "Problems" in out
    assert "--issuer https://elsewhere.example.com" in out


def test_a_missing_token_endpoint_is_a_problem(server):
    issuer = server.issuer("no-token", token_endpoint=None)

    code, out, _ = doctor("--issuer", issuer)

    assert code == 3
    assert "no token_endpoint" in out


def test_plain_http_endpoints_on_remote_hosts_are_a_problem(server):
    issuer = server.issuer("http-endpoint", token_endpoint="http://id.example.com/token")

    code, out, _ = doctor("--issuer", issuer)

    assert code == 3
    assert "token_endpoint 'http://id.example.com/token' is not an https:// URL" in out


def test_pkce_without_s256_is_a_problem(server):
    issuer = server.issuer("plain-pkce", code_challenge_methods_supported=["plain"])

    code, out, _ = doctor("--issuer", issuer)

    assert code == 3
    assert "S256" in out


def test_trailing_slash_on_the_issuer_is_tolerated(server):
    issuer = server.issuer("slash")

    code, out, _ = doctor("--issuer", issuer + "/")

    assert code == 0, out


# --- failures fetching the document -----------------------------------------------------------


def test_a_missing_discovery_document_names_the_http_status(server):
    code, out, err = doctor("--issuer", f"{server.base}/nothing-here")

    assert code == 3
    assert "HTTP 404" in err
    assert out == ""


def test_a_document_that_is_not_json_is_reported(server):
    issuer = server.publish("html", 200, b"<html>login</html>")

    code, _, err = doctor("--issuer", issuer)

    assert code == 3
    assert "did not return JSON" in err


def test_json_that_is_not_an_object_is_reported(server):
    issuer = server.publish("list", 200, b"[]")

    code, _, err = doctor("--issuer", issuer)

    assert code == 3
    assert "not an object" in err


def test_a_server_that_is_not_running_is_a_network_error():
    with DiscoveryServer() as stopped:
        issuer = stopped.base
    # The port was free a moment ago and nothing listens on it now.

    code, _, err = doctor("--issuer", issuer)

    assert code == 3
    assert "cannot reach 127.0.0.1" in err
    assert "connection refused" in err


@pytest.mark.parametrize("issuer", ["ftp://id.example.com", "id.example.com", "https://"])
def test_an_issuer_that_is_not_an_https_url_is_a_usage_error(issuer):
    code, _, err = doctor("--issuer", issuer)

    assert code == 2
    assert "https://" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "[::1]", "localhost"])
def test_plain_http_is_allowed_for_loopback(host):
    assert cli.check_issuer_url(f"http://{host}:8765/") == f"http://{host}:8765"


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "desktop-auth test CA")])
    now = datetime.datetime.now(datetime.UTC)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(self_signed) -> Iterator[DiscoveryServer]:
    cert_path, key_path = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    with DiscoveryServer(context) as server:
        yield server


def test_an_untrusted_certificate_is_a_tls_error_that_suggests_ca_bundle(tls_server):
    issuer = tls_server.issuer("tls")

    code, out, err = doctor("--issuer", issuer)

    assert code == 3
    assert "TLS error talking to 127.0.0.1" in err
    assert "certificate" in err
    assert "--ca-bundle" in err
    assert out == ""


def test_ca_bundle_makes_a_private_ca_trusted(tls_server, self_signed):
    issuer = tls_server.issuer("tls")

    code, out, err = doctor("--issuer", issuer, "--ca-bundle", str(self_signed[0]))

    assert code == 0, err
    assert "Sign-in       native: " in out


def test_an_unreadable_ca_bundle_is_a_usage_error(tmp_path):
    code, _, err = doctor("--issuer", "https://id.example.com", "--ca-bundle", str(tmp_path / "x"))

    assert code == 2
    assert "--ca-bundle" in err


# --- commands that are not there yet ----------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["login", "--issuer", "https://id.example.com", "--username", "a", "--password-stdin"],
    ],
)
def test_commands_not_yet_built_say_so_and_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    assert "not available in this version yet" in capsys.readouterr().err
