"""Server abuse on the bundled server: stuffing, PKCE downgrade, open redirects, injection, timing.

Cells already covered in tests/server are not repeated here; docs/reliability/server.md names
them. Client addresses are simulated with X-Forwarded-For on a server that trusts one proxy.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Callable, Iterable
from statistics import median
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from desktop_auth.server.models import User
from tests.server.conftest import (  # noqa: F401 - fixtures
    ALICE,
    BOB,
    NATIVE_CLIENT,
    REDIRECT_URI,
    LiveServer,
    LoginPage,
    pkce_pair,
    server,
    start_server,
)

WRONG = "not the right password"


def from_address(ip: str) -> dict[str, str]:
    """Headers a trusted reverse proxy adds for a client at ``ip``."""
    return {"X-Forwarded-For": ip}


def challenge_from(
    live: LiveServer, ip: str | None, username: str, password: str
) -> requests.Response:
    _, challenge = pkce_pair()
    return live.post(
        "/authorize/challenge",
        data={
            "client_id": NATIVE_CLIENT,
            "username": username,
            "password": password,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        headers=from_address(ip) if ip else {},
    )


def assert_refused(response: requests.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "access_denied"


def assert_throttled(response: requests.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert "authorization_code" not in response.json()


@pytest.fixture
def proxied(start_server: Callable[..., LiveServer]) -> Callable[..., LiveServer]:  # noqa: F811
    """A server behind one trusted proxy (so X-Forwarded-For names the client), alice on it."""

    def start(**overrides: Any) -> LiveServer:
        live = start_server(trusted_proxies=1, **overrides)
        live.add_user(*ALICE)
        live.add_user(*BOB)
        return live

    return start


# -- credential stuffing ----------------------------------------------------------------------


def test_stuffing_many_names_from_one_address_blocks_that_address_only(
    proxied: Callable[..., LiveServer],
) -> None:
    live = proxied(ip_max_failures=8)
    for i in range(8):
        assert_refused(challenge_from(live, "203.0.113.7", f"victim{i}", WRONG))

    assert_throttled(challenge_from(live, "203.0.113.7", "victim-next", WRONG))
    assert_throttled(challenge_from(live, "203.0.113.7", *ALICE))
    # alice, at her own address, is not punished for the attacker's address.
    assert challenge_from(live, "198.51.100.20", *ALICE).status_code == 200


def test_stuffing_one_name_from_many_addresses_locks_the_account(
    proxied: Callable[..., LiveServer],
) -> None:
    live = proxied(account_base_delay=60.0)  # a lock that outlasts a slow machine's requests
    for i in range(5):
        assert_refused(challenge_from(live, f"203.0.113.{i + 1}", "alice", WRONG))

    # A fresh address does not get a fresh budget: the lock is on the account name.
    assert_throttled(challenge_from(live, "203.0.113.99", "alice", WRONG))
    assert_throttled(challenge_from(live, "198.51.100.20", *ALICE))
    # Other accounts are untouched.
    assert challenge_from(live, "203.0.113.99", *BOB).status_code == 200


def test_legitimate_user_signs_in_once_the_backoff_is_over(
    proxied: Callable[..., LiveServer],
) -> None:
    live = proxied(account_base_delay=2.0, account_max_delay=2.0)
    for i in range(5):
        assert_refused(challenge_from(live, f"203.0.113.{i + 1}", "alice", WRONG))
    assert_throttled(challenge_from(live, "198.51.100.20", *ALICE))

    deadline = time.monotonic() + 20
    while (response := challenge_from(live, "198.51.100.20", *ALICE)).status_code == 429:
        assert time.monotonic() < deadline, "the backoff never ended"
        time.sleep(0.2)
    assert response.status_code == 200, response.text
    assert response.json()["authorization_code"]


def test_forged_forwarded_for_is_ignored_without_a_trusted_proxy(
    start_server: Callable[..., LiveServer],  # noqa: F811
) -> None:
    # Without trusted_proxies, rotating X-Forwarded-For must not buy a fresh address budget.
    live = start_server(ip_max_failures=4)
    for i in range(4):
        assert_refused(challenge_from(live, f"203.0.113.{i + 1}", f"victim{i}", WRONG))
    assert_throttled(challenge_from(live, "198.51.100.77", "victim-next", WRONG))


# -- PKCE downgrade ---------------------------------------------------------------------------


def exchange(live: LiveServer, code: str, verifier: str, **extra: str) -> requests.Response:
    return live.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": NATIVE_CLIENT,
            **extra,
        },
    )


@pytest.mark.parametrize(
    "extra", [{}, {"code_challenge_method": "plain"}], ids=["verifier=challenge", "method=plain"]
)
def test_s256_code_cannot_be_redeemed_as_if_it_were_plain(
    server: LiveServer,  # noqa: F811
    extra: dict[str, str],
) -> None:
    # An attacker who saw the challenge (not the verifier) sends it back as a `plain` verifier.
    _, challenge = pkce_pair()
    code = server.challenge(*ALICE, challenge=challenge).json()["authorization_code"]

    stolen = exchange(server, code, challenge, **extra)

    assert stolen.status_code == 400, stolen.text
    assert stolen.json()["error"] == "invalid_grant"
    assert "access_token" not in stolen.json()


def test_challenge_endpoint_refuses_plain_even_with_a_valid_looking_challenge(
    server: LiveServer,  # noqa: F811
) -> None:
    verifier = secrets.token_urlsafe(48)
    response = server.challenge(*ALICE, challenge=verifier, code_challenge_method="plain")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# -- open redirects on /authorize -------------------------------------------------------------

OPEN_REDIRECTS = [
    "javascript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/callback",
    "http://evil.example/callback",
    "https://127.0.0.1.evil.example/callback",
    "http://127.0.0.1:54321@evil.example/callback",
    "http://127.0.0.1%40evil.example/callback",
    "http://evil.example@127.0.0.1:54321/callback",
    "http://user:pass@127.0.0.1:54321/callback",
    "http://127.0.0.1:54321\\@evil.example/callback",
    "http://192.168.1.10:54321/callback",
    "http://10.0.0.1/callback",
    "http://0.0.0.0:54321/callback",
    "https://127.0.0.1:54321/callback",
    "http://127.0.0.1:54321/callback/../../evil",
    "http://127.0.0.1:54321/callback?next=https://evil.example",
    "http://127.0.0.1:54321/callback#@evil.example",
    "http://127.0.0.1:notaport/callback",
    " http://127.0.0.1:54321/callback",
    "http://127.0.0.1:54321/callback\r\nLocation: https://evil.example",
]


@pytest.mark.parametrize("redirect_uri", OPEN_REDIRECTS)
def test_open_redirect_attempt_gets_an_error_page_not_a_redirect(
    server: LiveServer,  # noqa: F811
    redirect_uri: str,
) -> None:
    params = {
        "response_type": "code",
        "client_id": NATIVE_CLIENT,
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": "s",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }
    page = server.get("/authorize", params=params, allow_redirects=False)

    assert page.status_code == 400, page.text
    assert "Location" not in page.headers
    shown = LoginPage(page.text)
    assert not shown.has_form
    assert shown.alerts

    # Posting the form anyway (with a valid CSRF token from a good page) does not redirect.
    good = server.get("/authorize", params={**params, "redirect_uri": REDIRECT_URI})
    csrf = LoginPage(good.text).fields["csrf_token"]
    posted = server.post(
        "/authorize",
        params=params,
        data={"csrf_token": csrf, "username": ALICE[0], "password": ALICE[1], "action": "login"},
        allow_redirects=False,
    )
    assert posted.status_code == 400, posted.text
    assert "Location" not in posted.headers


@pytest.mark.parametrize("client_id", ["nobody", "", "desktop-auth' OR '1'='1"])
def test_unknown_client_on_authorize_gets_an_error_page_not_a_redirect(
    server: LiveServer,  # noqa: F811
    client_id: str,
) -> None:
    page = server.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    assert page.status_code == 400
    assert "Location" not in page.headers


# -- CSRF on the login form -------------------------------------------------------------------


def authorize_params() -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": NATIVE_CLIENT,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "st",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }


@pytest.mark.parametrize(
    "csrf",
    ["", " ", "x" * 10_000, "' OR '1'='1", "\x00", "used"],
    ids=["empty", "blank", "huge", "sql", "nul", "already used"],
)
def test_login_form_with_a_bad_csrf_token_is_refused_without_a_code(
    server: LiveServer,  # noqa: F811
    csrf: str,
) -> None:
    params = authorize_params()
    page = server.get("/authorize", params=params)
    token = LoginPage(page.text).fields["csrf_token"]
    if csrf == "used":
        ok = server.post(
            "/authorize",
            params=params,
            data={"csrf_token": token, "username": ALICE[0], "password": ALICE[1]},
            allow_redirects=False,
        )
        assert ok.status_code in (302, 303), ok.text
        csrf = token  # the token of a finished sign-in cannot be posted again

    response = server.post(
        "/authorize",
        params=params,
        data={"csrf_token": csrf, "username": ALICE[0], "password": ALICE[1]},
        allow_redirects=False,
    )

    assert response.status_code == 400, response.text
    assert "Location" not in response.headers
    assert LoginPage(response.text).alerts


def test_cross_site_post_without_the_session_cookie_is_refused(server: LiveServer) -> None:  # noqa: F811
    # A forged form on another site: it can copy a token from its own visit, but the victim's
    # browser sends the victim's cookie (or none), never the attacker's.
    params = authorize_params()
    attacker = requests.Session()
    page = attacker.get(server.url + "/authorize", params=params, timeout=30)
    token = LoginPage(page.text).fields["csrf_token"]
    attacker.close()

    victim = requests.post(
        server.url + "/authorize",
        params=params,
        data={"csrf_token": token, "username": ALICE[0], "password": ALICE[1]},
        allow_redirects=False,
        timeout=30,
    )
    assert victim.status_code == 400
    assert "Location" not in victim.headers


# -- SQL and header injection in every field --------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "alice' --",
    "alice'; DROP TABLE users; --",
    '" OR 1=1 --',
    "1; UPDATE users SET disabled=1",
    "x\r\nSet-Cookie: injected=1",
    "x\r\nX-Injected: 1",
    "%0d%0aSet-Cookie:%20injected=1",
    "x\nLocation: https://evil.example",
    "\x00alice",
    "{{7*7}}<script>alert(1)</script>",
]


def assert_clean(response: requests.Response) -> None:
    """Not a server error, and nothing injected reflected as a header of its own."""
    assert response.status_code < 500, response.text[:500]
    for name, value in response.headers.items():
        assert "\r" not in value, (name, value)
        assert "\n" not in value, (name, value)
        assert name.lower() != "x-injected", (name, value)
        if name.lower() == "set-cookie":
            assert not value.lower().startswith("injected"), value
        if name.lower() == "location":
            assert urlsplit(value).hostname == "127.0.0.1", value
    assert "<script>alert(1)</script>" not in response.text


def injection_requests(
    live: LiveServer, payload: str
) -> Iterable[tuple[str, Callable[[], requests.Response]]]:
    """(field, request) for every field of every endpoint, carrying ``payload``."""
    _, challenge = pkce_pair()
    challenge_form = {
        "client_id": NATIVE_CLIENT,
        "username": "alice",
        "password": WRONG,
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "nonce": "n",
    }
    for field in challenge_form:
        data = {**challenge_form, field: payload}
        yield f"challenge.{field}", lambda data=data: live.post("/authorize/challenge", data=data)
    token_forms = [
        {"grant_type": "authorization_code", "code": "c", "code_verifier": "v" * 43},
        {"grant_type": "refresh_token", "refresh_token": "r"},
        {"grant_type": "password", "username": "alice", "password": WRONG},
        {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "d"},
    ]
    for form in token_forms:
        full = {"client_id": NATIVE_CLIENT, "redirect_uri": REDIRECT_URI, **form}
        for field in full:
            data = {**full, field: payload}
            yield (
                f"token.{form['grant_type'][-11:]}.{field}",
                lambda data=data: live.post("/token", data=data),
            )
    for path, form in [
        ("/revoke", {"token": "t", "token_type_hint": "refresh_token", "client_id": NATIVE_CLIENT}),
        ("/introspect", {"token": "t", "token_type_hint": "access_token"}),
        ("/device_authorization", {"client_id": NATIVE_CLIENT, "scope": "openid"}),
        ("/device", {"user_code": "ABCD-EFGH", "action": "continue", "csrf_token": "x"}),
    ]:
        for field in form:
            data = {**form, field: payload}
            yield f"{path}.{field}", lambda path=path, data=data: live.post(path, data=data)
    # requests refuses to send a line break in a header, so the header gets the rest.
    header_safe = payload.replace("\r", "").replace("\n", " ").strip()
    yield "device.user_code(query)", lambda: live.get("/device", params={"user_code": payload})
    yield (
        "userinfo.Authorization",
        lambda: live.get("/userinfo", headers={"Authorization": "Bearer " + header_safe}),
    )
    params = authorize_params()
    for field in [*params, "login_hint", "nonce", "prompt"]:
        query = {**params, field: payload}
        yield (
            f"authorize.{field}",
            lambda query=query: live.get("/authorize", params=query, allow_redirects=False),
        )
    page = live.get("/authorize", params=params)
    csrf = LoginPage(page.text).fields["csrf_token"]
    form = {"csrf_token": csrf, "username": "alice", "password": WRONG, "action": "login"}
    for field in form:
        data = {**form, field: payload}
        yield (
            f"authorize-form.{field}",
            lambda data=data: live.post(
                "/authorize", params=params, data=data, allow_redirects=False
            ),
        )


def user_rows(live: LiveServer) -> list[tuple[str, bool, str]]:
    with live.state.db.session() as session:
        rows = session.execute(select(User.username, User.disabled, User.password_hash))
        return sorted((name, disabled, hashed) for name, disabled, hashed in rows)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_in_every_field_are_refused_harmlessly(
    start_server: Callable[..., LiveServer],  # noqa: F811
    payload: str,
) -> None:
    live = start_server(
        account_free_failures=10_000,
        account_max_failures_per_hour=10_000,
        ip_max_failures=10_000,
    )
    live.add_user(*ALICE, roles=("admin",))
    live.add_user(*BOB, roles=("viewer",))
    before = user_rows(live)

    for field, send in injection_requests(live, payload):
        response = send()
        assert_clean(response)
        body = response.text
        assert "authorization_code" not in body, field
        assert "access_token" not in body, field

    # No effect: the same users, nothing disabled or rehashed, and alice still signs in.
    assert user_rows(live) == before
    assert live.challenge(*ALICE).status_code == 200


@pytest.mark.parametrize("username", ["alice' --", "alice'/*", "' OR username='alice", "ALICE' #"])
def test_sql_comment_tricks_do_not_sign_in_as_alice(
    server: LiveServer,  # noqa: F811
    username: str,
) -> None:
    response = server.challenge(username, "anything")
    assert_refused(response)
    with server.state.db.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2


# -- timing: unknown user vs wrong password ---------------------------------------------------


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, tie-corrected)."""
    pooled = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t**3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(rank for rank, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    mean = n1 * n2 / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    z = (u - mean) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def timed(send: Callable[[], requests.Response], expect: int) -> float:
    start = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - start
    assert response.status_code == expect, response.text
    return elapsed


def measure(
    live: LiveServer, senders: dict[str, tuple[Callable[[], requests.Response], int]], rounds: int
) -> dict[str, list[float]]:
    """Interleaved, in a random order each round, so load on the machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in senders}
    names = list(senders)
    order = random.Random(8)
    for name in names:  # warm up connections and caches
        timed(*senders[name])
    for _ in range(rounds):
        order.shuffle(names)
        for name in names:
            times[name].append(timed(*senders[name]))
    return times


def differ(a: list[float], b: list[float], tolerance: float) -> bool:
    """Whether ``a`` and ``b`` differ both significantly and by more than ``tolerance``."""
    relative = abs(median(a) - median(b)) / min(median(a), median(b))
    return mann_whitney_p(a, b) < 0.001 and relative > tolerance


def test_unknown_user_and_wrong_password_take_the_same_time(
    start_server: Callable[..., LiveServer],  # noqa: F811
) -> None:
    live = start_server(
        account_free_failures=10_000,
        account_max_failures_per_hour=10_000,
        ip_max_failures=10_000,
    )
    live.add_user(*ALICE)
    no_hash = {**dict.fromkeys(["client_id", "username", "password"], "x"), "scope": "openid"}
    senders = {
        "wrong password": (lambda: live.challenge("alice", WRONG), 400),
        "unknown user": (lambda: live.challenge(f"nobody-{secrets.token_hex(4)}", WRONG), 400),
        # A request refused before any hashing: the measurement must be able to see a hash.
        "no hash": (
            lambda: live.post("/authorize/challenge", data={**no_hash, "client_id": "nobody"}),
            401,
        ),
    }
    times = measure(live, senders, rounds=40)

    wrong, unknown = times["wrong password"], times["unknown user"]
    assert differ(wrong, times["no hash"], 0.3), (
        "the timing test cannot tell a password hash from none: "
        f"{median(wrong):.4f}s vs {median(times['no hash']):.4f}s"
    )
    assert not differ(wrong, unknown, 0.25), (
        f"unknown user {median(unknown):.4f}s vs wrong password {median(wrong):.4f}s, "
        f"p={mann_whitney_p(wrong, unknown):.2g}"
    )
