"""Accounts on the live server: argon2id hashes, password policy, no account enumeration."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import argon2
import pytest
import requests
from sqlalchemy import select

from desktop_auth.server.login import account_key
from desktop_auth.server.models import User
from tests.server.conftest import ALICE, BOB, LiveServer

# OWASP's minimum for argon2id (and the server's current parameters).
MIN_MEMORY_KIB, MIN_TIME_COST, PARALLELISM = 19 * 1024, 2, 1


def fullwidth(text: str) -> str:
    """``text`` in full-width forms (U+FF01..U+FF5E), which NFKC maps back to ASCII."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def stored_hash(server: LiveServer, username: str) -> str:
    with server.state.db.session() as session:
        found = session.scalar(select(User.password_hash).where(User.username_key == username))
    assert found is not None, f"no user {username!r} in the database"
    return found


def add_user_with_cli(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, name: str, password: str
) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return server.cli("user", "add", name, "--password-stdin")


def without_date(response: requests.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() != "date"}


def assert_same_response(a: requests.Response, b: requests.Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert without_date(a) == without_date(b)


# -- hashing ---------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_with_owasp_parameters(server: LiveServer) -> None:
    stored = stored_hash(server, "alice")
    assert stored.startswith("$argon2id$")
    params = argon2.extract_parameters(stored)
    assert params.memory_cost >= MIN_MEMORY_KIB
    assert params.time_cost >= MIN_TIME_COST
    assert params.parallelism == PARALLELISM
    assert ALICE[1] not in stored


def test_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(server: LiveServer) -> None:
    password = "legacy account passphrase"
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)
    with server.state.db.session() as session:
        session.add(User(username="carol", username_key=account_key("carol"), password_hash=weak))

    server.sign_in("carol", password)

    upgraded = stored_hash(server, "carol")
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$")
    params = argon2.extract_parameters(upgraded)
    assert (params.memory_cost, params.time_cost, params.parallelism) == (
        MIN_MEMORY_KIB,
        MIN_TIME_COST,
        PARALLELISM,
    )
    assert argon2.PasswordHasher().verify(upgraded, password)
    # The upgraded hash is what the next sign-in checks.
    server.sign_in("carol", password)
    assert stored_hash(server, "carol") == upgraded


# -- password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("set_as", "signed_in_as"),
    [
        pytest.param(
            fullwidth("Fullwidth Passphrase 7"), "Fullwidth Passphrase 7", id="full-width"
        ),
        pytest.param(
            "cr\u00e8me br\u00fbl\u00e9e recipe",
            "cre\u0300me bru\u0302le\u0301e recipe",
            id="composed",
        ),
        pytest.param(
            "cre\u0300me bru\u0302le\u0301e recipe",
            "cr\u00e8me br\u00fbl\u00e9e recipe",
            id="decomposed",
        ),
    ],
)
def test_password_signs_in_with_its_nfkc_equivalent(
    server: LiveServer, set_as: str, signed_in_as: str
) -> None:
    assert set_as != signed_in_as
    server.add_user("dave", set_as)
    server.sign_in("dave", signed_in_as)


def test_password_shorter_than_eight_characters_is_rejected(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_user_with_cli(server, monkeypatch, "erin", "Zq8!mw3") == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert add_user_with_cli(server, monkeypatch, "erin", "Zq8!mw3x") == 0
    server.sign_in("erin", "Zq8!mw3x")


@pytest.mark.parametrize("length", [64, 200])
def test_long_passphrase_is_accepted_and_signs_in(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, length: int
) -> None:
    passphrase = ("the quick brown fox jumps over the lazy dog 0123456789 " * 4)[:length]
    assert len(passphrase) == length
    assert add_user_with_cli(server, monkeypatch, "frank", passphrase) == 0
    server.sign_in("frank", passphrase)
    # All of it counts: a prefix is not the password.
    assert server.challenge("frank", passphrase[:-1]).status_code == 400


def test_common_password_is_rejected_with_a_clear_message(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for password in ("password123", "qwertyuiop", "Password123"):
        assert add_user_with_cli(server, monkeypatch, "grace", password) == 2, password
        err = capsys.readouterr().err
        assert "desktop-auth-server: This password is on a list of commonly used passwords." in err
        assert password not in err
    # Nothing was created.
    assert server.cli("user", "show", "grace") == 2
    assert "No user named 'grace'" in capsys.readouterr().err


def test_new_password_from_passwd_replaces_the_old_one(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))
    assert server.cli("user", "passwd", "alice", "--password-stdin") == 0
    assert server.challenge(*ALICE).status_code == 400
    server.sign_in("alice", "a brand new passphrase")


def test_passwd_applies_the_password_policy(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("qwertyuiop\n"))
    assert server.cli("user", "passwd", "alice", "--password-stdin") == 2
    assert "commonly used passwords" in capsys.readouterr().err
    server.sign_in(*ALICE)


def test_username_differing_only_in_case_or_width_is_a_duplicate(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("alice", "ALICE", fullwidth("Alice"), " alice "):
        assert add_user_with_cli(server, monkeypatch, name, "another long passphrase") == 2, name
        assert "already exists" in capsys.readouterr().err
    server.sign_in(*ALICE)


# -- no account enumeration ------------------------------------------------------------------


def test_unknown_user_and_wrong_password_get_byte_identical_responses(server: LiveServer) -> None:
    wrong_password = server.challenge("alice", "not alice's password")
    unknown_user = server.challenge("nobody", "not alice's password")
    assert wrong_password.status_code == 400
    assert wrong_password.json()["error"] == "access_denied"
    assert_same_response(wrong_password, unknown_user)


def test_disabled_user_with_right_password_gets_the_generic_refusal(server: LiveServer) -> None:
    assert server.cli("user", "disable", "bob") == 0
    disabled = server.challenge(*BOB)
    wrong_password = server.challenge("alice", "not alice's password")
    assert disabled.status_code == 400
    assert_same_response(disabled, wrong_password)


def test_unknown_user_takes_as_long_as_a_wrong_password(
    start_server: Callable[..., LiveServer],
) -> None:
    # Throttling would answer early after a few failures; keep it out of the measurement.
    server = start_server(account_free_failures=1000, ip_max_failures=1000)
    server.add_user(*ALICE)

    def seconds(username: str) -> float:
        started = time.perf_counter()
        response = server.challenge(username, "not the password at all")
        elapsed = time.perf_counter() - started
        assert response.status_code == 400
        return elapsed

    seconds("alice"), seconds("nobody")  # warm up (the first unknown user makes the dummy hash)
    wrong_password, unknown_user = [], []
    for _ in range(10):  # interleaved, so load on the machine hits both alike
        wrong_password.append(seconds("alice"))
        unknown_user.append(seconds("nobody"))
    # Without the dummy argon2 verification for unknown names, an unknown user would be
    # answered in a fraction of the time a real hash check takes, and that difference tells
    # an attacker which usernames exist. The tolerance is wide: only a missing hash fails it.
    ratio = statistics.median(unknown_user) / statistics.median(wrong_password)
    assert 0.6 < ratio < 1.6, (ratio, wrong_password, unknown_user)
