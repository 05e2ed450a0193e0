"""The DOT fixture itself: what an independent provider with opaque tokens looks like to a client.

These pin down the facts the client has to cope with, so a change in DOT shows up here first.
"""

from __future__ import annotations

import requests

from tests.interop.conftest import DotServer


def _password_grant(
    server: DotServer, username: str, password: str, scope: str
) -> requests.Response:
    return requests.post(
        server.url + "/o/token/",
        data={
            "grant_type": "password",
            "client_id": server.client_id,
            "username": username,
            "password": password,
            "scope": scope,
        },
        timeout=30,
    )


def test_discovery_names_the_o_prefix_as_issuer_and_lists_no_grant_types(dot_server):
    discovery = requests.get(dot_server.discovery_url, timeout=10).json()

    assert discovery["issuer"] == dot_server.issuer
    assert discovery["token_endpoint"] == dot_server.issuer + "/token/"
    assert discovery["userinfo_endpoint"] == dot_server.issuer + "/userinfo/"
    assert "grant_types_supported" not in discovery
    assert "authorization_challenge_endpoint" not in discovery
    assert set(discovery["scopes_supported"]) == {"openid", "profile", "email"}
    assert "groups" in discovery["claims_supported"]


def test_password_grant_gives_an_opaque_access_token_and_no_id_token(dot_server):
    response = _password_grant(
        dot_server, "alice", dot_server.passwords["alice"], "openid profile email"
    )

    assert response.status_code == 200, response.text
    tokens = response.json()
    assert "id_token" not in tokens
    assert tokens["access_token"].count(".") == 0  # not a JWT
    assert tokens["refresh_token"]


def test_userinfo_gives_identity_and_groups_for_the_opaque_token(dot_server):
    tokens = _password_grant(
        dot_server, "bob", dot_server.passwords["bob"], "openid profile email"
    ).json()

    userinfo = requests.get(
        dot_server.issuer + "/userinfo/",
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        timeout=10,
    ).json()

    assert userinfo["preferred_username"] == "bob"
    assert userinfo["name"] == "Bob Builder"
    assert userinfo["email"] == "bob@example.org"
    assert userinfo["groups"] == ["viewer"]


def test_wrong_password_is_invalid_grant(dot_server):
    response = _password_grant(dot_server, "alice", "not-her-password", "openid")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_scope_outside_scopes_supported_is_refused(dot_server):
    # A client asking for offline_access unconditionally fails here: DOT refuses the whole
    # request instead of dropping the unknown scope.
    response = _password_grant(
        dot_server, "alice", dot_server.passwords["alice"], "openid offline_access"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
