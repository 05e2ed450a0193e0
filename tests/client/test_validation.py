"""ID tokens are checked against the issuer's JWKS: signature, algorithm, iss, aud, exp, nonce."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from urllib.parse import parse_qs

import pytest
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc import OIDCClient
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.validation import JWKSCache, TokenValidator
from tests.client.conftest import (
    CLIENT_ID,
    JsonServer,
    TokenForge,
    hs256_with_public_key,
    unsigned_token,
)

PASSWORD = "any password at all"


@pytest.fixture
def forge_client(forge: TokenForge, make_client: Callable[..., OIDCClient]) -> OIDCClient:
    """A client of the forge's issuer, signing in with the password grant it advertises."""
    return make_client(forge.issuer, allow_password_grant=True)


@pytest.fixture
def validator(forge: TokenForge) -> TokenValidator:
    http = HttpClient()
    return TokenValidator(JWKSCache(http, forge.issuer + "/jwks"), forge.issuer, CLIENT_ID)


def rejected(client: OIDCClient) -> str:
    with pytest.raises(ProtocolError) as error:
        client.sign_in("carol", PASSWORD)
    return error.value.message


def test_a_valid_id_token_gives_the_session_its_identity(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    forge.issue(forge.sign(forge.claims()))

    session = forge_client.sign_in("carol", PASSWORD)

    assert session.subject == "42"
    assert session.username == "carol"
    assert session.display_name == "Carol"
    assert session.roles == frozenset({"viewer"})
    assert session.permissions == frozenset({"documents.read"})


def test_an_unsigned_token_is_refused(forge: TokenForge, forge_client: OIDCClient) -> None:
    forge.issue(unsigned_token(forge.claims()))

    assert "alg none" in rejected(forge_client)


def test_an_hmac_token_is_refused_even_when_keyed_with_the_public_key(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    # The classic confusion: HS256 with the server's public key as the HMAC secret.
    forge.issue(hs256_with_public_key(forge))

    message = rejected(forge_client)

    assert "'HS256'" in message
    assert "not allowed" in message


def test_an_hs256_token_with_a_shared_secret_is_refused(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    secret = OctKey.generate_key(256, parameters={"kid": "key-1"})
    forge.issue(forge.sign(forge.claims(), key=secret, alg="HS256"))

    assert "'HS256'" in rejected(forge_client)


def test_a_token_for_another_client_is_refused(forge: TokenForge, forge_client: OIDCClient) -> None:
    forge.issue(forge.sign(forge.claims(aud="other-app")))

    message = rejected(forge_client)

    assert "'other-app'" in message
    assert "--client-id" in message


def test_a_token_from_another_issuer_is_refused(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    forge.issue(forge.sign(forge.claims(iss="https://impostor.example.com")))

    assert "issued by 'https://impostor.example.com'" in rejected(forge_client)


def test_an_expired_token_is_refused(forge: TokenForge, forge_client: OIDCClient) -> None:
    now = int(time.time())
    forge.issue(forge.sign(forge.claims(iat=now - 900, exp=now - 120)))

    assert "expired" in rejected(forge_client)


def test_a_token_expired_within_the_leeway_is_accepted(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    now = int(time.time())
    forge.issue(forge.sign(forge.claims(iat=now - 600, exp=now - 30)))

    assert forge_client.sign_in("carol", PASSWORD).username == "carol"


def test_a_token_without_expiry_is_refused(forge: TokenForge, forge_client: OIDCClient) -> None:
    forge.issue(forge.sign(forge.claims(exp=None)))

    assert "(exp)" in rejected(forge_client)


def test_a_token_with_a_forged_signature_is_refused(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "key-1"})  # same kid, other key
    forge.issue(forge.sign(forge.claims(), key=impostor))

    assert "invalid signature" in rejected(forge_client)


@pytest.mark.parametrize(
    ("make_key", "alg"),
    [
        (lambda: RSAKey.generate_key(2048, parameters={"kid": "ps"}), "PS256"),
        (lambda: ECKey.generate_key("P-256", parameters={"kid": "ec"}), "ES256"),
        (lambda: ECKey.generate_key("P-384", parameters={"kid": "ec384"}), "ES384"),
        (lambda: OKPKey.generate_key("Ed25519", parameters={"kid": "ed"}), "EdDSA"),
    ],
)
def test_other_asymmetric_algorithms_are_accepted(
    forge: TokenForge, forge_client: OIDCClient, make_key: Callable[[], object], alg: str
) -> None:
    key = make_key()
    forge.publish_keys(forge.key, key)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        # joserfc warns when *signing* with the name "EdDSA"; the client must not warn when
        # checking it, which filterwarnings=error enforces below.
        warnings.simplefilter("ignore", SecurityWarning)
        token = forge.sign(forge.claims(), key=key, alg=alg)  # type: ignore[arg-type]
    forge.issue(token)

    assert forge_client.sign_in("carol", PASSWORD).subject == "42"


# --- key rotation -----------------------------------------------------------------------------


def test_an_unknown_kid_fetches_the_jwks_once_more(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    forge.issue(forge.sign(forge.claims()))
    forge_client.sign_in("carol", PASSWORD)
    assert forge.jwks_fetches == 1

    rotated = RSAKey.generate_key(2048, parameters={"kid": "key-2"})
    forge.publish_keys(forge.key, rotated)
    forge.issue(forge.sign(forge.claims(), key=rotated))
    forge_client.sign_in("carol", PASSWORD)
    assert forge.jwks_fetches == 2

    forge_client.sign_in("carol", PASSWORD)  # key-2 is known now
    assert forge.jwks_fetches == 2


def test_a_kid_the_server_never_publishes_is_refused_after_one_refetch(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    forge.issue(forge.sign(forge.claims()))
    forge_client.sign_in("carol", PASSWORD)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    forge.issue(forge.sign(forge.claims(), key=stranger))

    message = rejected(forge_client)

    assert "'stranger'" in message
    assert "does not publish" in message
    assert forge.jwks_fetches == 2


# --- nonce and subject (the validator directly) -----------------------------------------------


def test_the_nonce_sent_must_come_back(forge: TokenForge, validator: TokenValidator) -> None:
    token = forge.sign(forge.claims(nonce="n-123"))

    assert validator.validate_id_token(token, nonce="n-123")["sub"] == "42"
    with pytest.raises(ProtocolError, match="nonce"):
        validator.validate_id_token(token, nonce="n-456")
    with pytest.raises(ProtocolError, match="nonce"):
        validator.validate_id_token(forge.sign(forge.claims()), nonce="n-123")


def test_a_renewed_token_must_be_about_the_same_user(
    forge: TokenForge, validator: TokenValidator
) -> None:
    with pytest.raises(ProtocolError, match="another user"):
        validator.validate_id_token(forge.sign(forge.claims(sub="43")), subject="42")


def test_a_token_dated_in_the_future_is_refused(
    forge: TokenForge, validator: TokenValidator
) -> None:
    now = int(time.time())
    with pytest.raises(ProtocolError, match="clock"):
        validator.validate_id_token(forge.sign(forge.claims(iat=now + 600, exp=now + 900)))


def test_several_audiences_need_azp_to_be_this_client(
    forge: TokenForge, validator: TokenValidator
) -> None:
    both = [CLIENT_ID, "api"]
    assert validator.validate_id_token(forge.sign(forge.claims(aud=both, azp=CLIENT_ID)))
    with pytest.raises(ProtocolError, match="azp"):
        validator.validate_id_token(forge.sign(forge.claims(aud=both, azp="api")))


# --- opaque access tokens, userinfo and roles from several places -----------------------------


def test_opaque_access_token_and_no_id_token_use_userinfo(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    # What Django OAuth Toolkit gives: no ID token, an opaque token, claims from userinfo.
    forge.issue(None)
    forge.userinfo(sub="7", preferred_username="dave", name="Dave", groups=["admin"])

    session = forge_client.sign_in("dave", PASSWORD)

    assert session.subject == "7"
    assert session.username == "dave"
    assert session.roles == frozenset({"admin"})
    assert session.permissions == frozenset({"*"})
    assert session.tokens is not None
    assert session.tokens.id_token is None


def test_roles_are_merged_from_id_token_verified_access_token_and_userinfo(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    access_token = forge.sign(forge.claims(aud="api", roles=None, realm_access={"roles": ["x"]}))
    forge.issue(forge.sign(forge.claims(roles=["viewer"])), access_token=access_token)
    forge.userinfo(sub="42", groups=["/editor"])

    session = forge_client.sign_in("carol", PASSWORD)

    assert session.roles == frozenset({"viewer", "x", "editor"})
    assert session.permissions == frozenset({"documents.read", "documents.write", "reports.view"})


def test_an_access_token_that_does_not_verify_adds_no_roles(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    access_token = forge.sign(forge.claims(roles=["admin"]), key=stranger)
    forge.issue(forge.sign(forge.claims(roles=["viewer"])), access_token=access_token)

    session = forge_client.sign_in("carol", PASSWORD)

    assert session.roles == frozenset({"viewer"})


def test_userinfo_about_another_user_is_refused(
    forge: TokenForge, forge_client: OIDCClient
) -> None:
    forge.issue(forge.sign(forge.claims()))
    forge.userinfo(sub="666", roles=["admin"])

    assert "another user" in rejected(forge_client)


def test_a_configured_claim_path_is_the_only_source_of_roles(
    forge: TokenForge, make_client: Callable[..., OIDCClient]
) -> None:
    forge.issue(forge.sign(forge.claims(roles=["admin"], app={"authz": {"roles": ["viewer"]}})))
    client = make_client(forge.issuer, allow_password_grant=True, roles_claim="app.authz.roles")

    session = client.sign_in("carol", PASSWORD)

    assert session.roles == frozenset({"viewer"})


def test_only_scopes_the_server_lists_are_requested(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    forge = TokenForge(json_server, "listed", scopes_supported=["openid", "profile", "email"])
    forge.issue(forge.sign(forge.claims()))

    make_client(forge.issuer, allow_password_grant=True).sign_in("carol", PASSWORD)

    (sent,) = [body for method, path, body in json_server.bodies if path == forge.token_path]
    assert parse_qs(sent.decode())["scope"] == ["openid profile email"]  # no offline_access
