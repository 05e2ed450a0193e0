"""The first-party challenge endpoint and the exchange of its code at the token endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from tests.server.conftest import ALICE, BOB, NATIVE_CLIENT, LiveServer, pkce_pair


def exchange(
    server: LiveServer,
    code: str,
    verifier: str | None,
    client_id: str = NATIVE_CLIENT,
) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    return server.post("/token", data={k: v for k, v in data.items() if v is not None})


def challenge_code(server: LiveServer, **extra: Any) -> tuple[str, str]:
    """(authorization code, code_verifier) for alice."""
    verifier, challenge = pkce_pair()
    response = server.challenge(*ALICE, challenge=challenge, **extra)
    assert response.status_code == 200, response.text
    return response.json()["authorization_code"], verifier


def userinfo(server: LiveServer, access_token: str) -> requests.Response:
    return server.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def assert_oauth_error(response: requests.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


# -- the challenge itself -----------------------------------------------------------------


def test_challenge_returns_only_an_authorization_code_and_is_not_cached(
    server: LiveServer,
) -> None:
    response = server.challenge(*ALICE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["authorization_code"]
    assert len(body["authorization_code"]) >= 32
    assert "no-store" in response.headers["Cache-Control"]


def test_code_exchanged_with_its_verifier_gives_bearer_tokens(server: LiveServer) -> None:
    code, verifier = challenge_code(server)
    response = exchange(server, code, verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer"
    assert {"access_token", "refresh_token", "id_token", "expires_in"} <= set(tokens)
    assert "no-store" in response.headers["Cache-Control"]
    assert userinfo(server, tokens["access_token"]).json()["preferred_username"] == "alice"


def test_each_challenge_gives_a_different_code(server: LiveServer) -> None:
    first, _ = challenge_code(server)
    second, _ = challenge_code(server)
    assert first != second


def test_plain_code_challenge_method_is_rejected(server: LiveServer) -> None:
    verifier, _ = pkce_pair()
    response = server.challenge(*ALICE, challenge=verifier, code_challenge_method="plain")
    assert_oauth_error(response, 400, "invalid_request")


def test_missing_code_challenge_method_is_rejected(server: LiveServer) -> None:
    response = server.post(
        "/authorize/challenge",
        data={
            "client_id": NATIVE_CLIENT,
            "username": ALICE[0],
            "password": ALICE[1],
            "scope": "openid",
            "code_challenge": pkce_pair()[1],
        },
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_missing_code_challenge_is_rejected(server: LiveServer) -> None:
    response = server.post(
        "/authorize/challenge",
        data={
            "client_id": NATIVE_CLIENT,
            "username": ALICE[0],
            "password": ALICE[1],
            "scope": "openid",
            "code_challenge_method": "S256",
        },
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_malformed_code_challenge_is_rejected(server: LiveServer) -> None:
    response = server.challenge(*ALICE, challenge="too-short")
    assert_oauth_error(response, 400, "invalid_request")


def test_unknown_client_is_rejected_with_401_invalid_client(server: LiveServer) -> None:
    response = server.challenge(*ALICE, client_id="no-such-client")
    assert_oauth_error(response, 401, "invalid_client")


def test_missing_password_is_an_invalid_request(server: LiveServer) -> None:
    response = server.challenge(ALICE[0], "")
    assert_oauth_error(response, 400, "invalid_request")


def test_wrong_password_is_access_denied(server: LiveServer) -> None:
    response = server.challenge(ALICE[0], "not alice's password")
    assert_oauth_error(response, 400, "access_denied")
    assert "authorization_code" not in response.json()


def test_unknown_user_is_access_denied(server: LiveServer) -> None:
    response = server.challenge("mallory", ALICE[1])
    assert_oauth_error(response, 400, "access_denied")


def test_unknown_user_and_wrong_password_get_byte_identical_responses(
    server: LiveServer,
) -> None:
    wrong_password = server.challenge(ALICE[0], "not alice's password")
    unknown_user = server.challenge("mallory", "not alice's password")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.content == unknown_user.content

    def headers(response: requests.Response) -> dict[str, str]:
        return {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}

    assert headers(wrong_password) == headers(unknown_user)


def test_scope_the_client_may_not_have_is_invalid_scope(server: LiveServer) -> None:
    response = server.challenge(*ALICE, scope="openid admin:everything")
    assert_oauth_error(response, 400, "invalid_scope")


def test_allowed_scope_is_granted_as_requested(server: LiveServer) -> None:
    code, verifier = challenge_code(server, scope="openid profile")
    tokens = exchange(server, code, verifier).json()
    assert set(tokens["scope"].split()) == {"openid", "profile"}


# -- the code: single use, short-lived, bound to client and challenge ----------------------


def test_code_used_twice_is_invalid_grant(server: LiveServer) -> None:
    code, verifier = challenge_code(server)
    assert exchange(server, code, verifier).status_code == 200
    assert_oauth_error(exchange(server, code, verifier), 400, "invalid_grant")


def test_code_replay_revokes_the_tokens_of_the_first_exchange(server: LiveServer) -> None:
    code, verifier = challenge_code(server)
    tokens = exchange(server, code, verifier).json()
    assert userinfo(server, tokens["access_token"]).status_code == 200

    assert_oauth_error(exchange(server, code, verifier), 400, "invalid_grant")

    assert userinfo(server, tokens["access_token"]).status_code == 401
    assert_oauth_error(server.refresh(tokens["refresh_token"]), 400, "invalid_grant")


def test_code_replay_leaves_other_sign_ins_alone(server: LiveServer) -> None:
    other = server.sign_in(*ALICE)
    code, verifier = challenge_code(server)
    exchange(server, code, verifier)
    exchange(server, code, verifier)
    assert userinfo(server, other["access_token"]).status_code == 200


def test_expired_code_is_invalid_grant(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(code_lifetime=1)
    server.add_user(*BOB)
    verifier, challenge = pkce_pair()
    response = server.challenge(*BOB, challenge=challenge)
    assert response.status_code == 200, response.text
    time.sleep(1.5)
    expired = exchange(server, response.json()["authorization_code"], verifier)
    assert_oauth_error(expired, 400, "invalid_grant")


def test_code_within_its_lifetime_is_accepted(start_server: Callable[..., LiveServer]) -> None:
    # The counterpart of the expiry test: the short lifetime alone does not break exchange.
    server = start_server(code_lifetime=1)
    server.add_user(*BOB)
    verifier, challenge = pkce_pair()
    response = server.challenge(*BOB, challenge=challenge)
    assert exchange(server, response.json()["authorization_code"], verifier).status_code == 200


def test_code_is_refused_to_another_client(server: LiveServer) -> None:
    assert server.cli("client", "add", "other-app") == 0
    code, verifier = challenge_code(server)
    stolen = exchange(server, code, verifier, client_id="other-app")
    assert stolen.status_code == 400, stolen.text
    assert stolen.json()["error"] == "invalid_grant"
    assert "access_token" not in stolen.json()


def test_code_exchanged_by_an_unknown_client_is_invalid_client(server: LiveServer) -> None:
    code, verifier = challenge_code(server)
    response = exchange(server, code, verifier, client_id="nobody")
    # RFC 6749 §5.2: 401 is required only when the client sent an Authorization header.
    assert response.status_code in (400, 401), response.text
    assert response.json()["error"] == "invalid_client"
    # The code survives a stranger's attempt and still works for its own client.
    assert exchange(server, code, verifier).status_code == 200


def test_wrong_code_verifier_is_invalid_grant(server: LiveServer) -> None:
    code, _ = challenge_code(server)
    other_verifier, _ = pkce_pair()
    assert_oauth_error(exchange(server, code, other_verifier), 400, "invalid_grant")


def test_missing_code_verifier_is_invalid_request(server: LiveServer) -> None:
    code, _ = challenge_code(server)
    assert_oauth_error(exchange(server, code, None), 400, "invalid_request")


def test_made_up_code_is_invalid_grant(server: LiveServer) -> None:
    verifier, _ = pkce_pair()
    assert_oauth_error(exchange(server, "x" * 43, verifier), 400, "invalid_grant")
