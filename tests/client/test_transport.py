"""What the client refuses before or while talking to a server: plain http, untrusted TLS,
answers that are not JSON; and discovery: issuer, cache, the sign-in method it leads to."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from desktop_auth.errors import CABundleError, ProtocolError, ServerError, ThrottledError, TLSError
from desktop_auth.oidc import OIDCClient
from desktop_auth.oidc.http import MAX_BODY_BYTES, HttpClient
from tests.client.conftest import DISCOVERY, JsonServer, TLSFiles, discovery_document

# --- plain http -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "issuer", ["http://id.example.com", "http://10.0.0.5:8080", "http://[2001:db8::1]"]
)
def test_plain_http_to_a_remote_host_is_refused_before_connecting(
    make_client: Callable[..., OIDCClient], issuer: str
) -> None:
    with pytest.raises(ProtocolError) as error:
        make_client(issuer).sign_in("alice", "a password")

    assert "Refusing plain http://" in error.value.message
    assert "https://" in error.value.message


@pytest.mark.parametrize("issuer", ["ftp://id.example.com", "id.example.com", "https://"])
def test_an_issuer_that_is_not_a_url_is_refused(
    make_client: Callable[..., OIDCClient], issuer: str
) -> None:
    with pytest.raises(ProtocolError, match="https://"):
        make_client(issuer).discover()


def test_plain_http_endpoints_on_a_remote_host_are_refused(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = f"{json_server.base}/idp"
    json_server.answer(
        "GET",
        f"/idp{DISCOVERY}",
        body=discovery_document(issuer, token_endpoint="http://id.example.com/token"),
    )

    with pytest.raises(ProtocolError) as error:
        make_client(issuer).sign_in("alice", "a password")

    assert "token_endpoint" in error.value.message
    assert "id.example.com" in error.value.message
    assert json_server.hits[("POST", "/token")] == 0


# --- TLS --------------------------------------------------------------------------------------


def publish_discovery(server: JsonServer, name: str = "idp", **fields: object) -> str:
    issuer = f"{server.base}/{name}"
    server.answer("GET", f"/{name}{DISCOVERY}", body=discovery_document(issuer, **fields))
    return issuer


def test_a_certificate_from_an_unknown_ca_is_a_tls_error_naming_ca_bundle(
    tls_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(tls_server)

    with pytest.raises(TLSError) as error:
        make_client(issuer).sign_in("alice", "a password")

    assert error.value.kind == "tls"
    assert "certificate not trusted" in error.value.message
    assert "--ca-bundle" in error.value.message


def test_the_right_ca_bundle_makes_the_server_trusted(
    tls_server: JsonServer, tls_files: TLSFiles, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(tls_server)

    client = make_client(issuer, ca_bundle=tls_files.ca)

    assert client.discover().issuer == issuer
    assert client.sign_in_method() == "native"


def test_another_ca_bundle_does_not_help(
    tls_server: JsonServer, tmp_path: Path, make_client: Callable[..., OIDCClient]
) -> None:
    from tests.client.conftest import make_tls_files

    other = make_tls_files(tmp_path)
    issuer = publish_discovery(tls_server)

    with pytest.raises(TLSError, match="--ca-bundle"):
        make_client(issuer, ca_bundle=other.ca).discover()


def test_an_unreadable_ca_bundle_says_so(
    tls_server: JsonServer, tmp_path: Path, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(tls_server)
    not_pem = tmp_path / "bundle.pem"
    not_pem.write_text("not a certificate")

    for bundle in (tmp_path / "missing.pem", not_pem):
        with pytest.raises(CABundleError) as error:
            make_client(issuer, ca_bundle=bundle).discover()
        assert f"--ca-bundle {bundle}" in error.value.message


def test_https_to_a_plain_http_port_is_a_tls_error(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server).replace("http://", "https://")

    with pytest.raises(TLSError, match="speaks HTTPS"):
        make_client(issuer).discover()


# --- answers that are not what they should be -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (200, b"<html><body>Sign in</body></html>", {"Content-Type": "text/html"}, "HTML page"),
        (200, b'{"issuer": ', {}, "did not return JSON"),
        (200, b"[1, 2]", {}, "not an object"),
        (200, b"", {}, "empty body"),
        (500, b"Internal Server Error", {"Content-Type": "text/plain"}, "HTTP 500"),
        (503, b'{"error": "temporarily_unavailable"}', {}, "'temporarily_unavailable'"),
        (404, b"not found", {"Content-Type": "text/plain"}, "HTTP 404"),
        (302, b"", {"Location": "https://elsewhere.example.com/"}, "redirects to"),
    ],
)
def test_a_bad_discovery_answer_is_a_server_error_saying_what_is_wrong(
    json_server: JsonServer,
    make_client: Callable[..., OIDCClient],
    status: int,
    body: bytes,
    headers: dict[str, str],
    expected: str,
) -> None:
    json_server.answer("GET", f"/idp{DISCOVERY}", status, body, headers)

    with pytest.raises(ServerError) as error:
        make_client(f"{json_server.base}/idp").discover()

    assert expected in error.value.message
    assert error.value.kind == "server"


def test_an_oversized_answer_is_refused(json_server: JsonServer) -> None:
    padding = "x" * (MAX_BODY_BYTES + 1)
    json_server.answer("GET", "/huge", body={"padding": padding})

    with HttpClient() as http, pytest.raises(ServerError, match="more than"):
        http.get_json(f"{json_server.base}/huge")


def test_a_404_discovery_hints_at_the_issuer_url(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    with pytest.raises(ServerError, match="/realms/NAME"):
        make_client(f"{json_server.base}/nothing-here").discover()


# --- discovery --------------------------------------------------------------------------------


def test_discovery_is_fetched_once_per_client(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(publish_discovery(json_server))

    first = client.discover()
    assert client.sign_in_method() == "native"
    assert client.discover() is first
    assert json_server.hits[("GET", f"/idp{DISCOVERY}")] == 1


def test_discovery_is_a_frozen_value(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    import dataclasses

    discovery = make_client(publish_discovery(json_server)).discover()

    with pytest.raises(dataclasses.FrozenInstanceError):
        discovery.token_endpoint = "https://elsewhere.example.com/token"  # type: ignore[misc]
    assert discovery.grant_types_supported == ("authorization_code", "refresh_token")


def test_an_issuer_that_names_itself_differently_is_refused(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = f"{json_server.base}/idp"
    json_server.answer(
        "GET",
        f"/idp{DISCOVERY}",
        body=discovery_document("https://elsewhere.example.com"),
    )

    with pytest.raises(ProtocolError) as error:
        make_client(issuer).discover()

    assert "calls itself https://elsewhere.example.com" in error.value.message


def test_a_trailing_slash_on_the_issuer_is_tolerated(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server)

    assert make_client(issuer + "/").discover().issuer == issuer


def test_a_discovery_without_token_endpoint_is_refused(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server, token_endpoint=None)

    with pytest.raises(ProtocolError, match="token_endpoint"):
        make_client(issuer).discover()


def test_malformed_grant_types_are_refused(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server, grant_types_supported="password")

    with pytest.raises(ProtocolError, match="grant_types_supported"):
        make_client(issuer).discover()


# --- which sign-in ----------------------------------------------------------------------------


def test_the_password_grant_is_tried_when_allowed_and_grant_types_are_not_listed(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(
        json_server, authorization_challenge_endpoint=None, grant_types_supported=None
    )

    assert make_client(issuer, allow_password_grant=True).sign_in_method() == "password"


def test_an_allowed_password_grant_the_server_does_not_list_is_refused_clearly(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server, authorization_challenge_endpoint=None)

    with pytest.raises(ProtocolError) as error:
        make_client(issuer, allow_password_grant=True).sign_in("alice", "a password")

    message = error.value.message
    assert message.startswith("This server needs browser sign-in")
    assert "does not offer the password grant" in message
    assert "authorization_code, refresh_token" in message
    assert json_server.hits[("POST", "/idp/oauth/token")] == 0


def test_without_the_opt_in_no_password_is_sent_to_a_password_grant_server(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(
        json_server,
        authorization_challenge_endpoint=None,
        grant_types_supported=["authorization_code", "password"],
    )

    with pytest.raises(ProtocolError, match="needs browser sign-in"):
        make_client(issuer).sign_in("alice", "a password")

    assert [b for _, _, b in json_server.bodies if b"password" in b] == []


def test_the_native_endpoint_wins_over_an_allowed_password_grant(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server, grant_types_supported=["password"])

    assert make_client(issuer, allow_password_grant=True).sign_in_method() == "native"


# --- OAuth errors from a server ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"error": "invalid_scope"}, "invalid_scope"),
        (400, {"error": "insufficient_authorization"}, "browser sign-in"),
        (400, {"error": "weird_error", "error_description": "Odd."}, "weird_error: Odd."),
        (401, {"error": "invalid_client"}, "--client-id"),
    ],
)
def test_the_servers_error_code_is_in_the_message(
    json_server: JsonServer,
    make_client: Callable[..., OIDCClient],
    status: int,
    body: dict[str, str],
    expected: str,
) -> None:
    issuer = publish_discovery(json_server)
    json_server.answer("POST", "/idp/oauth/authorize-challenge", status, json.dumps(body).encode())

    with pytest.raises(ProtocolError) as error:
        make_client(issuer).sign_in("alice", "s3cret-Pa55word")

    assert expected in error.value.message
    assert "s3cret-Pa55word" not in error.value.message


def test_a_throttled_answer_with_an_http_date_still_says_when(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = publish_discovery(json_server)
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=2), usegmt=True)
    json_server.answer(
        "POST",
        "/idp/oauth/authorize-challenge",
        429,
        {"error": "temporarily_unavailable"},
        {"Retry-After": when},
    )

    with pytest.raises(ThrottledError) as error:
        make_client(issuer).sign_in("alice", "a password")

    assert error.value.retry_after is not None
    assert 100 <= error.value.retry_after <= 121
    assert "Try again in 2 minutes." in error.value.message
