"""Tokens the server issues: JWTs checked against its JWKS, userinfo, refresh rotation and
families, RFC 7009 revocation, RFC 7662 introspection, and where secrets must never appear."""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from tests.server.conftest import (
    ALICE,
    BOB,
    NATIVE_CLIENT,
    LiveServer,
    pkce_pair,
    stored_bytes,
    wait_for_effects,
)


def jwks(server: LiveServer) -> KeySet:
    uri = server.get("/.well-known/openid-configuration").json()["jwks_uri"]
    response = requests.get(uri, timeout=30)
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


def verify(server: LiveServer, token: str, **claims: Any) -> jwt.Token:
    """Decode ``token`` with the published keys and check the registered claims given."""
    decoded = jwt.decode(token, jwks(server), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        **{k: {"essential": True, "value": v} for k, v in claims.items()}
    ).validate(decoded.claims)
    return decoded


def userinfo(server: LiveServer, access_token: str) -> requests.Response:
    return server.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def revoke(
    server: LiveServer, token: str, client_id: str = NATIVE_CLIENT, hint: str | None = None
) -> requests.Response:
    data = {"token": token, "client_id": client_id}
    if hint:
        data["token_type_hint"] = hint
    return server.post("/revoke", data=data)


def sign_in_with_nonce(server: LiveServer, nonce: str) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    code = server.challenge(*ALICE, challenge=challenge, nonce=nonce).json()["authorization_code"]
    response = server.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": NATIVE_CLIENT,
        },
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def api_client(server: LiveServer, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    return server.add_confidential_client()


# -- the access token -----------------------------------------------------------------------


def test_access_token_is_an_rs256_jwt_whose_kid_is_published(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    decoded = verify(server, tokens["access_token"])
    assert decoded.header["alg"] == "RS256"
    assert decoded.header["typ"] == "at+jwt"
    published = server.get("/jwks.json").json()["keys"]
    assert decoded.header["kid"] in [key["kid"] for key in published]


def test_access_token_carries_the_identity_claims(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    decoded = verify(server, tokens["access_token"], iss=server.url, aud=NATIVE_CLIENT)
    claims = decoded.claims
    assert {"iss", "sub", "aud", "exp", "iat", "jti", "preferred_username", "roles"} <= set(claims)
    assert claims["preferred_username"] == "alice"
    assert claims["roles"] == ["admin", "editor"]
    assert claims["iat"] <= time.time() + 5
    assert claims["exp"] - claims["iat"] == tokens["expires_in"]


def test_every_access_token_has_its_own_jti(server: LiveServer) -> None:
    first = verify(server, server.sign_in(*ALICE)["access_token"]).claims
    second = verify(server, server.sign_in(*ALICE)["access_token"]).claims
    assert first["jti"] != second["jti"]


def test_access_token_does_not_verify_with_another_key(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    stranger = KeySet([RSAKey.generate_key(2048, auto_kid=True)])
    with pytest.raises(JoseError):
        jwt.decode(tokens["access_token"], stranger, algorithms=["RS256"])


# -- the ID token ---------------------------------------------------------------------------


def test_id_token_verifies_against_the_jwks_for_this_client_and_issuer(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    decoded = verify(server, tokens["id_token"], iss=server.url, aud=NATIVE_CLIENT)
    assert decoded.header["alg"] == "RS256"
    assert decoded.claims["sub"] == verify(server, tokens["access_token"]).claims["sub"]
    assert decoded.claims["exp"] > time.time()


def test_id_token_at_hash_matches_the_access_token(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    claims = verify(server, tokens["id_token"]).claims
    digest = hashlib.sha256(tokens["access_token"].encode("ascii")).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_id_token_echoes_the_nonce_sent_with_the_challenge(server: LiveServer) -> None:
    tokens = sign_in_with_nonce(server, "n-0S6_WzA2Mj")
    assert verify(server, tokens["id_token"]).claims["nonce"] == "n-0S6_WzA2Mj"


def test_no_id_token_without_openid_scope(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE, scope="profile offline_access")
    assert "id_token" not in tokens
    assert userinfo(server, tokens["access_token"]).status_code == 200


def test_refresh_issues_a_new_id_token_for_the_same_subject(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    renewed = server.refresh(tokens["refresh_token"]).json()
    claims = verify(server, renewed["id_token"], iss=server.url, aud=NATIVE_CLIENT).claims
    assert claims["sub"] == verify(server, tokens["id_token"]).claims["sub"]


def test_id_token_is_not_accepted_as_an_access_token(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    assert userinfo(server, tokens["id_token"]).status_code == 401


# -- userinfo -------------------------------------------------------------------------------


def test_userinfo_returns_the_users_claims(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    response = userinfo(server, tokens["access_token"])
    assert response.status_code == 200
    claims = response.json()
    assert claims["sub"] == verify(server, tokens["access_token"]).claims["sub"]
    assert claims["preferred_username"] == "alice"
    assert claims["roles"] == ["admin", "editor"]
    assert claims["email"] == "alice@example.org"
    assert claims["name"] == "Alice"


def test_userinfo_tells_users_apart(server: LiveServer) -> None:
    alice = userinfo(server, server.sign_in(*ALICE)["access_token"]).json()
    bob = userinfo(server, server.sign_in(*BOB)["access_token"]).json()
    assert bob["preferred_username"] == "bob"
    assert bob["roles"] == ["viewer"]
    assert bob["sub"] != alice["sub"]


def test_userinfo_without_a_token_is_401_with_www_authenticate(server: LiveServer) -> None:
    response = server.get("/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",  # alg none
        "a.b.c",
    ],
)
def test_userinfo_with_a_garbage_token_is_401_invalid_token(server: LiveServer, token: str) -> None:
    response = userinfo(server, token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_userinfo_refuses_a_token_signed_by_another_key(server: LiveServer) -> None:
    genuine = verify(server, server.sign_in(*ALICE)["access_token"])
    forger = RSAKey.generate_key(2048, parameters={"kid": genuine.header["kid"]})
    forged = jwt.encode(dict(genuine.header), dict(genuine.claims), forger, algorithms=["RS256"])
    response = userinfo(server, forged)
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_userinfo_refuses_an_expired_access_token(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(access_token_lifetime=1)
    server.add_user(*BOB)
    tokens = server.sign_in(*BOB)
    assert userinfo(server, tokens["access_token"]).status_code == 200
    time.sleep(1.5)
    response = userinfo(server, tokens["access_token"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


# -- refresh: rotation and families ---------------------------------------------------------


def test_refresh_rotates_the_refresh_token_and_issues_a_working_access_token(
    server: LiveServer,
) -> None:
    tokens = server.sign_in(*ALICE)
    response = server.refresh(tokens["refresh_token"])
    assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["access_token"] != tokens["access_token"]
    assert userinfo(server, renewed["access_token"]).json()["preferred_username"] == "alice"
    assert server.refresh(renewed["refresh_token"]).status_code == 200


def test_spent_refresh_token_is_invalid_grant(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    assert server.refresh(tokens["refresh_token"]).status_code == 200
    reused = server.refresh(tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_reuse_of_a_spent_refresh_token_revokes_the_whole_family(server: LiveServer) -> None:
    first = server.sign_in(*ALICE)
    second = server.refresh(first["refresh_token"]).json()
    newest = server.refresh(second["refresh_token"]).json()
    assert userinfo(server, newest["access_token"]).status_code == 200

    assert server.refresh(first["refresh_token"]).json()["error"] == "invalid_grant"

    refused = server.refresh(newest["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert userinfo(server, newest["access_token"]).status_code == 401
    assert userinfo(server, first["access_token"]).status_code == 401


def test_family_revocation_spares_another_sign_in_of_the_same_user(server: LiveServer) -> None:
    stolen = server.sign_in(*ALICE)
    laptop = server.sign_in(*ALICE)
    server.refresh(stolen["refresh_token"])
    server.refresh(stolen["refresh_token"])  # reuse: revokes the stolen family only

    assert userinfo(server, laptop["access_token"]).status_code == 200
    assert server.refresh(laptop["refresh_token"]).status_code == 200


def test_refresh_token_is_refused_to_another_client_and_survives(server: LiveServer) -> None:
    assert server.cli("client", "add", "other-app") == 0
    tokens = server.sign_in(*ALICE)
    stolen = server.refresh(tokens["refresh_token"], client_id="other-app")
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert server.refresh(tokens["refresh_token"]).status_code == 200


def test_made_up_refresh_token_is_invalid_grant(server: LiveServer) -> None:
    response = server.refresh("not-a-refresh-token")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_expired_refresh_token_is_invalid_grant(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(refresh_token_lifetime=1)
    server.add_user(*BOB)
    tokens = server.sign_in(*BOB)
    time.sleep(1.5)
    assert server.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_disabling_a_user_ends_their_tokens(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*BOB)
    assert server.cli("user", "disable", "bob") == 0
    assert userinfo(server, tokens["access_token"]).status_code == 401
    assert server.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert server.introspect(tokens["access_token"], api_client).json() == {"active": False}


# -- RFC 7009 revocation --------------------------------------------------------------------


def test_revoking_a_refresh_token_ends_refresh_and_its_access_tokens(server: LiveServer) -> None:
    first = server.sign_in(*ALICE)
    current = server.refresh(first["refresh_token"]).json()

    response = revoke(server, current["refresh_token"])
    assert response.status_code == 200

    assert server.refresh(current["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(server, current["access_token"]).status_code == 401
    assert userinfo(server, first["access_token"]).status_code == 401


def test_revoking_an_access_token_makes_userinfo_refuse_it(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    response = revoke(server, tokens["access_token"], hint="access_token")
    assert response.status_code == 200
    assert userinfo(server, tokens["access_token"]).status_code == 401


def test_revoking_an_unknown_token_is_200(server: LiveServer) -> None:
    assert revoke(server, "never-issued").status_code == 200


def test_revocation_spares_other_sign_ins(server: LiveServer) -> None:
    revoked = server.sign_in(*ALICE)
    kept = server.sign_in(*ALICE)
    assert revoke(server, revoked["refresh_token"]).status_code == 200
    assert userinfo(server, kept["access_token"]).status_code == 200
    assert server.refresh(kept["refresh_token"]).status_code == 200


def test_another_public_client_cannot_revoke_the_token(server: LiveServer) -> None:
    assert server.cli("client", "add", "other-app") == 0
    tokens = server.sign_in(*ALICE)
    refused = revoke(server, tokens["refresh_token"], client_id="other-app")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert userinfo(server, tokens["access_token"]).status_code == 200
    assert server.refresh(tokens["refresh_token"]).status_code == 200


def test_a_confidential_client_cannot_revoke_another_clients_token(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    # RFC 7009 §2.1: the token must have been issued to the client that asks.
    tokens = server.sign_in(*ALICE)
    for token in (tokens["refresh_token"], tokens["access_token"]):
        refused = server.post("/revoke", data={"token": token}, auth=api_client)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
    assert userinfo(server, tokens["access_token"]).status_code == 200
    assert server.refresh(tokens["refresh_token"]).status_code == 200


def test_revocation_without_a_client_is_invalid_client(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    response = server.post("/revoke", data={"token": tokens["refresh_token"]})
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
    assert server.refresh(tokens["refresh_token"]).status_code == 200


# -- RFC 7662 introspection -----------------------------------------------------------------


def test_introspection_of_an_active_access_token(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*ALICE)
    response = server.introspect(tokens["access_token"], api_client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["active"] is True
    assert body["sub"] == verify(server, tokens["access_token"]).claims["sub"]
    assert body["username"] == "alice"
    assert set(body["scope"].split()) == set(tokens["scope"].split())
    assert body["client_id"] == NATIVE_CLIENT
    assert abs(body["exp"] - (time.time() + tokens["expires_in"])) < 30


def test_introspection_of_an_active_refresh_token(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*ALICE)
    body = server.introspect(tokens["refresh_token"], api_client).json()
    assert body["active"] is True
    assert body["username"] == "alice"
    assert body["client_id"] == NATIVE_CLIENT


def test_introspection_with_client_secret_post(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*ALICE)
    client_id, secret = api_client
    response = server.post(
        "/introspect",
        data={"token": tokens["access_token"], "client_id": client_id, "client_secret": secret},
    )
    assert response.json()["active"] is True


def test_revoked_token_introspects_inactive(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*ALICE)
    revoke(server, tokens["refresh_token"])
    assert server.introspect(tokens["access_token"], api_client).json() == {"active": False}
    assert server.introspect(tokens["refresh_token"], api_client).json() == {"active": False}


def test_spent_refresh_token_introspects_inactive(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*ALICE)
    server.refresh(tokens["refresh_token"])
    assert server.introspect(tokens["refresh_token"], api_client).json() == {"active": False}


def test_expired_access_token_introspects_inactive(
    start_server: Callable[..., LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(access_token_lifetime=1)
    server.add_user(*BOB)
    api = server.add_confidential_client()
    tokens = server.sign_in(*BOB)
    assert server.introspect(tokens["access_token"], api).json()["active"] is True
    time.sleep(1.5)
    body = server.introspect(tokens["access_token"], api).json()
    assert body == {"active": False}


def test_garbage_token_introspects_inactive(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    assert server.introspect("garbage", api_client).json() == {"active": False}


def test_public_client_may_not_introspect(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    response = server.post(
        "/introspect", data={"token": tokens["access_token"], "client_id": NATIVE_CLIENT}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "active" not in response.json()


def test_introspection_with_a_wrong_secret_is_invalid_client(
    server: LiveServer, api_client: tuple[str, str]
) -> None:
    tokens = server.sign_in(*ALICE)
    response = server.introspect(tokens["access_token"], (api_client[0], "wrong-secret"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


# -- secrets stay out of storage, audit and mail --------------------------------------------


def test_no_password_code_or_token_is_stored_audited_or_mailed(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong_password = "alice's old password 1987"
    assert server.challenge(ALICE[0], wrong_password).status_code == 400
    verifier, challenge = pkce_pair()
    code = server.challenge(*ALICE, challenge=challenge).json()["authorization_code"]
    first = server.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": NATIVE_CLIENT,
        },
    ).json()
    second = server.refresh(first["refresh_token"]).json()
    assert revoke(server, second["refresh_token"]).status_code == 200
    wait_for_effects(server)

    capsys.readouterr()
    assert server.cli("audit", "export") == 0
    audit = capsys.readouterr().out
    database = stored_bytes(server)
    mails = list((server.data_dir / "outbox").glob("*.eml"))
    # Guard against a vacuous pass: there is something to search in each place.
    assert "user_logged_in" in audit
    assert "token_revoked" in audit
    assert b"alice" in database
    assert mails

    secrets = {
        "password": ALICE[1],
        "wrong password": wrong_password,
        "authorization code": code,
        "code verifier": verifier,
        "first access token": first["access_token"],
        "first refresh token": first["refresh_token"],
        "ID token": first["id_token"],
        "second access token": second["access_token"],
        "second refresh token": second["refresh_token"],
    }
    mail = b"".join(path.read_bytes() for path in mails)
    for what, secret in secrets.items():
        assert secret not in audit, f"{what} in the audit export"
        assert secret.encode() not in database, f"{what} in the database files"
        assert secret.encode() not in mail, f"{what} in the outbox mail"


def test_debug_logging_shows_no_token_the_server_issues(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Authlib logs each token response it issues at DEBUG; an operator chasing a problem
    with debug logging on must not find live tokens in the log."""
    caplog.set_level(logging.DEBUG)
    first = server.sign_in(*ALICE)
    second = server.refresh(first["refresh_token"]).json()
    password_client = server.password_grant(*ALICE, client_id=NATIVE_CLIENT)
    assert any(record.name.startswith("authlib") for record in caplog.records)
    secrets = [first[name] for name in ("access_token", "refresh_token", "id_token")]
    secrets += [second["access_token"], second["refresh_token"]]
    assert password_client.status_code in (400, 401)  # the native client may not; still logged
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in secrets:
        assert secret not in logged
