"""Clock skew: sign-in, refresh and token checks stay right when the server's clock is minutes off.

The bundled server runs in its own process under libfaketime, so its clock really is shifted:
the times in its tokens and its HTTP Date headers both come from it. The client runs on the
test's (true) clock.
"""

from __future__ import annotations

import base64
import glob
import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc import OIDCClient
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.server_clock import ClockSkewError
from desktop_auth.oidc.validation import JWKSCache, TokenValidator
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config, save_config
from desktop_auth.session import Session, TokenSet
from tests.client.conftest import CLIENT_ID, TokenForge
from tests.server.conftest import ALICE, ServerProcess, server_command

DISCOVERY = "/.well-known/openid-configuration"
MINUTE = 60
# Short enough that a server 5 minutes behind hands out tokens that look long expired here.
LIFETIME = 120

FIVE_MINUTES_OFF = [
    pytest.param(+5 * MINUTE, id="server-5-min-ahead"),
    pytest.param(-5 * MINUTE, id="server-5-min-behind"),
]
TEN_MINUTES_OFF = [
    pytest.param(+10 * MINUTE, id="server-10-min-ahead"),
    pytest.param(-10 * MINUTE, id="server-10-min-behind"),
]


def faketime_library() -> str:
    """Debian's libfaketime (package faketime, which `make deps` installs)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    found += sorted(glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is missing: install the Debian package faketime (make deps)")
    return found[0]


def faketime_env(shift: int) -> dict[str, str]:
    """The environment that runs a process ``shift`` seconds off this computer's clock.

    Only the wall clock is shifted: with the monotonic clock shifted too, Python's timed waits
    (``threading.Event.wait(0.2)``, as in the outbox poll) never return under "+300". The
    price: libfaketime 0.9.10 fails Python's ``time.sleep`` with EINVAL (clock_nanosleep on
    the real monotonic clock), and the server does not call it while it serves.
    """
    return {
        "LD_PRELOAD": faketime_library(),
        "FAKETIME": f"{shift:+d}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def server_clock_shift(url: str) -> float:
    """How far the server's clock is from ours, by its Date header (to within a second)."""
    before = time.time()
    response = requests.get(url + DISCOVERY, timeout=10)
    after = time.time()
    served = parsedate_to_datetime(response.headers["Date"]).timestamp() + 0.5
    return served - (before + after) / 2


@pytest.fixture(scope="module")
def skewed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """``skewed_server(shift, **config)``: the URL of a bundled server (alice: admin, editor)
    whose clock is ``shift`` seconds off ours, with tokens living LIFETIME seconds unless
    ``config`` says otherwise. Servers are shared by the module's tests and stopped after."""
    started: dict[tuple[int, tuple[tuple[str, Any], ...]], str] = {}
    processes: list[ServerProcess] = []

    def start(shift: int, **config: Any) -> str:
        settings = {"access_token_lifetime": LIFETIME, "id_token_lifetime": LIFETIME, **config}
        key = (shift, tuple(sorted(settings.items())))
        if key in started:
            return started[key]
        data_dir: Path = tmp_path_factory.mktemp("skewed-server")
        assert server_cli(["--data-dir", str(data_dir), "init"]) == 0
        save_config(replace(load_config(data_dir), **settings), store_issuer=False)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdin", io.StringIO(ALICE[1] + "\n"))
            add = ["user", "add", "alice", "--password-stdin", "--roles", "admin,editor"]
            assert server_cli(["--data-dir", str(data_dir), *add]) == 0
        process = ServerProcess(server_command(data_dir, "run", "--port", "0"), faketime_env(shift))
        processes.append(process)
        url = process.start()
        measured = server_clock_shift(url)
        assert abs(measured - shift) < 5, (
            f"libfaketime did not shift the server's clock by {shift} s (it is {measured:+.1f} s)"
        )
        started[key] = url
        return url

    yield start
    for process in processes:
        process.kill()


def tokens_of(session: Session) -> TokenSet:
    assert session.tokens is not None
    return session.tokens


