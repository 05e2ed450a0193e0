"""`desktop-auth-cli doctor` against small discovery servers on 127.0.0.1."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from desktop_auth import cli
from desktop_auth.oidc import normalize_issuer
from tests.client.conftest import (
    DISCOVERY,
    JsonServer,
    TLSFiles,
    console_script,
    discovery_document,
    make_tls_files,
)


class DiscoveryServer(JsonServer):
    """Serves discovery documents (or raw bodies) at <base>/<name>/.well-known/..."""

    def issuer(self, name: str, /, **fields: object) -> str:
        """Publish a discovery document for issuer <base>/<name> and return that issuer."""
        issuer = f"{self.base}/{name}"
        self.answer("GET", f"/{name}{DISCOVERY}", body=discovery_document(issuer, **fields))
        return issuer

    def publish(self, name: str, status: int, body: bytes) -> str:
        self.answer("GET", f"/{name}{DISCOVERY}", status, body)
        return f"{self.base}/{name}"


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


def test_an_allowed_password_grant_the_server_does_not_list_is_a_warning(server):
    issuer = server.issuer("no-password", authorization_challenge_endpoint=None)

    code, out, _ = doctor("--issuer", issuer, "--allow-password-grant")

    assert code == 0
    assert "Sign-in       browser: " in out
    assert (
        "--allow-password-grant is given, but the server does not offer the password grant" in out
    )


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
    assert "Cannot reach 127.0.0.1" in err
    assert "connection refused" in err


@pytest.mark.parametrize("issuer", ["ftp://id.example.com", "id.example.com", "https://"])
def test_an_issuer_that_is_not_an_https_url_is_a_usage_error(issuer):
    code, _, err = doctor("--issuer", issuer)

    assert code == 2
    assert "https://" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "[::1]", "localhost"])
def test_plain_http_is_allowed_for_loopback(host):
    assert normalize_issuer(f"http://{host}:8765/") == f"http://{host}:8765"


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_server(tls_files) -> Iterator[DiscoveryServer]:
    with DiscoveryServer(tls_files.server_context()) as server:
        yield server


def test_an_untrusted_certificate_is_a_tls_error_that_suggests_ca_bundle(tls_server):
    issuer = tls_server.issuer("tls")

    code, out, err = doctor("--issuer", issuer)

    assert code == 3
    assert "TLS error talking to 127.0.0.1" in err
    assert "certificate" in err
    assert "--ca-bundle" in err
    assert out == ""


def test_ca_bundle_makes_a_private_ca_trusted(tls_server, tls_files):
    issuer = tls_server.issuer("tls")

    code, out, err = doctor("--issuer", issuer, "--ca-bundle", str(tls_files.ca))

    assert code == 0, err
    assert "Sign-in       native: " in out


def test_an_unreadable_ca_bundle_is_a_usage_error(tmp_path):
    code, _, err = doctor("--issuer", "https://id.example.com", "--ca-bundle", str(tmp_path / "x"))

    assert code == 2
    assert "--ca-bundle" in err
