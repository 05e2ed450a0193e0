"""Fault matrix, proxies: HTTPS_PROXY and NO_PROXY from the environment are honoured, a
proxy's credentials come from its URL, and a proxy that refuses is named in the message
(never with its password), all against a real CONNECT proxy on 127.0.0.1.

The server's name, idp.test, resolves only inside the proxy: reaching it proves the request
went through the proxy; failing to resolve it proves it did not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from desktop_auth.errors import NetworkError
from desktop_auth.oidc import OIDCClient
from tests.faults.conftest import (
    DISCOVERY,
    PROXIED_HOST,
    ConnectProxy,
    JsonServer,
    TestCA,
    TLSFiles,
    discovery_document,
)
from tests.server.conftest import free_port

PROXY_USER = "proxy-user"
# Must never appear in a message.
PROXY_PASSWORD = "Pr0xy-s3cret"


class ProxiedIdp:
    """An https issuer at idp.test:PORT (a JsonServer on 127.0.0.1) and its CA bundle."""

    def __init__(self, server: JsonServer, files: TLSFiles) -> None:
        self.server = server
        self.ca_bundle = files.ca
        self.port = int(server.base.rsplit(":", 1)[1])
        self.host = f"{PROXIED_HOST}:{self.port}"
        self.issuer = f"https://{self.host}/idp"
        server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(self.issuer))


@pytest.fixture
def idp(test_ca: TestCA, serve_tls: Callable[[TLSFiles], JsonServer]) -> ProxiedIdp:
    files = test_ca.issue(PROXIED_HOST)
    return ProxiedIdp(serve_tls(files), files)


def client_of(idp: ProxiedIdp, make_client: Callable[..., OIDCClient]) -> OIDCClient:
    return make_client(idp.issuer, ca_bundle=idp.ca_bundle)


def test_https_proxy_from_the_environment_is_used(
    idp: ProxiedIdp,
    make_proxy: Callable[..., ConnectProxy],
    proxy_env: Callable[..., None],
    make_client: Callable[..., OIDCClient],
) -> None:
    proxy = make_proxy()
    proxy_env(HTTPS_PROXY=proxy.url())

    assert client_of(idp, make_client).discover().issuer == idp.issuer
    assert proxy.seen == [f"CONNECT {idp.host}"]
    assert idp.server.hits[("GET", f"/idp{DISCOVERY}")] == 1


@pytest.mark.parametrize("no_proxy", [PROXIED_HOST, ".test", f"localhost,{PROXIED_HOST}"])
def test_no_proxy_sends_the_request_directly(
    idp: ProxiedIdp,
    make_proxy: Callable[..., ConnectProxy],
    proxy_env: Callable[..., None],
    make_client: Callable[..., OIDCClient],
    no_proxy: str,
) -> None:
    proxy = make_proxy()
    proxy_env(HTTPS_PROXY=proxy.url(), NO_PROXY=no_proxy)

    # Directly, idp.test does not resolve: the proof that the proxy was left out.
    with pytest.raises(NetworkError, match=f"Cannot reach {idp.host}: host name not found"):
        client_of(idp, make_client).discover()
    assert proxy.seen == []


def test_a_loopback_server_is_never_reached_through_the_proxy(
    json_server: JsonServer,
    make_proxy: Callable[..., ConnectProxy],
    proxy_env: Callable[..., None],
    make_client: Callable[..., OIDCClient],
) -> None:
    # The embedded server and browser sign-in's redirect live on 127.0.0.1 of this computer;
    # a corporate proxy's 127.0.0.1 is another machine.
    proxy = make_proxy(refuse_status=403)
    proxy_env(HTTPS_PROXY=proxy.url(), HTTP_PROXY=proxy.url(), ALL_PROXY=proxy.url())
    issuer = f"{json_server.base}/idp"
    json_server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(issuer))

    assert make_client(issuer).discover().issuer == issuer
    assert proxy.seen == []


def test_an_authenticating_proxy_gets_the_credentials_from_the_proxy_url(
    idp: ProxiedIdp,
    make_proxy: Callable[..., ConnectProxy],
    proxy_env: Callable[..., None],
    make_client: Callable[..., OIDCClient],
) -> None:
    import base64

    proxy = make_proxy(credentials=(PROXY_USER, PROXY_PASSWORD))
    proxy_env(HTTPS_PROXY=proxy.url(f"{PROXY_USER}:{PROXY_PASSWORD}"))

    assert client_of(idp, make_client).discover().issuer == idp.issuer
    expected = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    assert proxy.auth_headers == [f"Basic {expected}"]
    # The proxy's credentials are for the proxy only, never for the identity server.
    assert idp.server.hits[("GET", f"/idp{DISCOVERY}")] == 1


@pytest.mark.parametrize(
    ("userinfo", "expected"),
    [
        ("", "the proxy wants a user name and password (407)"),
        (
            f"{PROXY_USER}:wrong-{PROXY_PASSWORD}",
            "the proxy did not accept the user name and password",
        ),
    ],
    ids=["no-credentials", "wrong-credentials"],
)
def test_a_proxy_asking_for_credentials_says_so_without_leaking_them(
    idp: ProxiedIdp,
    make_proxy: Callable[..., ConnectProxy],
    proxy_env: Callable[..., None],
    make_client: Callable[..., OIDCClient],
    userinfo: str,
    expected: str,
) -> None:
    proxy = make_proxy(credentials=(PROXY_USER, PROXY_PASSWORD))
    proxy_env(HTTPS_PROXY=proxy.url(userinfo))

    with pytest.raises(NetworkError) as error:
        client_of(idp, make_client).sign_in("alice", "a password")

    message = error.value.message
    assert message.startswith(
        f"Cannot reach {idp.host} through the proxy http://127.0.0.1:{proxy.port}: {expected}"
    )
    assert "HTTPS_PROXY" in message
    assert PROXY_PASSWORD not in message
    assert PROXY_USER not in message
    assert idp.server.bodies == []


def test_a_proxy_that_forbids_the_connection_is_named_with_its_answer(
    idp: ProxiedIdp,
    make_proxy: Callable[..., ConnectProxy],
    proxy_env: Callable[..., None],
    make_client: Callable[..., OIDCClient],
) -> None:
    proxy = make_proxy(refuse_status=403)
    proxy_env(HTTPS_PROXY=proxy.url())

    with pytest.raises(NetworkError) as error:
        client_of(idp, make_client).discover()

    message = error.value.message
    assert f"through the proxy http://127.0.0.1:{proxy.port}" in message
    assert "the proxy would not connect to it (403 Forbidden)" in message
    assert f"NO_PROXY={PROXIED_HOST}" in message
    assert idp.server.bodies == []


def test_a_proxy_that_is_not_running_is_named_not_the_server(
    idp: ProxiedIdp, proxy_env: Callable[..., None], make_client: Callable[..., OIDCClient]
) -> None:
    port = free_port()
    proxy_env(HTTPS_PROXY=f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{port}")

    with pytest.raises(NetworkError) as error:
        client_of(idp, make_client).discover()

    message = error.value.message
    assert message.startswith(
        f"Cannot reach {idp.host} through the proxy http://127.0.0.1:{port}: "
        "the proxy refused the connection"
    )
    assert PROXY_PASSWORD not in message
