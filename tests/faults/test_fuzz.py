"""Fuzzing the bundled server's whole HTTP API: every route of its Flask url_map, every method,
malformed and oversized bodies; and a Hypothesis property over the token and challenge
endpoints' parameters. The server may refuse anything, but never with a 5xx."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_auth.server.models import DEVICE_CODE_GRANT_TYPE
from tests.server.conftest import (  # noqa: F401 - fixtures
    ALICE,
    NATIVE_CLIENT,
    REDIRECT_URI,
    LiveServer,
    pkce_pair,
    start_server,
)

MAX_BODY = 64 * 1024  # the app's MAX_CONTENT_LENGTH
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "unsupported_response_type",
    "unsupported_token_type",
    "invalid_scope",
    "access_denied",
    "temporarily_unavailable",
    "redirect_to_web",
    "authorization_pending",
    "slow_down",
    "expired_token",
}


@pytest.fixture
def fuzzed(start_server: Callable[..., LiveServer]) -> LiveServer:  # noqa: F811
    """A server with alice whose throttling does not end the fuzzing early."""
    live = start_server(
        account_free_failures=100_000,
        account_max_failures_per_hour=100_000,
        ip_max_failures=100_000,
    )
    live.add_user(*ALICE, roles=("admin",))
    return live


def send(
    live: LiveServer, method: str, path: str, *, body: bytes | None, content_type: str | None
) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return live.http.request(
        method,
        live.url + path,
        data=body,
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def form(**fields: str) -> bytes:
    return urlencode(fields).encode()


# (name, content type, body): what a confused or hostile client might send anywhere.
MALFORMED_BODIES: list[tuple[str, str | None, bytes | None]] = [
    ("no body", None, None),
    ("empty form", "application/x-www-form-urlencoded", b""),
    ("form of junk", "application/x-www-form-urlencoded", b"&&==&=%%&a=%zz&%ff%fe=%00"),
    ("non-UTF-8 form", "application/x-www-form-urlencoded", b"client_id=%ff%fe%fd&scope=\xff"),
    (
        "repeated parameters",
        "application/x-www-form-urlencoded",
        form(client_id=NATIVE_CLIENT) + b"&client_id=other&grant_type=a&grant_type=b",
    ),
    (
        "10,000 parameters",
        "application/x-www-form-urlencoded",
        b"&".join(b"p%d=%d" % (i, i) for i in range(10_000))[: MAX_BODY - 1],
    ),
    ("oversized form", "application/x-www-form-urlencoded", b"a=" + b"x" * (MAX_BODY + 10)),
    ("oversized binary", "application/octet-stream", b"\x00" * (2 * MAX_BODY)),
    ("invalid JSON", "application/json", b'{"client_id": '),
    ("JSON array", "application/json", b"[1, 2, 3]"),
    ("deeply nested JSON", "application/json", b"[" * 5_000 + b"]" * 5_000),
    ("JSON with NUL", "application/json", json.dumps({"client_id": "\x00"}).encode()),
    ("multipart without boundary", "multipart/form-data", b"--x\r\n\r\n"),
    (
        "broken multipart",
        "multipart/form-data; boundary=zz",
        b'--zz\r\nContent-Disposition: form-data; name="client_id"\r\n\r\nx\r\n--zz',
    ),
    ("binary junk", "application/x-www-form-urlencoded", bytes(range(256)) * 8),
    ("text/plain", "text/plain", b"client_id=desktop-auth"),
    ("bad content type", "\x7f;;;=", b"a=b"),
]

MALFORMED_QUERIES = [
    "",
    "?" + "x" * 8_000,
    "?client_id=%ff%fe&redirect_uri=%00&state=%0d%0aX-Injected:1",
    "?response_type=code&response_type=token&client_id=a&client_id=b",
    "?" + "&".join(f"k{i}=v" for i in range(1_000)),
]


def routes(live: LiveServer) -> list[str]:
    """Concrete paths for every rule of the app's url_map (variables filled in, some hostile)."""
    paths: list[str] = []
    for rule in live.served.app.url_map.iter_rules():
        if not rule.arguments:
            paths.append(rule.rule)
            continue
        for value in ["login.css", "../../server.json", "%00", "x" * 2_000]:
            paths.append(rule.rule.split("<", 1)[0] + value)
    return sorted(set(paths))


