"""`desktop-auth-cli login` as a script runs it: one JSON object, exit codes 0/1/2/3, no secret."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.client.conftest import (
    DISCOVERY,
    LEGACY_CLIENT,
    JsonServer,
    StoppableServer,
    TLSFiles,
    console_script,
    discovery_document,
)
from tests.server.conftest import ALICE, BOB, LiveServer, free_port

pytestmark = pytest.mark.slow

WRONG = "not-the-right-password"
FIELDS = {"issuer", "sub", "username", "name", "email", "roles", "permissions", "expires_at"}


def login(
    issuer: str, username: str, password: str, data_dir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            console_script(),
            "login",
            "--issuer",
            issuer,
            "--username",
            username,
            "--password-stdin",
            "--data-dir",
            str(data_dir),
            *options,
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_no_secret(result: subprocess.CompletedProcess[str], *secrets: str) -> None:
    output = result.stdout + result.stderr
    for secret in secrets:
        assert secret not in output
    assert "eyJ" not in output  # no JWT (token) of any kind
    assert "Traceback" not in result.stderr


def log_entries(data_dir: Path) -> list[tuple[str, str | None, str | None, dict[str, object]]]:
    with sqlite3.connect(data_dir / "activity.sqlite3") as db:
        rows = db.execute("SELECT event, username, issuer, detail FROM entries ORDER BY seq")
        return [(event, user, issuer, json.loads(detail)) for event, user, issuer, detail in rows]


# --- exit 0 -----------------------------------------------------------------------------------


def test_alice_signs_in_and_gets_one_json_object(server: LiveServer, tmp_path: Path) -> None:
    result = login(server.url, *ALICE, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.endswith("}\n")
    assert result.stdout.count("\n") == 1
    signed_in = json.loads(result.stdout)
    assert set(signed_in) == FIELDS
    assert signed_in["issuer"] == server.url
    assert signed_in["sub"]
    assert signed_in["username"] == "alice"
    assert signed_in["name"] == "Alice"
    assert signed_in["email"] == "alice@example.org"
    assert signed_in["roles"] == ["admin", "editor"]
    assert signed_in["permissions"] == ["*"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", signed_in["expires_at"])
    assert_no_secret(result, ALICE[1])


def test_bob_may_only_read_documents(server: LiveServer, tmp_path: Path) -> None:
    result = login(server.url, *BOB, tmp_path)

    assert result.returncode == 0, result.stderr
    signed_in = json.loads(result.stdout)
    assert signed_in["roles"] == ["viewer"]
    assert signed_in["permissions"] == ["documents.read"]
    assert signed_in["email"] is None


def test_the_password_grant_with_a_client_registered_for_it(
    password_server: LiveServer, tmp_path: Path
) -> None:
    issuer = password_server.served.issuer
    result = login(issuer, *BOB, tmp_path, "--client-id", LEGACY_CLIENT, "--allow-password-grant")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["username"] == "bob"
    assert_no_secret(result, BOB[1])


def test_sign_ins_are_recorded_in_the_activity_log(server: LiveServer, tmp_path: Path) -> None:
    login(server.url, *ALICE, tmp_path)
    login(server.url, "alice", WRONG, tmp_path)

    entries = log_entries(tmp_path)

    assert [(event, user, issuer) for event, user, issuer, _ in entries] == [
        ("login_succeeded", "alice", server.url),
        ("login_failed", "alice", server.url),
    ]
    assert entries[0][3] == {"method": "native", "roles": ["admin", "editor"]}
    assert entries[1][3]["kind"] == "credentials"
    for path in tmp_path.iterdir():
        assert ALICE[1].encode() not in path.read_bytes()
        assert WRONG.encode() not in path.read_bytes()


# --- exit 1 -----------------------------------------------------------------------------------


def test_a_wrong_password_exits_1_with_the_generic_message(
    server: LiveServer, tmp_path: Path
) -> None:
    result = login(server.url, "alice", WRONG, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "desktop-auth-cli: The username or password is incorrect.\n"
    assert_no_secret(result, WRONG)


def test_a_throttled_account_exits_1_saying_when_to_try_again(
    server: LiveServer, tmp_path: Path
) -> None:
    for _ in range(5):
        assert server.challenge("alice", WRONG).status_code == 400

    result = login(server.url, *ALICE, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert "Too many failed sign-in attempts. Try again in" in result.stderr
    assert_no_secret(result, ALICE[1])


# --- exit 2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "options", "stdin", "expected"),
    [
        ("http://id.example.com", (), "a-password\n", "Refusing plain http://"),
        ("ftp://id.example.com", (), "a-password\n", "https://"),
        ("https://id.example.com", (), "\n", "no password on standard input"),
        ("https://id.example.com", ("--ca-bundle", "/nonexistent.pem"), "pw\n", "--ca-bundle"),
        ("https://id.example.com", ("--no-such-option",), "pw\n", "unrecognized arguments"),
    ],
)
def test_usage_errors_exit_2_without_signing_in(
    tmp_path: Path, issuer: str, options: tuple[str, ...], stdin: str, expected: str
) -> None:
    result = subprocess.run(
        [
            console_script(),
            "login",
            "--issuer",
            issuer,
            "--username",
            "alice",
            "--password-stdin",
            "--data-dir",
            str(tmp_path),
            *options,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_username_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [console_script(), "login", "--issuer", "https://id.example.com", "--password-stdin"],
        input="a-password\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "--username" in result.stderr


# --- exit 3 -----------------------------------------------------------------------------------


def test_a_server_that_is_not_running_exits_3(tmp_path: Path) -> None:
    result = login(f"http://127.0.0.1:{free_port()}", *ALICE, tmp_path)

    assert result.returncode == 3
    assert result.stdout == ""
    assert "Cannot reach 127.0.0.1" in result.stderr
    assert_no_secret(result, ALICE[1])


def test_a_stopped_server_exits_3(stoppable_server: StoppableServer, tmp_path: Path) -> None:
    stoppable_server.stop()

    result = login(stoppable_server.url, *ALICE, tmp_path)

    assert result.returncode == 3
    assert "connection refused" in result.stderr


def test_an_untrusted_certificate_exits_3_naming_ca_bundle(
    tls_server: JsonServer, tmp_path: Path
) -> None:
    issuer = f"{tls_server.base}/idp"
    tls_server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(issuer))

    result = login(issuer, *ALICE, tmp_path)

    assert result.returncode == 3
    assert "--ca-bundle" in result.stderr
    assert_no_secret(result, ALICE[1])


def test_the_ca_bundle_gets_past_tls(
    tls_server: JsonServer, tls_files: TLSFiles, tmp_path: Path
) -> None:
    issuer = f"{tls_server.base}/idp"
    tls_server.answer("GET", f"/idp{DISCOVERY}", body=discovery_document(issuer))
    tls_server.answer("POST", "/idp/oauth/authorize-challenge", 400, {"error": "access_denied"})

    result = login(issuer, *ALICE, tmp_path, "--ca-bundle", str(tls_files.ca))

    assert result.returncode == 1, result.stderr  # TLS passed; the (fake) server said no
    assert "The username or password is incorrect." in result.stderr


def test_a_server_that_needs_the_browser_exits_3_and_says_so(
    password_server: LiveServer, tmp_path: Path
) -> None:
    result = login(password_server.served.issuer, *ALICE, tmp_path)

    assert result.returncode == 3
    assert result.stdout == ""
    assert "browser sign-in" in result.stderr
    assert "--allow-password-grant" in result.stderr


def test_an_unusable_data_dir_is_a_usage_error(server: LiveServer, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")

    result = login(server.url, *ALICE, not_a_dir)

    assert result.returncode == 2
    assert str(not_a_dir) in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
