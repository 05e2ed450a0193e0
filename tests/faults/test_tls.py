"""Fault matrix, TLS: certificates made at test time that are self-signed, expired, not yet
valid or for another host are refused with a message saying which and what to do; the
right CA bundle makes a private server trusted.

A certificate from an unknown private CA, the right and a wrong --ca-bundle, an unreadable
bundle and https to a plain-http port are in tests/client/test_transport.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from desktop_auth.errors import TLSError
from desktop_auth.oidc import OIDCClient
from tests.faults.conftest import DISCOVERY, JsonServer, TestCA, TLSFiles, discovery_document

DAY = datetime.timedelta(days=1)


def publish(server: JsonServer) -> str:
    issuer = f"{server.base}/idp"
    server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(issuer))
    return issuer


def test_a_self_signed_certificate_is_refused_naming_ca_bundle(
    test_ca: TestCA,
    serve_tls: Callable[[TLSFiles], JsonServer],
    make_client: Callable[..., OIDCClient],
) -> None:
    server = serve_tls(test_ca.issue("127.0.0.1", self_signed=True))
    issuer = publish(server)

    with pytest.raises(TLSError) as error:
        make_client(issuer).sign_in("alice", "a password")

    message = error.value.message
    assert error.value.kind == "tls"
    assert message.startswith(f"TLS error talking to {server.base.removeprefix('https://')}")
    assert "certificate not trusted" in message
    assert "self-signed" in message or "self signed" in message
    assert "--ca-bundle" in message


def test_a_self_signed_certificate_is_accepted_with_itself_as_ca_bundle(
    test_ca: TestCA,
    serve_tls: Callable[[TLSFiles], JsonServer],
    make_client: Callable[..., OIDCClient],
) -> None:
    files = test_ca.issue("127.0.0.1", self_signed=True)
    issuer = publish(serve_tls(files))

    assert make_client(issuer, ca_bundle=files.ca).discover().issuer == issuer


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [(-3 * DAY, -DAY), (DAY, 3 * DAY)],
    ids=["expired", "not-yet-valid"],
)
def test_a_certificate_outside_its_validity_is_refused_even_from_a_trusted_ca(
    test_ca: TestCA,
    serve_tls: Callable[[TLSFiles], JsonServer],
    make_client: Callable[..., OIDCClient],
    valid_from: datetime.timedelta,
    valid_until: datetime.timedelta,
) -> None:
    files = test_ca.issue("127.0.0.1", valid_from=valid_from, valid_until=valid_until)
    issuer = publish(serve_tls(files))

    with pytest.raises(TLSError) as error:
        make_client(issuer, ca_bundle=files.ca).discover()

    message = error.value.message
    assert "certificate is not valid now" in message
    assert "this computer's clock" in message
    assert "--ca-bundle" not in message  # another CA would not help


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["ip-address", "host-name"])
def test_a_certificate_for_another_host_is_refused_even_from_a_trusted_ca(
    test_ca: TestCA,
    serve_tls: Callable[[TLSFiles], JsonServer],
    make_client: Callable[..., OIDCClient],
    host: str,
) -> None:
    files = test_ca.issue("other.example.com")
    issuer = publish(serve_tls(files)).replace("127.0.0.1", host)

    with pytest.raises(TLSError) as error:
        make_client(issuer, ca_bundle=files.ca).discover()

    message = error.value.message
    assert "the certificate is for another host name" in message
    assert f"TLS error talking to {host}:" in message
    assert "--ca-bundle" not in message
    assert "Check the issuer URL" in message


def test_a_certificate_refused_once_is_refused_again_and_nothing_is_posted(
    test_ca: TestCA,
    serve_tls: Callable[[TLSFiles], JsonServer],
    make_client: Callable[..., OIDCClient],
) -> None:
    # No retry path may skip verification: the password never reaches an untrusted server.
    server = serve_tls(test_ca.issue("127.0.0.1", self_signed=True))
    client = make_client(publish(server))

    for _ in range(2):
        with pytest.raises(TLSError):
            client.sign_in("alice", "a password")

    assert server.bodies == []