def test_the_fuzzer_walks_every_route_of_the_api(fuzzed: LiveServer) -> None:
    found = routes(fuzzed)
    for path in [
        "/token",
        "/authorize",
        "/authorize/challenge",
        "/revoke",
        "/introspect",
        "/userinfo",
        "/device_authorization",
        "/device",
        "/jwks.json",
        "/.well-known/openid-configuration",
    ]:
        assert path in found


def assert_no_server_error(response: requests.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"


def test_every_route_and_method_survives_malformed_bodies(fuzzed: LiveServer) -> None:
    for path in routes(fuzzed):
        for method in METHODS:
            for name, content_type, body in MALFORMED_BODIES:
                if method in ("GET", "HEAD", "OPTIONS") and body is not None and len(body) > 100:
                    continue  # a big body on a GET says nothing more than a small one
                response = send(fuzzed, method, path, body=body, content_type=content_type)
                assert_no_server_error(response, f"{method} {path} {name}")
                if body is not None and len(body) > MAX_BODY and method in ("POST", "PUT"):
                    # Refused: 413 where the body would be read, else 401/404/405 first.
                    assert response.status_code >= 400, f"{method} {path} {name}"
                    if method == "POST" and path in ("/token", "/authorize/challenge"):
                        assert response.status_code == 413, f"{method} {path} {name}"


def test_every_route_survives_malformed_query_strings(fuzzed: LiveServer) -> None:
    for path in routes(fuzzed):
        for method in ("GET", "POST"):
            for query in MALFORMED_QUERIES:
                response = send(fuzzed, method, path + query, body=None, content_type=None)
                assert_no_server_error(response, f"{method} {path}{query[:40]}")


@pytest.mark.parametrize(
    "header",
    [
        ("Authorization", "Basic !!!not-base64"),
        ("Authorization", "Basic " + "QQ==" * 1_000),
        ("Authorization", "Bearer " + "e" * 8_000),
        ("Authorization", "Bearer eyJhbGciOiJub25lIn0.e30."),
        ("Authorization", "Digest x"),
        ("Content-Length", "-1"),
        ("Content-Length", "99999999999999999999"),
        ("Cookie", "desktop_auth_session=" + "A" * 3_000),
        ("Cookie", "desktop_auth_session=eyJjc3JmX3Rva2VuIjoxfQ.bad.sig"),
        ("Host", "evil.example"),
        ("X-Forwarded-For", "not an address, 1.2.3.4, ::1"),
        ("Accept", "\x7f"),
    ],
    ids=lambda header: header[0] if isinstance(header, tuple) else str(header),
)
def test_every_route_survives_hostile_headers(fuzzed: LiveServer, header: tuple[str, str]) -> None:
    name, value = header
    for path in routes(fuzzed):
        for method in ("GET", "POST"):
            try:
                response = fuzzed.http.request(
                    method,
                    fuzzed.url + path,
                    data=b"client_id=desktop-auth" if method == "POST" else None,
                    headers={name: value},
                    allow_redirects=False,
                    timeout=30,
                )
            except requests.ConnectionError:
                # A Content-Length the server cannot honour may close the connection: refused,
                # not crashed. The server must still answer the next request.
                assert fuzzed.get("/jwks.json").status_code == 200
                continue
            assert_no_server_error(response, f"{method} {path} {name}")


# -- Hypothesis: the token and challenge endpoints' parameters --------------------------------

VERIFIER, CHALLENGE = pkce_pair()
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]),  # surrogates cannot be encoded
    max_size=80,
)
ASCII = st.text(alphabet=string.printable, max_size=80)
VALUES = st.one_of(
    TEXT,
    ASCII,
    st.sampled_from(
        [
            "",
            NATIVE_CLIENT,
            "authorization_code",
            "refresh_token",
            "password",
            "client_credentials",
            DEVICE_CODE_GRANT_TYPE,
            "S256",
            "plain",
            CHALLENGE,
            VERIFIER,
            "openid profile email offline_access",
            REDIRECT_URI,
            ALICE[0],
            ALICE[1],
            "x" * 4_000,
        ]
    ),
)
TOKEN_FIELDS = [
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "code_verifier",
    "redirect_uri",
    "refresh_token",
    "username",
    "password",
    "scope",
    "device_code",
]
CHALLENGE_FIELDS = [
    "client_id",
    "client_secret",
    "username",
    "password",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "nonce",
]


