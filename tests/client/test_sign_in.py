"""Signing in to the bundled server: native first-party sign-in and the opt-in password grant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from desktop_auth.errors import CredentialsError, NetworkError, ProtocolError, ThrottledError
from desktop_auth.oidc import OIDCClient
from tests.client.conftest import LEGACY_CLIENT, StoppableServer
from tests.server.conftest import ALICE, BOB, LiveServer, verified_claims


def test_alice_signs_in_natively_and_gets_every_permission(
    server: LiveServer, client: OIDCClient
) -> None:
    assert client.sign_in_method() == "native"

    session = client.sign_in(*ALICE)

    assert session.issuer == server.url
    assert session.username == "alice"
    assert session.display_name == "Alice"
    assert session.email == "alice@example.org"
    assert session.roles == frozenset({"admin", "editor"})
    assert session.permissions == frozenset({"*"})
    assert session.allows("users.manage")
    assert session.method == "native"
    assert session.tokens is not None
    assert session.tokens.refresh_token
    assert session.tokens.id_token
    claims = verified_claims(server, session.tokens.access_token)
    assert session.subject == claims["sub"]
    remaining = session.expires_at - datetime.now(UTC)
    assert timedelta(minutes=9) < remaining <= timedelta(minutes=10)


def test_bob_the_viewer_may_only_read_documents(client: OIDCClient) -> None:
    session = client.sign_in(*BOB)

    assert session.username == "bob"
    assert session.display_name == "bob"  # no display name: the username stands in
    assert session.email is None
    assert session.roles == frozenset({"viewer"})
    assert session.permissions == frozenset({"documents.read"})
    assert not session.allows("documents.write")


def test_no_secret_appears_in_the_session_repr(client: OIDCClient) -> None:
    session = client.sign_in(*ALICE)

    assert session.tokens is not None
    shown = repr(session)
    for secret in (
        ALICE[1],
        session.tokens.access_token,
        session.tokens.refresh_token,
        session.tokens.id_token,
    ):
        assert secret
        assert secret not in shown


def test_wrong_password_is_a_credentials_error_with_the_generic_message(
    client: OIDCClient,
) -> None:
    with pytest.raises(CredentialsError) as error:
        client.sign_in("alice", "not the right password")

    assert error.value.message == "The username or password is incorrect."
    assert error.value.kind == "credentials"


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(client: OIDCClient) -> None:
    with pytest.raises(CredentialsError) as error:
        client.sign_in("mallory", "not the right password")

    assert error.value.message == "The username or password is incorrect."


def test_too_many_failures_are_throttled_with_a_time_to_wait(client: OIDCClient) -> None:
    for _ in range(5):
        with pytest.raises(CredentialsError):
            client.sign_in("alice", "not the right password")

    with pytest.raises(ThrottledError) as error:
        client.sign_in(*ALICE)

    assert error.value.kind == "throttled"
    assert error.value.retry_after is not None
    assert error.value.retry_after >= 1
    assert f"Try again in {error.value.retry_after} second" in error.value.message


def test_a_stopped_server_is_a_network_error(
    stoppable_server: StoppableServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(stoppable_server.url)
    client.sign_in(*ALICE)  # discovery cached, connections pooled

    stoppable_server.stop()
    with pytest.raises(NetworkError) as error:
        client.sign_in(*ALICE)

    assert error.value.kind == "network"
    assert f"Cannot reach 127.0.0.1:{stoppable_server.served.port}" in error.value.message


def test_a_server_that_was_never_there_is_a_network_error_naming_the_cause(
    make_client: Callable[..., OIDCClient],
) -> None:
    from tests.server.conftest import free_port

    client = make_client(f"http://127.0.0.1:{free_port()}")

    with pytest.raises(NetworkError) as error:
        client.sign_in(*ALICE)

    assert "connection refused" in error.value.message


def test_a_browser_only_client_is_told_it_needs_browser_sign_in(
    server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    from desktop_auth.server.models import Client

    assert server.cli("client", "add", "web-only") == 0
    with server.state.db.session() as db:
        db.query(Client).filter_by(client_id="web-only").one().first_party = False

    with pytest.raises(ProtocolError) as error:
        make_client(server.url, client_id="web-only").sign_in(*ALICE)

    assert "browser sign-in" in error.value.message
    assert "redirect_to_web" in error.value.message


def test_an_unknown_client_id_is_a_protocol_error_naming_it(
    server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    with pytest.raises(ProtocolError) as error:
        make_client(server.url, client_id="nobody").sign_in(*ALICE)

    assert "'nobody'" in error.value.message
    assert "invalid_client" in error.value.message
    assert ALICE[1] not in error.value.message


# --- the legacy password grant ----------------------------------------------------------------


@pytest.fixture
def legacy(server: LiveServer) -> LiveServer:
    """The server with a public client ``legacy`` registered with --allow-password-grant."""
    assert server.cli("client", "add", LEGACY_CLIENT, "--allow-password-grant") == 0
    return server


def test_password_grant_signs_in_a_client_registered_for_it(
    password_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(
        password_server.served.issuer, client_id=LEGACY_CLIENT, allow_password_grant=True
    )
    assert client.sign_in_method() == "password"

    session = client.sign_in(*BOB)

    assert session.method == "password"
    assert session.issuer == password_server.served.issuer
    assert session.username == "bob"
    assert session.roles == frozenset({"viewer"})
    assert session.permissions == frozenset({"documents.read"})
    assert session.tokens is not None
    assert session.tokens.id_token


def test_password_grant_wrong_password_is_the_generic_credentials_error(
    password_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(
        password_server.served.issuer, client_id=LEGACY_CLIENT, allow_password_grant=True
    )

    with pytest.raises(CredentialsError) as error:
        client.sign_in("bob", "not the right password")

    assert error.value.message == "The username or password is incorrect."


def test_password_grant_is_refused_for_desktop_auth_with_a_clear_message(
    password_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(password_server.served.issuer, allow_password_grant=True)

    with pytest.raises(ProtocolError) as error:
        client.sign_in(*ALICE)

    message = error.value.message
    assert "password grant" in message
    assert "'desktop-auth'" in message
    assert "unauthorized_client" in message


def test_without_the_opt_in_a_server_without_native_sign_in_needs_the_browser(
    password_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(password_server.served.issuer, client_id=LEGACY_CLIENT)

    with pytest.raises(ProtocolError) as error:
        client.sign_in(*ALICE)

    assert error.value.message.startswith("This server needs browser sign-in")
    assert "--allow-password-grant" in error.value.message
