"""TokenVerifier against the real bundled server and an issuer whose keys the test holds:
what is let through, what is refused and with which RFC 6750 error, and that no token leaks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from desktop_auth.permissions import PermissionPolicy
from desktop_auth.resource import (
    AccessError,
    InsufficientPermission,
    InvalidRequest,
    Issuer,
    MissingToken,
    TokenRejected,
    TokenVerifier,
    VerifierUnavailable,
)
from tests.client.conftest import DISCOVERY, JsonServer, TLSFiles, TokenForge
from tests.resource.conftest import (
    ALICE,
    BOB,
    CLIENT_ID,
    LiveServer,
    OpaqueIssuer,
    assert_never_shows,
    expired_claims,
    hs256_with_public_key,
    issuer_config,
    unsigned_token,
)
from tests.server.conftest import free_port


def refusal(verifier: TokenVerifier, token: str, permission: str | None = None) -> AccessError:
    with pytest.raises(AccessError) as raised:
        verifier.check(f"Bearer {token}", permission)
    return raised.value


# --- the bundled server ----------------------------------------------------------------------


def test_an_admins_token_from_the_bundled_server_gives_her_principal(
    server: LiveServer, bundled_verifier: TokenVerifier
) -> None:
    token = server.sign_in(*ALICE)["access_token"]

    principal = bundled_verifier.check(f"Bearer {token}", "documents.write")

    assert principal.username == "alice"
    assert principal.issuer == server.url
    assert principal.client_id == CLIENT_ID
    assert principal.roles == {"admin", "editor"}
    assert principal.permissions == {"*"}
    assert principal.allows("anything.at.all")
    assert {"openid", "profile"} <= principal.scopes
    assert principal.expires_at is not None
    assert principal.expires_at > time.time()
    assert principal.claims["preferred_username"] == "alice"
    assert repr(principal) == (
        f"Principal(subject={principal.subject!r}, issuer={server.url!r}, "
        "roles=['admin', 'editor'])"
    )
    with pytest.raises(TypeError):
        principal.claims["roles"] = ["viewer"]  # type: ignore[index]


def test_a_viewer_may_read_but_not_write(
    server: LiveServer, bundled_verifier: TokenVerifier
) -> None:
    header = f"Bearer {server.sign_in(*BOB)['access_token']}"

    assert bundled_verifier.check(header, "documents.read").username == "bob"
    with pytest.raises(InsufficientPermission) as denied:
        bundled_verifier.check(header, "documents.write")

    error = denied.value
    assert error.status == 403
    assert error.permission == "documents.write"
    assert error.principal.username == "bob"
    assert error.www_authenticate("api") == (
        'Bearer realm="api", error="insufficient_scope", '
        "error_description=\"The token does not grant the permission 'documents.write'.\""
    )
    assert error.response_body() == {
        "error": "insufficient_scope",
        "error_description": "The token does not grant the permission 'documents.write'.",
    }


def test_permissions_come_from_the_policy_file_given(
    server: LiveServer, make_verifier: Callable[..., TokenVerifier], tmp_path: Path
) -> None:
    policy = tmp_path / "permissions.toml"
    policy.write_text('[roles]\nviewer = ["documents.read", "reports.view"]\n')
    verifier = make_verifier(Issuer(server.url, CLIENT_ID), permissions=policy)

    principal = verifier.authenticate(f"Bearer {server.sign_in(*BOB)['access_token']}")

    assert principal.permissions == {"documents.read", "reports.view"}


def test_a_role_mapper_replaces_the_standard_role_claims(
    server: LiveServer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(
        Issuer(server.url, CLIENT_ID),
        role_mapper=lambda claims: {"editor"} if claims["preferred_username"] == "bob" else set(),
        permissions=PermissionPolicy.from_mapping({"editor": ["documents.write"]}),
    )

    principal = verifier.check(f"Bearer {server.sign_in(*BOB)['access_token']}", "documents.write")

    assert principal.roles == {"editor"}


def test_a_token_for_another_audience_is_refused(
    server: LiveServer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(Issuer(server.url, "reports-api"))

    error = refusal(verifier, server.sign_in(*ALICE)["access_token"])

    assert isinstance(error, TokenRejected)
    assert error.status == 401
    assert error.description == "The token's audience is not this API."
    assert error.www_authenticate("api") == (
        'Bearer realm="api", error="invalid_token", '
        'error_description="The token\'s audience is not this API."'
    )


def test_the_bundled_servers_token_is_refused_where_only_another_issuer_is_trusted(
    server: LiveServer, issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(Issuer(issuer.issuer, CLIENT_ID))

    error = refusal(verifier, server.sign_in(*ALICE)["access_token"])

    assert error.description == "The token was not issued by a trusted issuer."


def test_the_at_jwt_type_can_be_required_and_the_bundled_server_sends_it(
    server: LiveServer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(Issuer(server.url, CLIENT_ID, token_type="at+jwt"))
    tokens = server.sign_in(*ALICE)

    assert verifier.authenticate(f"Bearer {tokens['access_token']}").username == "alice"
    # The ID token has the same audience here; only its type tells it apart.
    error = refusal(verifier, tokens["id_token"])
    assert error.description == "The token is not of the type 'at+jwt'."


def test_a_refresh_token_is_not_a_bearer_credential_and_a_revoked_one_is_not_active(
    server: LiveServer, bundled_verifier: TokenVerifier
) -> None:
    refresh_token = server.sign_in(*ALICE)["refresh_token"]

    live = refusal(bundled_verifier, refresh_token)
    assert live.description == "The token is a refresh token, not an access token."

    revoked = server.post("/revoke", data={"token": refresh_token, "client_id": CLIENT_ID})
    assert revoked.status_code == 200
    after = refusal(bundled_verifier, refresh_token)
    assert isinstance(after, TokenRejected)
    assert after.description == "The token has been revoked or is not active."


def test_introspection_with_wrong_client_credentials_is_the_apis_problem_not_the_callers(
    server: LiveServer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    client_id, _ = server.add_confidential_client()
    verifier = make_verifier(
        Issuer(server.url, CLIENT_ID, client_id=client_id, client_secret="not-the-secret")
    )

    error = refusal(verifier, server.sign_in(*ALICE)["refresh_token"])

    assert isinstance(error, VerifierUnavailable)
    assert error.status == 503
    assert "refused this API's introspection request (invalid_client)" in error.description
    assert "WWW-Authenticate" not in error.response_headers("api")
    assert error.response_body() == {
        "error": "temporarily_unavailable",
        "error_description": "The API cannot check tokens right now; try again later.",
    }


def test_an_issuer_that_cannot_be_reached_makes_the_verifier_unavailable(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    verifier = make_verifier(Issuer(gone, CLIENT_ID))

    error = refusal(verifier, issuer.sign(issuer.claims(iss=gone)))

    assert isinstance(error, VerifierUnavailable)
    assert error.description.startswith(f"Cannot read the discovery document of {gone}: ")
    assert "connection refused" in error.description


def test_an_issuer_that_failed_is_left_alone_for_a_while_then_asked_again(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(issuer_config(issuer), issuer_retry_seconds=1)
    working_keys = issuer.server.answers[("GET", issuer.jwks_path)]
    issuer.server.answer("GET", issuer.jwks_path, status=500, body={"error": "server_error"})
    token = issuer.sign(issuer.claims())

    first = refusal(verifier, token)
    second = refusal(verifier, token)  # at once, without asking

    assert isinstance(first, VerifierUnavailable)
    assert first.description.startswith(f"Cannot fetch the signing keys of {issuer.issuer}: ")
    assert "HTTP 500" in first.description
    assert isinstance(second, VerifierUnavailable)
    assert second.description == first.description
    assert issuer.jwks_fetches == 1

    issuer.server.answers[("GET", issuer.jwks_path)] = working_keys
    time.sleep(1.1)
    assert verifier.verify_token(token).subject == "42"
    assert issuer.jwks_fetches == 2


def test_an_issuer_behind_a_private_ca_needs_the_ca_bundle(
    tls_server: JsonServer, tls_files: TLSFiles, make_verifier: Callable[..., TokenVerifier]
) -> None:
    issuer = TokenForge(tls_server)
    token = issuer.sign(issuer.claims())

    error = refusal(make_verifier(Issuer(issuer.issuer, CLIENT_ID)), token)
    trusted = make_verifier(Issuer(issuer.issuer, CLIENT_ID), ca_bundle=tls_files.ca)

    assert isinstance(error, VerifierUnavailable)
    assert "certificate not trusted" in error.description
    assert trusted.verify_token(token).username == "carol"


# --- tokens the test signs -------------------------------------------------------------------


def test_a_token_signed_by_the_issuer_is_accepted_with_its_roles(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    principal = verifier.check(f"Bearer {issuer.sign(issuer.claims())}", "documents.read")

    assert (principal.subject, principal.username) == ("42", "carol")
    assert principal.roles == {"viewer"}
    assert principal.permissions == {"documents.read"}


def test_an_expired_token_is_refused(issuer: OpaqueIssuer, verifier: TokenVerifier) -> None:
    error = refusal(verifier, issuer.sign(expired_claims(issuer)))

    assert isinstance(error, TokenRejected)
    assert error.description == "The token has expired."


def test_a_token_expired_within_the_leeway_still_passes(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    token = issuer.sign(issuer.claims(exp=int(time.time()) - 30))

    assert make_verifier(issuer_config(issuer)).verify_token(token).username == "carol"
    with pytest.raises(TokenRejected):
        make_verifier(issuer_config(issuer), leeway=0).verify_token(token)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "other-api"}, "The token's audience is not this API."),
        ({"aud": ["other-api", "third-api"]}, "The token's audience is not this API."),
        ({"iss": "https://impostor.example"}, "The token was not issued by a trusted issuer."),
        ({"exp": None}, "The token has no expiry time (exp)."),
        ({"nbf": "later"}, "The token's nbf claim is not a number."),
        ({"sub": None}, "The token names no subject (sub)."),
    ],
)
def test_a_signed_token_with_wrong_claims_is_refused(
    issuer: OpaqueIssuer, verifier: TokenVerifier, claims: dict[str, object], message: str
) -> None:
    assert refusal(verifier, issuer.sign(issuer.claims(**claims))).description == message


def test_a_token_for_one_of_several_audiences_is_accepted(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.sign(issuer.claims(aud=["other-api", CLIENT_ID]))

    assert verifier.verify_token(token).username == "carol"


def test_a_token_not_valid_yet_is_refused(issuer: OpaqueIssuer, verifier: TokenVerifier) -> None:
    now = int(time.time())
    error = refusal(verifier, issuer.sign(issuer.claims(nbf=now + 600, exp=now + 900)))

    assert error.description == "The token is not valid yet (nbf)."


@pytest.mark.parametrize("kind", ["alg-none", "hs256-public-key", "not-allowed-here"])
def test_a_token_without_an_allowed_asymmetric_signature_is_refused(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier], kind: str
) -> None:
    verifier = make_verifier(issuer_config(issuer, algorithms=("ES256",)))
    token = {
        "alg-none": unsigned_token(issuer.claims()),
        "hs256-public-key": hs256_with_public_key(issuer),
        "not-allowed-here": issuer.sign(issuer.claims()),  # RS256, valid, not in the list
    }[kind]

    error = refusal(verifier, token)

    assert isinstance(error, TokenRejected)
    assert error.description == "The token's signing algorithm is not allowed."


def test_a_token_whose_payload_was_changed_fails_its_signature(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    header, _, signature = issuer.sign(issuer.claims()).split(".")
    admin = issuer.sign(issuer.claims(roles=["admin"])).split(".")[1]

    error = refusal(verifier, f"{header}.{admin}.{signature}")

    assert error.description == "The token's signature is invalid."


def test_unknown_key_ids_refetch_the_keys_at_most_once_per_interval(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(issuer_config(issuer), jwks_refetch_interval=2)
    stranger = RSAKey.generate_key(2048)
    verifier.verify_token(issuer.sign(issuer.claims()))
    assert issuer.jwks_fetches == 1
    time.sleep(2.1)

    for number in range(20):
        forged = issuer.sign(issuer.claims(), key=stranger, header={"kid": f"forged-{number}"})
        error = refusal(verifier, forged)
        assert error.description == "The token is signed with a key its issuer does not publish."

    assert issuer.jwks_fetches == 2


def test_a_rotated_key_is_fetched_when_a_token_names_it(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(issuer_config(issuer), jwks_refetch_interval=0)
    verifier.verify_token(issuer.sign(issuer.claims()))

    rotated = RSAKey.generate_key(2048, parameters={"kid": "key-2"})
    issuer.publish_keys(issuer.key, rotated)

    assert verifier.verify_token(issuer.sign(issuer.claims(), key=rotated)).subject == "42"
    assert issuer.jwks_fetches == 2


def test_an_encrypted_token_is_refused(verifier: TokenVerifier) -> None:
    error = refusal(verifier, "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")

    assert error.description == "Encrypted (JWE) tokens are not supported."


def test_concurrent_first_requests_fetch_the_keys_once(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    tokens = [issuer.sign(issuer.claims(sub=str(number))) for number in range(16)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        subjects = sorted(pool.map(lambda token: verifier.verify_token(token).subject, tokens))

    assert subjects == sorted(str(number) for number in range(16))
    assert issuer.jwks_fetches == 1
    assert issuer.server.hits[("GET", f"/idp{DISCOVERY}")] == 1


# --- opaque tokens ---------------------------------------------------------------------------


def test_an_opaque_token_is_introspected_and_gives_its_principal(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.opaque(roles=["editor"], scope="documents")

    principal = verifier.check(f"Bearer {token}", "documents.write")

    assert principal.username == "carol"
    assert principal.roles == {"editor"}
    assert principal.scopes == {"documents"}
    assert "active" not in principal.claims


def test_a_revoked_opaque_token_is_refused(issuer: OpaqueIssuer, verifier: TokenVerifier) -> None:
    token = issuer.opaque()
    verifier.authenticate(f"Bearer {token}")

    issuer.revoke(token)
    error = refusal(verifier, token)

    assert isinstance(error, TokenRejected)
    assert error.description == "The token has been revoked or is not active."


def test_introspection_answers_are_cached_for_the_time_given(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(issuer_config(issuer), introspection_cache_seconds=30)
    token = issuer.opaque()

    for _ in range(3):
        verifier.authenticate(f"Bearer {token}")
    issuer.revoke(token)
    verifier.authenticate(f"Bearer {token}")  # still cached: the price of the cache

    assert issuer.introspections == 1


def test_an_introspection_answer_is_not_cached_beyond_the_tokens_expiry(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(issuer_config(issuer), introspection_cache_seconds=30, leeway=0)
    token = issuer.opaque(exp=int(time.time()) + 1)
    verifier.authenticate(f"Bearer {token}")

    time.sleep(2.1)
    error = refusal(verifier, token)

    assert error.description == "The token has expired."
    assert issuer.introspections == 2


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "other-api"}, "The token's audience is not this API."),
        ({"iss": "https://impostor.example"}, "The token was not issued by a trusted issuer."),
        ({"exp": int(time.time()) - 3600}, "The token has expired."),
    ],
)
def test_an_active_introspection_answer_is_still_checked(
    issuer: OpaqueIssuer, verifier: TokenVerifier, claims: dict[str, object], message: str
) -> None:
    assert refusal(verifier, issuer.opaque(**claims)).description == message


def test_an_opaque_token_is_refused_when_no_issuer_introspects(
    issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> None:
    verifier = make_verifier(Issuer(issuer.issuer, CLIENT_ID))

    error = refusal(verifier, issuer.opaque())

    assert error.description == (
        "The token is not a JWT, and no trusted issuer is set up for introspection."
    )
    assert issuer.introspections == 0


# --- the Authorization header ----------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   ", "Basic YWxpY2U6c2VjcmV0", "Token abc"])
def test_a_request_without_a_bearer_token_gets_a_bare_challenge(
    verifier: TokenVerifier, header: str | None
) -> None:
    with pytest.raises(MissingToken) as missing:
        verifier.authenticate(header)

    assert missing.value.status == 401
    assert missing.value.error is None
    assert missing.value.www_authenticate("my api") == 'Bearer realm="my api"'
    assert missing.value.response_body()["error"] == "missing_token"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "The Authorization header names the Bearer scheme but no token."),
        ("Bearer   ", "The Authorization header names the Bearer scheme but no token."),
        ("Bearer abc def", "The Authorization header holds more than one token."),
        ("Bearer abc, Bearer def", "The Authorization header holds more than one token."),
        ('Bearer ab"c', "The bearer token holds characters a token cannot have."),
        ("Bearer " + "a" * 64_001, "The bearer token is implausibly long."),
    ],
)
def test_a_malformed_bearer_header_is_an_invalid_request(
    verifier: TokenVerifier, header: str, message: str
) -> None:
    with pytest.raises(InvalidRequest) as invalid:
        verifier.authenticate(header)

    assert invalid.value.status == 400
    assert invalid.value.description == message
    assert invalid.value.www_authenticate("api").startswith(
        'Bearer realm="api", error="invalid_request", error_description='
    )


def test_the_scheme_name_is_case_insensitive(issuer: OpaqueIssuer, verifier: TokenVerifier) -> None:
    assert verifier.authenticate(f"bearer {issuer.sign(issuer.claims())}").subject == "42"


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"url": "http://id.example.com"}, "Refusing plain http:// for id.example.com"),
        ({"algorithms": ("RS256", "HS256")}, "HS256 is not allowed"),
        ({"algorithms": ("none",)}, "none is not allowed"),
        ({"client_id": "api"}, "introspection needs both client_id and client_secret"),
        ({"audience": ""}, "the audience must not be empty"),
    ],
)
def test_an_issuer_setting_that_cannot_work_is_refused_at_once(
    settings: dict[str, object], message: str
) -> None:
    options: dict[str, object] = {"url": "https://id.example.com", "audience": "api", **settings}

    with pytest.raises(ValueError, match=message):
        Issuer(**options)  # type: ignore[arg-type]


def test_the_client_secret_is_not_in_the_issuers_repr() -> None:
    issuer = Issuer("https://id.example.com", "api", client_id="api", client_secret="hunter22")

    assert "hunter22" not in repr(issuer)


# --- no token in logs or errors --------------------------------------------------------------


def test_no_refusal_logs_or_shows_the_token(
    issuer: OpaqueIssuer,
    verifier: TokenVerifier,
    server: LiveServer,
    bundled_verifier: TokenVerifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [
        issuer.sign(expired_claims(issuer)),
        issuer.sign(issuer.claims(aud="other-api")),
        unsigned_token(issuer.claims()),
        hs256_with_public_key(issuer),
        issuer.sign(issuer.claims(), key=RSAKey.generate_key(2048, parameters={"kid": "x"})),
        issuer.opaque(aud="other-api"),
        "opaque-token-nobody-issued",
    ]
    for token in tokens:
        error = refusal(verifier, token)
        assert_never_shows(
            token, caplog, error, error.www_authenticate("api"), error.response_body()
        )
    refresh_token = server.sign_in(*BOB)["refresh_token"]
    error = refusal(bundled_verifier, refresh_token)
    assert_never_shows(refresh_token, caplog, error, error.response_body())
    assert "bearer token refused: " in caplog.text


def test_an_accepted_tokens_principal_holds_no_token(
    server: LiveServer, bundled_verifier: TokenVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = server.sign_in(*ALICE)["access_token"]

    principal = bundled_verifier.authenticate(f"Bearer {token}")

    assert_never_shows(token, caplog, principal, dict(principal.claims), bundled_verifier)
