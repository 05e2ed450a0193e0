"""Discovery documents (OpenID Connect and RFC 8414) and the JWKS they point to."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.server.conftest import LiveServer

DOCUMENTS = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]

ENDPOINTS = [
    "authorization_endpoint",
    "authorization_challenge_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
]
# How a client first calls each endpoint; an empty request must reach the endpoint (not 404).
METHODS = {
    "authorization_endpoint": "GET",
    "authorization_challenge_endpoint": "POST",
    "token_endpoint": "POST",
    "jwks_uri": "GET",
    "userinfo_endpoint": "GET",
    "revocation_endpoint": "POST",
    "introspection_endpoint": "POST",
}
PRIVATE_KEY_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def discovery(server: LiveServer, path: str) -> dict[str, Any]:
    response = server.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("path", DOCUMENTS)
def test_issuer_is_the_server_url(server: LiveServer, path: str) -> None:
    assert discovery(server, path)["issuer"] == server.url


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_endpoint_is_advertised_under_the_issuer(server: LiveServer, path: str) -> None:
    document = discovery(server, path)
    missing = [name for name in ENDPOINTS if name not in document]
    assert not missing
    for name in ENDPOINTS:
        assert document[name].startswith(server.url + "/"), name


@pytest.mark.parametrize("path", DOCUMENTS)
def test_only_s256_pkce_is_advertised(server: LiveServer, path: str) -> None:
    assert discovery(server, path)["code_challenge_methods_supported"] == ["S256"]


def test_both_documents_say_the_same(server: LiveServer) -> None:
    assert discovery(server, DOCUMENTS[0]) == discovery(server, DOCUMENTS[1])


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_advertised_endpoint_answers(server: LiveServer, name: str) -> None:
    url = discovery(server, DOCUMENTS[0])[name]
    response = requests.request(METHODS[name], url, timeout=30, allow_redirects=False)
    assert response.status_code != 404, f"{name} at {url}"
    assert response.status_code < 500, f"{name} at {url}: {response.status_code}"


def test_jwks_publishes_public_rs256_signing_keys_only(server: LiveServer) -> None:
    jwks_uri = discovery(server, DOCUMENTS[0])["jwks_uri"]
    keys = requests.get(jwks_uri, timeout=30).json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["kid"]
        assert key.get("alg", "RS256") == "RS256"
        assert not PRIVATE_KEY_MEMBERS & set(key), "private key material published"


def test_advertised_id_token_algorithm_is_rs256(server: LiveServer) -> None:
    document = discovery(server, DOCUMENTS[0])
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "none" not in document["id_token_signing_alg_values_supported"]


def test_public_clients_are_advertised_for_the_token_endpoint(server: LiveServer) -> None:
    document = discovery(server, DOCUMENTS[0])
    assert "none" in document["token_endpoint_auth_methods_supported"]
    assert "none" not in document["introspection_endpoint_auth_methods_supported"]
    assert {"authorization_code", "refresh_token"} <= set(document["grant_types_supported"])