def unverified_claims(token: str) -> dict[str, Any]:
    """A JWT's claims, read without checking anything (to see what time the server wrote)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def assert_lives_lifetime_on_our_clock(session: Session, lifetime: int = LIFETIME) -> None:
    """expires_at counts expires_in from this computer's clock, whatever the server's says."""
    expected = datetime.now(UTC) + timedelta(seconds=lifetime)
    assert abs(session.expires_at - expected) < timedelta(seconds=5)


@pytest.mark.slow
@pytest.mark.parametrize("shift", FIVE_MINUTES_OFF)
def test_sign_in_works_when_the_servers_clock_is_five_minutes_off(
    shift: int,
    skewed_server: Callable[..., str],
    make_client: Callable[..., OIDCClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_client(skewed_server(shift))
    caplog.set_level(logging.DEBUG)

    session = client.sign_in(*ALICE)

    assert session.username == "alice"
    assert session.permissions == frozenset({"*"})
    tokens = tokens_of(session)
    assert tokens.id_token is not None
    # The ID token really was written on the server's clock, minutes off ours ...
    assert unverified_claims(tokens.id_token)["iat"] == pytest.approx(time.time() + shift, abs=10)
    # ... and the client saw by how much.
    assert client.server_clock.offset == pytest.approx(shift, abs=3)
    assert_lives_lifetime_on_our_clock(session)
    (noted,) = [r for r in caplog.records if r.name == "desktop_auth.oidc.server_clock"]
    assert noted.levelno == logging.INFO
    assert "token times are checked against the server's clock" in noted.getMessage()
    for secret in (ALICE[1], tokens.access_token, tokens.refresh_token, tokens.id_token):
        assert secret
        assert secret not in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("shift", FIVE_MINUTES_OFF)
def test_refresh_works_when_the_servers_clock_is_five_minutes_off(
    shift: int, skewed_server: Callable[..., str], make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(skewed_server(shift))
    session = client.sign_in(*ALICE)

    renewed = client.refresh(session)

    assert renewed.username == "alice"
    assert tokens_of(renewed).id_token != tokens_of(session).id_token
    assert tokens_of(renewed).access_token != tokens_of(session).access_token
    assert_lives_lifetime_on_our_clock(renewed)


@pytest.mark.slow
def test_an_id_token_past_its_lifetime_on_the_servers_clock_is_refused(
    skewed_server: Callable[..., str], make_client: Callable[..., OIDCClient]
) -> None:
    # The server is 5 minutes ahead: its 2-second ID token has 5 minutes left on our clock.
    shift = 5 * MINUTE
    client = make_client(skewed_server(shift, id_token_lifetime=2))
    session = client.sign_in(*ALICE)
    id_token = tokens_of(session).id_token
    assert id_token is not None
    discovery = client.discover()
    assert discovery.jwks_uri is not None
    expires = unverified_claims(id_token)["exp"]
    time.sleep(max(0.0, expires + 2 - (time.time() + shift)))  # 1 s past exp + the leeway below

    with HttpClient() as http:
        # The client's own validator, with a 1 s leeway so the test need not wait a minute.
        validator = TokenValidator(
            JWKSCache(http, discovery.jwks_uri),
            discovery.issuer,
            CLIENT_ID,
            leeway=1,
            clock=client.server_clock,
        )
        with pytest.raises(ProtocolError) as error:
            validator.validate_id_token(id_token)
        assert not isinstance(error.value, ClockSkewError)
        assert error.value.message == (
            "The server's ID token has expired, even by the server's own clock."
        )
    # Only the server's clock says so: by ours it has minutes to run.
    assert expires > time.time() + 4 * MINUTE


@pytest.mark.slow
@pytest.mark.parametrize("shift", TEN_MINUTES_OFF)
def test_clocks_ten_minutes_apart_are_refused_with_the_difference_named(
    shift: int, skewed_server: Callable[..., str], make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(skewed_server(shift))

    with pytest.raises(ClockSkewError) as error:
        client.sign_in(*ALICE)

    assert error.value.kind == "protocol"
    assert error.value.offset == pytest.approx(shift, abs=3)
    direction = "behind" if shift > 0 else "ahead of"
    host = client.config.issuer.removeprefix("http://")
    assert error.value.message.startswith(
        f"This computer's clock is 10 minutes {direction} the clock of {host}, more than "
        "the 5 minutes sign-in allows for."
    )


@pytest.mark.slow
def test_a_server_ten_minutes_behind_with_long_lived_tokens_is_accepted_with_a_warning(
    skewed_server: Callable[..., str],
    make_client: Callable[..., OIDCClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An hour-long ID token written 10 minutes in our past is valid even with 5 corrected for.
    hour = 60 * MINUTE
    client = make_client(
        skewed_server(-10 * MINUTE, access_token_lifetime=hour, id_token_lifetime=hour)
    )

    with caplog.at_level(logging.WARNING, logger="desktop_auth.oidc"):
        session = client.sign_in(*ALICE)

    assert session.username == "alice"
    assert_lives_lifetime_on_our_clock(session, hour)
    (warning,) = caplog.records
    assert "only 300 s are corrected for" in warning.getMessage()


# --- the Date header, when it does not say the server's time ---------------------------------


@pytest.mark.parametrize(
    "date",
    [pytest.param("", id="missing"), pytest.param("the day before yesterday", id="malformed")],
)
def test_without_a_usable_date_header_times_are_checked_on_this_computers_clock(
    date: str, forge: TokenForge, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(forge.issuer, allow_password_grant=True)
    now = int(time.time())
    forge.issue(forge.sign(forge.claims(iat=now + 600, exp=now + 900)), headers={"Date": date})

    with pytest.raises(ProtocolError) as error:
        client.sign_in("carol", "any password at all")

    assert not isinstance(error.value, ClockSkewError)
    assert "Check that this computer's clock is right" in error.value.message
    assert not client.server_clock.measured
    assert client.server_clock.offset == 0
