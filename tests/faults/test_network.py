"""Fault matrix, network and server: unreachable, silent, slow and broken servers give a
specific network or server error quickly, and a sign-in waiting on one stays cancellable.

Cells already covered elsewhere (not repeated here, see docs/reliability/network.md):
connection refused (tests/client/test_sign_in.py), discovery answers that are HTML, not JSON,
oversized, missing token_endpoint or naming another issuer (tests/client/test_transport.py),
the server going down during a refresh and coming back (tests/qt/test_refresh.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from PyQt5.QtCore import QThreadPool

from desktop_auth.errors import NetworkError, ProtocolError, ServerError
from desktop_auth.oidc import OIDCClient
from tests.faults.conftest import DISCOVERY, SHORT_TIMEOUT, DripServer, JsonServer

PASSWORD = "n0t-a-real-Pa55word"

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Bad Gateway</title></head>"
    b"<body><h1>nginx says no</h1><p>upstream went away</p></body></html>"
)


def test_an_unresolvable_host_is_a_network_error_naming_it(
    make_client: Callable[..., OIDCClient],
) -> None:
    with pytest.raises(NetworkError) as error:
        make_client("https://idp.invalid").sign_in("alice", PASSWORD)

    assert error.value.kind == "network"
    assert error.value.message.startswith("Cannot reach idp.invalid: host name not found")
    assert "check the issuer URL" in error.value.message


def test_a_server_that_never_answers_times_out_with_the_time_named(
    silent_url: str, make_client: Callable[..., OIDCClient]
) -> None:
    started = time.monotonic()
    with pytest.raises(NetworkError) as error:
        make_client(silent_url).sign_in("alice", PASSWORD)

    assert time.monotonic() - started < SHORT_TIMEOUT + 5
    host = silent_url.removeprefix("http://")
    assert error.value.message == f"Cannot reach {host}: no answer within {SHORT_TIMEOUT:g} s"


def test_a_dripping_answer_is_given_up_on_at_the_total_deadline(
    make_drip_server: Callable[..., DripServer], make_client: Callable[..., OIDCClient]
) -> None:
    # Every byte comes well within the per-read timeout; only the total deadline stops it.
    drip_server = make_drip_server(interval=0.1)
    client = make_client(drip_server.url, timeout=SHORT_TIMEOUT, total_timeout=2)
    started = time.monotonic()

    with pytest.raises(NetworkError) as error:
        client.discover()

    assert time.monotonic() - started < 2 + SHORT_TIMEOUT + 3
    host = drip_server.url.removeprefix("http://")
    assert f"{host} is answering too slowly" in error.value.message
    assert "not complete within 2 s" in error.value.message


def test_an_answer_that_stops_halfway_is_a_network_error(
    make_drip_server: Callable[..., DripServer], make_client: Callable[..., OIDCClient]
) -> None:
    # Headers and the first byte, then nothing: the per-read timeout ends the wait.
    drip_server = make_drip_server(interval=60)
    started = time.monotonic()

    with pytest.raises(NetworkError) as error:
        make_client(drip_server.url).discover()

    assert time.monotonic() - started < SHORT_TIMEOUT + 5
    host = drip_server.url.removeprefix("http://")
    assert error.value.message.startswith(f"Cannot reach {host}: the answer stopped arriving")
    assert f"nothing for {SHORT_TIMEOUT:g} s" in error.value.message


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service Unavailable")],
)
@pytest.mark.parametrize("where", ["discovery", "sign-in"])
def test_an_html_error_page_is_a_server_error_naming_the_status_not_the_html(
    json_server: JsonServer,
    make_client: Callable[..., OIDCClient],
    status: int,
    reason: str,
    where: str,
) -> None:
    from tests.faults.conftest import discovery_document

    issuer = f"{json_server.base}/idp"
    html = {"Content-Type": "text/html"}
    if where == "discovery":
        json_server.answer("GET", f"/idp{DISCOVERY}", status, HTML_PAGE, html)
    else:
        json_server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(issuer))
        json_server.answer("POST", "/idp/oauth/authorize-challenge", status, HTML_PAGE, html)

    with pytest.raises(ServerError) as error:
        make_client(issuer).sign_in("alice", PASSWORD)

    message = error.value.message
    assert error.value.kind == "server"
    assert f"answered HTTP {status}" in message
    assert "try again later" in message
    assert "<" not in message
    assert "nginx" not in message
    assert PASSWORD not in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"issuer": "x", "token_endpoint": ', "did not return JSON"),
        (b'{"authorization_code": "c",}', "did not return JSON"),
        (b"\xff\xfe not even text", "did not return JSON"),
        (b'"just a string"', "not an object"),
    ],
)
def test_malformed_json_from_the_sign_in_endpoint_is_a_server_error(
    json_server: JsonServer,
    make_client: Callable[..., OIDCClient],
    body: bytes,
    expected: str,
) -> None:
    from tests.faults.conftest import discovery_document

    issuer = f"{json_server.base}/idp"
    json_server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(issuer))
    json_server.answer("POST", "/idp/oauth/authorize-challenge", 200, body)

    with pytest.raises(ServerError) as error:
        make_client(issuer).sign_in("alice", PASSWORD)

    assert expected in error.value.message
    assert "/idp/oauth/authorize-challenge" in error.value.message


def test_huge_json_is_refused_without_reading_it_all(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    issuer = f"{json_server.base}/idp"
    huge = b'{"issuer": "' + b"i" * 20_000_000 + b'"}'
    json_server.answer("GET", f"/idp{DISCOVERY}", 200, huge)

    with pytest.raises(ServerError, match="sent more than 1000000 bytes"):
        make_client(issuer).discover()


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"token_endpoint": "{issuer}/token"}, "names no issuer"),
        ({"issuer": "{issuer}", "token_endpoint": 42}, "malformed token_endpoint"),
        ({"issuer": "{issuer}", "token_endpoint": "{issuer}/t", "jwks_uri": ""}, "jwks_uri"),
        (
            {"issuer": "{issuer}", "token_endpoint": "{issuer}/t", "scopes_supported": "openid"},
            "scopes_supported",
        ),
        ({"issuer": "{issuer}/other", "token_endpoint": "{issuer}/t"}, "calls itself"),
    ],
)
def test_discovery_with_missing_or_malformed_fields_is_refused_by_name(
    json_server: JsonServer,
    make_client: Callable[..., OIDCClient],
    document: dict[str, object],
    expected: str,
) -> None:
    issuer = f"{json_server.base}/idp"
    filled = {
        name: value.format(issuer=issuer) if isinstance(value, str) else value
        for name, value in document.items()
    }
    json_server.answer("GET", f"/idp{DISCOVERY}", body=filled)

    with pytest.raises(ProtocolError) as error:
        make_client(issuer).sign_in("alice", PASSWORD)

    assert expected in error.value.message


# --- the Qt layer -----------------------------------------------------------------------------


def test_a_sign_in_waiting_on_a_silent_server_is_cancelled_at_once(
    qtbot, silent_url: str, make_client: Callable[..., OIDCClient]
) -> None:
    from desktop_auth.qt.controller import AuthController

    # The worker waits its full timeout; cancel must return in a fraction of it.
    timeout = 3.0
    controller = AuthController(make_client(silent_url, timeout=timeout))
    failures = []
    controller.events.login_failed.connect(failures.append)
    with qtbot.waitSignal(controller.events.login_started, timeout=5000):
        controller.sign_in("alice", PASSWORD)
    assert controller.signing_in

    started = time.monotonic()
    with qtbot.waitSignal(controller.events.login_failed, timeout=5000) as failed:
        assert controller.cancel()
    assert time.monotonic() - started < timeout / 2

    assert failed.args[0].kind == "cancelled"
    assert not controller.signing_in
    # The worker still times out in the background; its late failure must not be reported.
    assert QThreadPool.globalInstance().waitForDone(int((timeout + 8) * 1000))
    qtbot.wait(50)
    assert [failure.kind for failure in failures] == ["cancelled"]
    controller.shutdown()