def parameters(fields: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(fields), ASCII), VALUES, max_size=len(fields) + 2
    )


def assert_oauth_answer(response: requests.Response, success_key: str) -> dict[str, Any]:
    """A JSON success or a JSON OAuth error; never a 5xx, never HTML."""
    assert response.status_code < 500, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:300]
    body: dict[str, Any] = response.json()
    if response.status_code == 200:
        assert success_key in body, body
    else:
        assert response.status_code in (400, 401, 403, 405, 429), response.status_code
        assert body.get("error") in OAUTH_ERRORS, body
        assert isinstance(body.get("error_description", ""), str)
    return body


FUZZ_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ_SETTINGS
@given(params=parameters(TOKEN_FIELDS))
def test_token_endpoint_answers_any_parameters_with_json(
    fuzzed: LiveServer, params: dict[str, str]
) -> None:
    assert_oauth_answer(fuzzed.post("/token", data=params), "access_token")


@FUZZ_SETTINGS
@given(params=parameters(CHALLENGE_FIELDS))
def test_challenge_endpoint_answers_any_parameters_with_json(
    fuzzed: LiveServer, params: dict[str, str]
) -> None:
    assert_oauth_answer(fuzzed.post("/authorize/challenge", data=params), "authorization_code")


@FUZZ_SETTINGS
@given(
    params=st.fixed_dictionaries(
        {
            "client_id": st.sampled_from([NATIVE_CLIENT]),
            "username": st.sampled_from([ALICE[0]]),
            "password": st.sampled_from([ALICE[1]]),
            "scope": st.sampled_from(["openid", "openid profile"]),
            "code_challenge": st.sampled_from([CHALLENGE]),
            "code_challenge_method": st.sampled_from(["S256"]),
        },
        optional={name: VALUES for name in ["nonce", "client_secret", "extra", "state"]},
    )
)
def test_valid_challenges_with_any_extra_parameters_give_a_code(
    fuzzed: LiveServer, params: dict[str, str]
) -> None:
    response = fuzzed.post("/authorize/challenge", data=params)
    body = assert_oauth_answer(response, "authorization_code")
    assert response.status_code == 200, body


AUTHORIZE_FIELDS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "login_hint",
]
REDIRECT_PIECES = st.lists(
    st.sampled_from(
        [
            *["http://", "https://", "//", "127.0.0.1", ":54321", "@", "evil.example", "\\"],
            *["/callback", "%40", "..", "#", "?x=", " ", "\t", "\r\n", "javascript:", "[::1]"],
            "localhost",
        ]
    ),
    max_size=8,
).map("".join)


@FUZZ_SETTINGS
@given(
    params=st.fixed_dictionaries(
        {
            "response_type": st.sampled_from(["code"]),
            "client_id": st.sampled_from([NATIVE_CLIENT]),
            "code_challenge": st.sampled_from([CHALLENGE]),
            "code_challenge_method": st.sampled_from(["S256"]),
        },
        optional={
            name: st.one_of(VALUES, REDIRECT_PIECES)
            for name in AUTHORIZE_FIELDS
            if name not in ("response_type", "client_id", "code_challenge", "code_challenge_method")
        },
    )
)
def test_authorize_never_errors_or_redirects_off_the_registered_loopback_uri(
    fuzzed: LiveServer, params: dict[str, str]
) -> None:
    response = fuzzed.get("/authorize", params=params, allow_redirects=False)
    assert response.status_code < 500, response.text[:300]
    if response.is_redirect:
        target = urlsplit(response.headers["Location"])
        assert (target.scheme, target.hostname, target.path) == ("http", "127.0.0.1", "/callback")
        assert target.username is None
