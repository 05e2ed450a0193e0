"""Fault matrix, tokens: the issuer rotating its signing key in the middle of a session, and
ID tokens that must be refused when they come back from a refresh (the session is kept,
not replaced by an unverified identity).

The same tokens at sign-in are refused in tests/client/test_validation.py (unknown key,
alg none, HS256 with the public key, expired, iat in the future, wrong audience, wrong
issuer); only nbf in the future at sign-in is new here."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from joserfc.jwk import RSAKey

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc import OIDCClient
from tests.client.conftest import TokenForge, hs256_with_public_key, unsigned_token

PASSWORD = "any password at all"


@pytest.fixture
def forge_client(forge: TokenForge, make_client: Callable[..., OIDCClient]) -> OIDCClient:
    return make_client(forge.issuer, allow_password_grant=True)


def bad_token(forge: TokenForge, kind: str) -> tuple[str, str]:
    """An ID token that must be refused, and what the refusal must say."""
    now = int(time.time())
    if kind == "unknown-key":
        stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
        return forge.sign(forge.claims(), key=stranger), "a key it does not publish"
    if kind == "alg-none":
        return unsigned_token(forge.claims()), "alg none"
    if kind == "hs256-public-key":
        return hs256_with_public_key(forge), "'HS256'"
    if kind == "expired":
        return forge.sign(forge.claims(iat=now - 900, exp=now - 120)), "expired"
    if kind == "not-yet-valid":
        return forge.sign(forge.claims(nbf=now + 600, exp=now + 900)), "in the future (nbf)"
    if kind == "wrong-audience":
        return forge.sign(forge.claims(aud="other-app")), "'other-app'"
    if kind == "wrong-issuer":
        return forge.sign(forge.claims(iss="https://impostor.example")), "impostor.example"
    raise AssertionError(kind)


def test_a_key_rotated_mid_session_is_fetched_once_and_the_refresh_validates(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    forge.issue(forge.sign(forge.claims()))
    session = forge_client.sign_in("carol", PASSWORD)
    assert forge.jwks_fetches == 1

    # The server retires key-1 altogether and signs with key-2 from now on.
    rotated = RSAKey.generate_key(2048, parameters={"kid": "key-2"})
    forge.publish_keys(rotated)
    forge.issue(forge.sign(forge.claims(name="Carol R."), key=rotated))
    renewed = forge_client.refresh(session)

    assert renewed.display_name == "Carol R."
    assert renewed.subject == session.subject
    assert forge.jwks_fetches == 2

    forge.issue(forge.sign(forge.claims(name="Carol R. again"), key=rotated))
    assert forge_client.refresh(renewed).display_name == "Carol R. again"
    assert forge.jwks_fetches == 2  # key-2 is known now


def test_a_token_not_valid_before_a_future_time_is_refused_at_sign_in(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    token, expected = bad_token(forge, "not-yet-valid")
    forge.issue(token)

    with pytest.raises(ProtocolError) as error:
        forge_client.sign_in("carol", PASSWORD)

    assert expected in error.value.message


@pytest.mark.parametrize(
    "kind",
    [
        "unknown-key",
        "alg-none",
        "hs256-public-key",
        "expired",
        "not-yet-valid",
        "wrong-audience",
        "wrong-issuer",
    ],
)
def test_a_bad_id_token_from_a_refresh_is_refused(
    forge: TokenForge, forge_client: OIDCClient, kind: str
) -> None:
    forge.issue(forge.sign(forge.claims()))
    session = forge_client.sign_in("carol", PASSWORD)
    token, expected = bad_token(forge, kind)
    forge.issue(token)

    with pytest.raises(ProtocolError) as error:
        forge_client.refresh(session)

    message = error.value.message
    assert error.value.kind == "protocol"
    assert expected in message
    assert token not in message
    assert "opaque-refresh-token" not in message
