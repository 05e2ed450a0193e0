"""The legacy password grant: only for clients registered with --allow-password-grant."""

from __future__ import annotations

import pytest

from tests.server.conftest import ALICE, BOB, NATIVE_CLIENT, LiveServer, verified_claims

LEGACY_CLIENT = "legacy"


@pytest.fixture
def legacy(server: LiveServer) -> LiveServer:
    """The server with a public client ``legacy`` allowed to use the password grant."""
    assert server.cli("client", "add", LEGACY_CLIENT, "--allow-password-grant") == 0
    return server


@pytest.mark.parametrize(("account", "roles"), [(ALICE, ["admin", "editor"]), (BOB, ["viewer"])])
def test_password_grant_gives_tokens_with_roles_to_a_client_allowed_it(
    legacy: LiveServer, account: tuple[str, str], roles: list[str]
) -> None:
    response = legacy.password_grant(*account, client_id=LEGACY_CLIENT)

    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["refresh_token"]
    claims = verified_claims(legacy, tokens["access_token"])
    assert claims["preferred_username"] == account[0]
    assert claims["roles"] == roles
    assert claims["client_id"] == LEGACY_CLIENT


def test_password_grant_is_unauthorized_for_the_desktop_auth_client(legacy: LiveServer) -> None:
    response = legacy.password_grant(*ALICE, client_id=NATIVE_CLIENT)

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert "access_token" not in response.json()


def test_password_grant_is_unauthorized_for_a_client_added_without_the_flag(
    server: LiveServer,
) -> None:
    assert server.cli("client", "add", "plain") == 0

    response = server.password_grant(*ALICE, client_id="plain")

    assert response.json()["error"] == "unauthorized_client"
    assert "access_token" not in response.json()


def test_wrong_password_is_invalid_grant(legacy: LiveServer) -> None:
    response = legacy.password_grant("alice", "wrong", client_id=LEGACY_CLIENT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(legacy: LiveServer) -> None:
    wrong_password = legacy.password_grant("alice", "wrong", client_id=LEGACY_CLIENT)
    unknown_user = legacy.password_grant("mallory", "wrong", client_id=LEGACY_CLIENT)

    assert unknown_user.status_code == wrong_password.status_code
    assert unknown_user.content == wrong_password.content
