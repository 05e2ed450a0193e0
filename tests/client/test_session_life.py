"""A session after sign-in: refresh rotates the tokens and re-reads roles; revoke ends it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from desktop_auth.errors import NetworkError, SessionExpiredError
from desktop_auth.oidc import OIDCClient
from desktop_auth.session import Session, TokenSet
from tests.client.conftest import StoppableServer
from tests.server.conftest import ALICE, BOB, LiveServer


def tokens_of(session: Session) -> TokenSet:
    assert session.tokens is not None
    return session.tokens


def userinfo_status(server: LiveServer, session: Session) -> int:
    response = server.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens_of(session).access_token}"}
    )
    return response.status_code


def test_refresh_rotates_every_token_and_keeps_the_identity(client: OIDCClient) -> None:
    session = client.sign_in(*ALICE)

    renewed = client.refresh(session)

    old, new = tokens_of(session), tokens_of(renewed)
    assert new.refresh_token
    assert new.refresh_token != old.refresh_token
    assert new.access_token != old.access_token
    assert new.id_token
    assert new.id_token != old.id_token
    assert renewed.subject == session.subject
    assert renewed.username == "alice"
    assert renewed.permissions == frozenset({"*"})
    assert renewed.method == "native"
    assert renewed.expires_at >= session.expires_at


def test_a_spent_refresh_token_ends_the_session(client: OIDCClient) -> None:
    session = client.sign_in(*ALICE)
    renewed = client.refresh(session)

    with pytest.raises(SessionExpiredError) as error:
        client.refresh(session)  # reusing a rotated token: the server revokes the family

    assert error.value.kind == "credentials"
    assert "sign in again" in error.value.message
    with pytest.raises(SessionExpiredError):
        client.refresh(renewed)


def test_refresh_picks_up_changed_roles(server: LiveServer, client: OIDCClient) -> None:
    session = client.sign_in(*BOB)
    assert server.cli("user", "roles", "bob", "viewer,editor") == 0

    renewed = client.refresh(session)

    assert renewed.roles == frozenset({"viewer", "editor"})
    assert renewed.allows("documents.write")


def test_a_session_without_a_refresh_token_cannot_be_renewed(client: OIDCClient) -> None:
    session = client.sign_in(*BOB)
    bare = replace(session, tokens=replace(tokens_of(session), refresh_token=None))

    with pytest.raises(SessionExpiredError):
        client.refresh(bare)


def test_revoke_ends_the_session_at_the_server(server: LiveServer, client: OIDCClient) -> None:
    session = client.sign_in(*ALICE)
    assert userinfo_status(server, session) == 200

    client.revoke(session)

    assert userinfo_status(server, session) == 401
    with pytest.raises(SessionExpiredError):
        client.refresh(session)


def test_revoke_leaves_other_sessions_alone(client: OIDCClient) -> None:
    first = client.sign_in(*ALICE)
    second = client.sign_in(*ALICE)

    client.revoke(first)

    assert client.refresh(second).username == "alice"


def test_revoke_against_a_stopped_server_is_a_network_error(
    stoppable_server: StoppableServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(stoppable_server.url)
    session = client.sign_in(*BOB)
    stoppable_server.stop()

    with pytest.raises(NetworkError):
        client.revoke(session)
