"""`desktop-auth-cli login` against Django OAuth Toolkit: password grant, opaque token, userinfo."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.client.conftest import console_script
from tests.interop.conftest import DotServer

pytestmark = pytest.mark.slow


def login(
    server: DotServer,
    username: str,
    password: str,
    data_dir: Path,
    *,
    allow_password_grant: bool = True,
) -> subprocess.CompletedProcess[str]:
    command = [
        str(console_script("desktop-auth-cli")),
        "login",
        "--issuer",
        server.issuer,
        "--client-id",
        server.client_id,
        "--username",
        username,
        "--password-stdin",
        "--data-dir",
        str(data_dir),
    ]
    if allow_password_grant:
        command.append("--allow-password-grant")
    return subprocess.run(
        command, input=password + "\n", capture_output=True, text=True, timeout=60, check=False
    )


def files_contain(directory: Path, secret: str) -> list[Path]:
    return [
        path
        for path in directory.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    ]


def test_alice_signs_in_and_gets_admin_from_the_groups_in_userinfo(dot_server, tmp_path):
    result = login(dot_server, "alice", dot_server.passwords["alice"], tmp_path)

    assert result.returncode == 0, result.stderr
    signed_in = json.loads(result.stdout)
    assert set(signed_in) == {
        "issuer",
        "sub",
        "username",
        "name",
        "email",
        "roles",
        "permissions",
        "expires_at",
    }
    assert signed_in["issuer"] == dot_server.issuer
    assert signed_in["sub"] == "1"  # DOT's subject is the Django user's primary key
    assert signed_in["username"] == "alice"
    assert signed_in["name"] == "Alice Liddell"
    assert signed_in["email"] == "alice@example.org"
    assert signed_in["roles"] == ["admin"]
    assert signed_in["permissions"] == ["*"]
    # DOT's tokens live ACCESS_TOKEN_EXPIRE_SECONDS = 3600 here.
    expires_at = datetime.fromisoformat(signed_in["expires_at"])
    assert expires_at.tzinfo is not None
    remaining = expires_at - datetime.now(UTC)
    assert timedelta(minutes=55) < remaining <= timedelta(hours=1, minutes=1)
    assert dot_server.passwords["alice"] not in result.stdout + result.stderr


def test_bob_is_a_viewer_who_may_only_read_documents(dot_server, tmp_path):
    result = login(dot_server, "bob", dot_server.passwords["bob"], tmp_path)

    assert result.returncode == 0, result.stderr
    signed_in = json.loads(result.stdout)
    assert signed_in["username"] == "bob"
    assert signed_in["name"] == "Bob Builder"
    assert signed_in["roles"] == ["viewer"]
    assert signed_in["permissions"] == ["documents.read"]


def test_a_user_in_no_group_signs_in_with_no_roles_and_no_permissions(dot_server, tmp_path):
    # carol's password and name are not ASCII: both must survive stdin, the form and JSON.
    result = login(dot_server, "carol", dot_server.passwords["carol"], tmp_path)

    assert result.returncode == 0, result.stderr
    signed_in = json.loads(result.stdout)
    assert signed_in["username"] == "carol"
    assert signed_in["name"] == "Carol Ch\N{LATIN SMALL LETTER E WITH ACUTE}rie"
    assert signed_in["roles"] == []
    assert signed_in["permissions"] == []


def test_wrong_password_exits_1_with_a_message_and_no_secret_anywhere(dot_server, tmp_path):
    wrong = "wrong-" + dot_server.passwords["alice"]

    result = login(dot_server, "alice", wrong, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr
    assert wrong not in result.stderr
    assert files_contain(tmp_path, wrong) == []


def test_without_allow_password_grant_exits_3_and_says_why(dot_server, tmp_path):
    # DOT has no first-party challenge endpoint, so only the opt-in password grant (or the
    # browser, which a CLI cannot do) remains.
    result = login(
        dot_server,
        "alice",
        dot_server.passwords["alice"],
        tmp_path,
        allow_password_grant=False,
    )

    assert result.returncode == 3
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    message = result.stderr.lower()
    assert "browser" in message or "--allow-password-grant" in message, result.stderr
    assert dot_server.passwords["alice"] not in result.stderr
