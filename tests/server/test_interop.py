"""A standard OAuth client (Authlib's requests integration) signs in through the browser flow."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import KeySet

from tests.server.conftest import ALICE, NATIVE_CLIENT, REDIRECT_URI, LiveServer, LoginPage

SCOPE = "openid profile"


def discover(server: LiveServer) -> dict[str, Any]:
    response = requests.get(f"{server.url}/.well-known/openid-configuration", timeout=30)
    response.raise_for_status()
    metadata: dict[str, Any] = response.json()
    return metadata


def new_client(metadata: dict[str, Any]) -> OAuth2Session:
    return OAuth2Session(
        client_id=NATIVE_CLIENT,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        token_endpoint=metadata["token_endpoint"],
    )


def user_signs_in(authorization_url: str, username: str, password: str) -> str:
    """What the user does in the system browser; returns where the browser is sent back to."""
    with requests.Session() as browser:
        page = browser.get(authorization_url, timeout=30)
        assert page.status_code == 200, page.text
        form = LoginPage(page.text).fields
        sent = browser.post(
            page.url,
            data={**form, "username": username, "password": password, "action": "login"},
            allow_redirects=False,
            timeout=30,
        )
    assert sent.status_code in (302, 303), sent.text
    location: str = sent.headers["Location"]
    return location


def validated_id_token(metadata: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims, checked as an OIDC relying party must (Core §3.1.3.7)."""
    jwks = requests.get(metadata["jwks_uri"], timeout=30)
    jwks.raise_for_status()
    token = jwt.decode(
        id_token,
        KeySet.import_key_set(jwks.json()),
        algorithms=metadata["id_token_signing_alg_values_supported"],
    )
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": NATIVE_CLIENT},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    ).validate(token.claims)
    return dict(token.claims)


@pytest.fixture
def signed_in(server: LiveServer) -> tuple[dict[str, Any], OAuth2Session, str]:
    """Discovery, a client that has completed the code flow as alice, and the nonce it sent."""
    metadata = discover(server)
    client = new_client(metadata)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    location = user_signs_in(url, *ALICE)
    # Authlib checks state but not RFC 9207 iss: check it as the desktop app does.
    assert parse_qs(urlsplit(location).query)["iss"] == [metadata["issuer"]]
    client.fetch_token(authorization_response=location, state=state, code_verifier=verifier)
    return metadata, client, nonce


def test_discovery_issuer_is_the_server_url(server: LiveServer) -> None:
    metadata = discover(server)

    assert metadata["issuer"] == server.url
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_authlib_client_completes_the_code_flow_and_validates_the_id_token(
    signed_in: tuple[dict[str, Any], OAuth2Session, str],
) -> None:
    metadata, client, nonce = signed_in

    claims = validated_id_token(metadata, client.token["id_token"], nonce)

    assert claims["preferred_username"] == "alice"
    assert client.token["token_type"].lower() == "bearer"


def test_id_token_with_another_nonce_is_rejected(
    signed_in: tuple[dict[str, Any], OAuth2Session, str],
) -> None:
    # Proves the nonce check above is real: a replayed ID token must not pass.
    metadata, client, _ = signed_in

    with pytest.raises(InvalidClaimError):
        validated_id_token(metadata, client.token["id_token"], "another nonce")


def test_authlib_client_access_token_reads_userinfo(
    signed_in: tuple[dict[str, Any], OAuth2Session, str],
) -> None:
    metadata, client, _ = signed_in

    me = client.get(metadata["userinfo_endpoint"], timeout=30)

    assert me.status_code == 200
    assert me.json()["preferred_username"] == "alice"


def test_authlib_refresh_rotates_the_refresh_token(
    signed_in: tuple[dict[str, Any], OAuth2Session, str],
) -> None:
    metadata, client, _ = signed_in
    first = client.token["refresh_token"]

    client.refresh_token(metadata["token_endpoint"])
    second = client.token["refresh_token"]
    client.refresh_token(metadata["token_endpoint"])

    assert second != first
    assert client.token["refresh_token"] not in (first, second)
    with pytest.raises(OAuthError) as spent:
        client.refresh_token(metadata["token_endpoint"], refresh_token=first)
    assert spent.value.error == "invalid_grant"
