"""Sign-in overhead of the protocol library: ``OIDCClient.sign_in`` minus the same requests
made with plain ``requests``, against the bundled server on 127.0.0.1.

``desktop-auth-cli login --username U --password-stdin`` builds a fresh ``OIDCClient``, calls
``sign_in`` once and closes it; the library's round does exactly that. The plain round opens a
fresh ``requests.Session`` and sends the same five requests (discovery, first-party challenge,
token exchange, JWKS, userinfo) with the same forms, parsing only what the next request needs.
Both are checked against the server's own record of the requests before timing starts.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from benchmarks.report import Figure, Sample
from desktop_auth.oidc.client import DEFAULT_CLIENT_ID, DEFAULT_SCOPE, ClientConfig, OIDCClient
from desktop_auth.permissions import PermissionPolicy
from desktop_auth.server.accounts import create_user
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.serve import ServedApp
from desktop_auth.server.state import server_state

WARM_UP = 5
ROUNDS = 100
# The whole timed part stops here even if the machine is very slow; the module's own time
# limit (benchmarks.__main__) is the last resort.
TIME_BUDGET_SECONDS = 90.0
TIMEOUT = 10.0
USERNAME = "alice"
PASSWORD = "correct horse battery staple"

NOTES: list[str] = []

Request = tuple[str, str]


def _start(data_dir: Path) -> ServedApp:
    server_cli(["--data-dir", str(data_dir), "init"])
    served = ServedApp(load_config(data_dir)).start()
    state = server_state(served.app)
    with state.db.session() as session:
        create_user(session, state.passwords, USERNAME, PASSWORD, ["admin"], email="a@example.org")
    return served


def _record_requests(served: ServedApp) -> list[Request]:
    """A list the server appends (method, path) to for every request it receives."""
    seen: list[Request] = []
    inner = served.app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return inner(environ, start_response)

    served.app.wsgi_app = recording  # type: ignore[method-assign]
    return seen


def library_sign_in(issuer: str, policy: PermissionPolicy) -> None:
    """What ``desktop-auth-cli login`` does per sign-in, minus argument parsing and output."""
    client = OIDCClient(ClientConfig(issuer=issuer, client_id=DEFAULT_CLIENT_ID), policy)
    try:
        client.sign_in(USERNAME, PASSWORD)
    finally:
        client.close()


def plain_sign_in(issuer: str) -> None:
    """The same requests with plain ``requests``: no checks beyond what the next one needs."""
    accept = {"Accept": "application/json"}
    with requests.Session() as http:
        discovery = http.get(
            issuer + "/.well-known/openid-configuration", headers=accept, timeout=TIMEOUT
        ).json()
        scope = " ".join(s for s in DEFAULT_SCOPE.split() if s in discovery["scopes_supported"])
        verifier = secrets.token_urlsafe(64)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        code = http.post(
            discovery["authorization_challenge_endpoint"],
            data={
                "client_id": DEFAULT_CLIENT_ID,
                "username": USERNAME,
                "password": PASSWORD,
                "scope": scope,
                "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"),
                "code_challenge_method": "S256",
                "nonce": secrets.token_urlsafe(32),
            },
            headers=accept,
            timeout=TIMEOUT,
        ).json()["authorization_code"]
        tokens = http.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "client_id": DEFAULT_CLIENT_ID,
            },
            headers=accept,
            timeout=TIMEOUT,
        ).json()
        http.get(discovery["jwks_uri"], headers=accept, timeout=TIMEOUT).raise_for_status()
        http.get(
            discovery["userinfo_endpoint"],
            headers={**accept, "Authorization": f"Bearer {tokens['access_token']}"},
            timeout=TIMEOUT,
        ).raise_for_status()


def _timed(action: Callable[[], None]) -> tuple[float, float]:
    """Wall-clock and this thread's CPU seconds of ``action`` (the server runs in others)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    action()
    return time.perf_counter() - wall, time.thread_time() - cpu


def _same_requests(served: ServedApp, seen: list[Request], policy: PermissionPolicy) -> list[str]:
    """The paths both sign-ins request, after checking that they request the same ones."""
    seen.clear()
    library_sign_in(served.url, policy)
    by_library = list(seen)
    seen.clear()
    plain_sign_in(served.url)
    by_plain = list(seen)
    if by_library != by_plain:
        raise AssertionError(f"the library sent {by_library}, the baseline {by_plain}")
    return [f"{method} {path}" for method, path in by_library]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-signin-", ignore_cleanup_errors=True) as data:
        return _measure(_start(Path(data)))


def _measure(served: ServedApp) -> list[Figure]:
    """The figure, from rounds of both sign-ins against ``served`` (stopped afterwards)."""
    policy = PermissionPolicy.default()

    def library() -> None:
        library_sign_in(served.url, policy)

    def plain() -> None:
        plain_sign_in(served.url)

    # Rounds of (library, plain), each (wall, cpu).
    rounds: list[tuple[tuple[float, float], tuple[float, float]]] = []
    try:
        requested = _same_requests(served, _record_requests(served), policy)
        deadline = time.monotonic() + TIME_BUDGET_SECONDS
        for round_number in range(WARM_UP + ROUNDS):
            if time.monotonic() > deadline:
                break
            # Alternate which goes first, so that neither always meets a just-warmed server.
            if round_number % 2 == 0:
                mine = _timed(library)
                theirs = _timed(plain)
            else:
                theirs = _timed(plain)
                mine = _timed(library)
            if round_number >= WARM_UP:
                rounds.append((mine, theirs))
    finally:
        served.stop()
    overhead = tuple(mine[0] - theirs[0] for mine, theirs in rounds)
    cpu_overhead = statistics.median(mine[1] - theirs[1] for mine, theirs in rounds)
    NOTES.append(
        f"Sign-in overhead: {len(rounds)} rounds after {WARM_UP} warm-up rounds; a whole "
        f"library sign-in took {statistics.median(m[0] for m, _ in rounds) * 1000:.1f} ms "
        f"(median). On the signing-in thread's CPU clock, which the server's password hashing "
        f"does not reach, the library spent {cpu_overhead * 1000:.1f} ms more than plain "
        "requests (median per round)."
    )
    return [
        Figure(
            name="sign-in overhead of the library",
            measured=Sample(overhead),
            baseline=Sample(tuple(theirs[0] for _, theirs in rounds)),
            max_value=15,
            baseline_name="the same requests with plain requests (fresh Session each round)",
            note=(
                f"Per round, library minus plain, interleaved. Both send {', '.join(requested)} "
                "(checked against the server before timing). The library's time is what the "
                "CLI does per sign-in: a fresh OIDCClient (discovery and JWKS fetched and "
                "parsed anew, ID and access tokens verified), sign_in, close; no keyring "
                "(the CLI does not store tokens) and no activity-log write (the CLI's own, "
                "not the library's). Warm: a CLI process also pays its imports once."
            ),
        )
    ]
