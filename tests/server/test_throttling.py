"""Failed sign-in throttling on the live server: per account name and per client address."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
import requests

from desktop_auth.server.config import ServerConfig
from tests.server.conftest import ALICE, NATIVE_CLIENT, LiveServer, ServerClient, pkce_pair

WRONG = "not the right password"
FREE_FAILURES = 5


def retry_after(response: requests.Response) -> int:
    value = response.headers["Retry-After"]
    assert re.fullmatch(r"[1-9][0-9]*", value), f"Retry-After is not whole seconds: {value!r}"
    return int(value)


def assert_throttled(response: requests.Response) -> int:
    """Check a 429 from a JSON endpoint and return its Retry-After."""
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    return retry_after(response)


def fail(server: LiveServer, username: str, times: int = 1) -> None:
    for _ in range(times):
        response = server.challenge(username, WRONG)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "access_denied"


def fail_after_lock_expires(server: LiveServer, username: str) -> None:
    """Wait out the current lock, then fail once more (which sets the next lock)."""
    deadline = time.monotonic() + 30
    while (response := server.challenge(username, WRONG)).status_code == 429:
        assert time.monotonic() < deadline, "the lock never expired"
        time.sleep(0.05)
    assert response.status_code == 400, response.text


def without_date(response: requests.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() != "date"}


# -- per account name --------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(server: LiveServer) -> None:
    fail(server, "alice", FREE_FAILURES)
    locked = server.challenge(*ALICE)
    assert assert_throttled(locked) >= 1
    assert "authorization_code" not in locked.json()
    # Other accounts are not affected.
    server.sign_in("bob", "violet submarine orchestra")


def test_four_failures_do_not_lock_the_account(server: LiveServer) -> None:
    fail(server, "alice", FREE_FAILURES - 1)
    server.sign_in(*ALICE)


def test_backoff_grows_with_each_further_failure(start_server: Callable[..., LiveServer]) -> None:
    # Locks of 0.75 s, 1.5 s, 3 s: whole-second Retry-After values of 1, 2, 3.
    server = start_server(account_base_delay=0.75)
    server.add_user(*ALICE)
    fail(server, "alice", FREE_FAILURES)
    waits = [assert_throttled(server.challenge(*ALICE))]
    for _ in range(2):
        fail_after_lock_expires(server, "alice")
        waits.append(assert_throttled(server.challenge(*ALICE)))
    assert waits == sorted(set(waits)), f"Retry-After did not grow: {waits}"
    assert waits == [1, 2, 3]


def test_success_resets_the_failure_count(server: LiveServer) -> None:
    fail(server, "alice", FREE_FAILURES - 1)
    server.sign_in(*ALICE)
    # Counting had it continued, the first of these would have locked the account.
    fail(server, "alice", FREE_FAILURES - 1)
    server.sign_in(*ALICE)


def test_success_after_a_lock_starts_the_backoff_again(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(account_base_delay=0.5)
    server.add_user(*ALICE)
    fail(server, "alice", FREE_FAILURES)
    assert_throttled(server.challenge(*ALICE))
    deadline = time.monotonic() + 10
    while (response := server.challenge(*ALICE)).status_code == 429:
        assert time.monotonic() < deadline, "the lock never expired"
        time.sleep(0.05)
    assert response.status_code == 200, response.text
    fail(server, "alice", FREE_FAILURES - 1)
    server.sign_in(*ALICE)


def test_unknown_account_name_is_throttled_exactly_like_an_existing_one(
    server: LiveServer,
) -> None:
    fail(server, "alice", FREE_FAILURES)
    fail(server, "nobody", FREE_FAILURES)
    existing = server.challenge(*ALICE)
    unknown = server.challenge("nobody", ALICE[1])
    assert_throttled(existing)
    assert existing.status_code == unknown.status_code
    assert existing.content == unknown.content
    assert without_date(existing) == without_date(unknown)


def test_account_name_is_throttled_whatever_its_case_or_width(server: LiveServer) -> None:
    fail(server, "ALICE", 2)
    fail(server, "\uff21lice", 2)  # a full-width A
    fail(server, " alice ", 1)
    assert_throttled(server.challenge(*ALICE))


def test_hourly_ceiling_locks_the_account_without_backoff(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(account_free_failures=1000, account_max_failures_per_hour=8)
    server.add_user(*ALICE)
    server.add_user("bob", "violet submarine orchestra")
    fail(server, "alice", 8)
    wait = assert_throttled(server.challenge(*ALICE))
    # Until the oldest failure is an hour old.
    assert 3500 <= wait <= 3600
    server.sign_in("bob", "violet submarine orchestra")


def test_default_hourly_ceiling_is_100_failures_per_account(server: LiveServer) -> None:
    assert ServerConfig.account_max_failures_per_hour == 100
    assert server.state.config.account_max_failures_per_hour == 100


# -- per client address ----------------------------------------------------------------------


def test_failures_across_many_names_throttle_the_client_address(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(ip_max_failures=10)
    server.add_user(*ALICE)
    for i in range(10):
        fail(server, f"user{i}")
    wait = assert_throttled(server.challenge("someone-new", WRONG))
    assert 800 <= wait <= 900  # until the oldest failure leaves the 15-minute window
    assert_throttled(server.challenge(*ALICE))


def test_default_address_limit_is_100_failures_per_15_minutes(server: LiveServer) -> None:
    assert (ServerConfig.ip_max_failures, ServerConfig.ip_window) == (100, 15 * 60)
    config = server.state.config
    assert (config.ip_max_failures, config.ip_window) == (100, 15 * 60)


# -- other ways to sign in ----------------------------------------------------------------------


def authorize_params() -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": NATIVE_CLIENT,
        "redirect_uri": "http://127.0.0.1:54321/callback",
        "scope": "openid",
        "state": "some-state",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }


def submit_browser_form(
    server: LiveServer, params: dict[str, str], username: str, password: str
) -> requests.Response:
    page = server.get("/authorize", params=params)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return server.http.post(
        server.url + "/authorize",
        params=params,
        data={"csrf_token": found.group(1), "username": username, "password": password},
        allow_redirects=False,
        timeout=30,
    )


def test_browser_form_is_throttled_after_five_failures(server: LiveServer) -> None:
    params = authorize_params()
    for _ in range(FREE_FAILURES):
        refused = submit_browser_form(server, params, "alice", WRONG)
        assert refused.status_code == 200
        assert "The username or password is incorrect." in refused.text
    locked = submit_browser_form(server, params, *ALICE)
    assert locked.status_code == 429
    assert retry_after(locked) >= 1
    assert "Too many failed attempts" in locked.text
    assert "Location" not in locked.headers


@pytest.fixture
def legacy_client(server: LiveServer) -> str:
    assert server.cli("client", "add", "legacy", "--allow-password-grant") == 0
    return "legacy"


def test_password_grant_is_throttled_after_five_failures(
    server: LiveServer, legacy_client: str
) -> None:
    assert server.password_grant(*ALICE, client_id=legacy_client, scope="openid").status_code == 200
    for _ in range(FREE_FAILURES):
        refused = server.password_grant("alice", WRONG, client_id=legacy_client, scope="openid")
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
    locked = server.password_grant(*ALICE, client_id=legacy_client, scope="openid")
    assert assert_throttled(locked) >= 1
    assert "access_token" not in locked.json()


def test_failures_on_one_sign_in_method_lock_the_others(
    server: LiveServer, legacy_client: str
) -> None:
    fail(server, "alice", FREE_FAILURES)
    assert_throttled(server.password_grant(*ALICE, client_id=legacy_client, scope="openid"))
    assert submit_browser_form(server, authorize_params(), *ALICE).status_code == 429


def test_parallel_attempts_cannot_slip_past_the_lock(server: LiveServer) -> None:
    # Each attempt is counted before its password is checked, so a burst of parallel
    # guesses gets exactly the five free attempts, never more.
    from concurrent.futures import ThreadPoolExecutor

    def guess(i: int) -> int:
        return ServerClient(server.url).challenge("alice", f"wrong guess {i}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(guess, range(16)))
    assert statuses.count(400) == 5, statuses
    assert statuses.count(429) == 11, statuses
