"""desktop-auth-server end to end: each command runs as its own process, as an admin runs it."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from alembic.script import ScriptDirectory

from desktop_auth.server.migrations import HERE as MIGRATIONS
from desktop_auth.server.wsgi import DATA_DIR_ENV
from tests.server.conftest import NATIVE_CLIENT, pkce_pair

SERVER_CLI = Path(sys.executable).parent / "desktop-auth-server"
PASSWORD = "correct horse battery staple"
SERVING = "desktop-auth-server: serving "

# The CLI against a data dir of its own (its SQLite file, file modes, templates copied per
# test); the same commands on PostgreSQL run in test_postgres.py and, in-process through
# LiveServer.cli, in every other server test's PostgreSQL run.
pytestmark = [pytest.mark.slow, pytest.mark.own_database]


def environment() -> dict[str, str]:
    # Only --data-dir may say where the data is.
    return {k: v for k, v in os.environ.items() if k not in (DATA_DIR_ENV, "DATABASE_URL")}


def cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SERVER_CLI), "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(),
        check=False,
    )


def ok(data_dir: Path, *args: str, stdin: str = "") -> str:
    done = cli(data_dir, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def session_secret(data_dir: Path) -> bytes:
    """The session cookie key the server keeps in the data dir's SQLite database."""
    with contextlib.closing(sqlite3.connect(data_dir / "server.sqlite3")) as db:
        (value,) = db.execute("SELECT value FROM server_secrets WHERE name = 'session'").fetchone()
    return bytes(value)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Each command is a new Python process (about a second): the data dirs the tests start from
# are made once per module and copied.
@pytest.fixture(scope="module")
def initialised_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("template") / "data"
    ok(template, "init")
    return template


@pytest.fixture(scope="module")
def alice_template(initialised_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("template") / "data"
    shutil.copytree(initialised_template, template)
    ok(
        template,
        "user",
        "add",
        "alice",
        "--password-stdin",
        "--roles",
        "admin,editor",
        stdin=PASSWORD + "\n",
    )
    return template


@pytest.fixture
def data_dir(initialised_template: Path, tmp_path: Path) -> Path:
    """A data dir as `init` left it."""
    copy = tmp_path / "data"
    shutil.copytree(initialised_template, copy)
    return copy


@pytest.fixture
def with_alice(alice_template: Path, tmp_path: Path) -> Path:
    """An initialised data dir after `user add alice --password-stdin --roles admin,editor`."""
    copy = tmp_path / "data"
    shutil.copytree(alice_template, copy)
    return copy


# -- init ------------------------------------------------------------------------------------


def test_init_creates_a_private_data_dir_whatever_the_umask(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    done = subprocess.run(
        [str(SERVER_CLI), "--data-dir", str(data_dir), "init"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(),
        check=False,
        umask=0,
    )
    assert done.returncode == 0, done.stderr
    assert "Initialised" in done.stdout
    assert mode(data_dir) == 0o700
    for name in ("server.sqlite3", "server.json"):
        assert mode(data_dir / name) == 0o600, name
    for path in data_dir.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_init_again_keeps_the_keys_and_data(with_alice: Path) -> None:
    keys = ok(with_alice, "keys", "list")
    secret = session_secret(with_alice)
    assert "Already initialised" in ok(with_alice, "init")
    assert ok(with_alice, "keys", "list") == keys
    assert not (with_alice / "signing-keys.json").exists()
    assert not (with_alice / "session-secret").exists()
    assert session_secret(with_alice) == secret


def test_migrate_brings_the_database_to_the_schema_once_and_says_so(
    tmp_path: Path, data_dir: Path
) -> None:
    fresh = tmp_path / "fresh"
    first = ok(fresh, "migrate")
    assert f"Migrated sqlite:///{fresh / 'server.sqlite3'}: applied 0001, " in first
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert f"Schema revision: {head}" in first
    assert mode(fresh) == 0o700
    assert mode(fresh / "server.sqlite3") == 0o600
    again = ok(fresh, "migrate")
    assert "Already up to date" in again
    assert f"Schema revision: {head}" in again
    assert "Initialised" in ok(fresh, "init")
    assert "Already up to date" in ok(data_dir, "migrate")


@pytest.mark.parametrize("command", [["user", "list"], ["run", "--port", "0"]])
def test_uninitialised_data_dir_is_refused_with_a_pointer_to_init(
    tmp_path: Path, command: list[str]
) -> None:
    data_dir = tmp_path / "never-initialised"
    done = cli(data_dir, *command)
    assert done.returncode != 0
    assert "not initialised" in done.stderr
    assert f"--data-dir {data_dir} init" in done.stderr
    assert "Traceback" not in done.stderr
    assert not data_dir.exists()


# -- users -----------------------------------------------------------------------------------


def test_user_add_then_list_and_show_without_the_password_hash(with_alice: Path) -> None:
    assert "alice\tadmin,editor" in ok(with_alice, "user", "list").splitlines()
    shown = ok(with_alice, "user", "show", "alice")
    user = json.loads(shown)
    assert user["username"] == "alice"
    assert user["roles"] == ["admin", "editor"]
    assert user["disabled"] is False
    assert not [key for key in user if "password" in key or "hash" in key]
    assert "$argon2" not in shown
    assert PASSWORD not in shown


def test_user_add_twice_is_refused_with_a_clear_message(with_alice: Path) -> None:
    done = cli(with_alice, "user", "add", "alice", "--password-stdin", stdin="another passphrase\n")
    assert done.returncode != 0
    assert "A user named 'alice' already exists." in done.stderr
    assert "Traceback" not in done.stderr


def test_user_roles_replaces_the_roles(with_alice: Path) -> None:
    ok(with_alice, "user", "roles", "alice", "viewer")
    assert json.loads(ok(with_alice, "user", "show", "alice"))["roles"] == ["viewer"]


def test_user_disable_marks_the_account_disabled(with_alice: Path) -> None:
    ok(with_alice, "user", "disable", "alice")
    assert "alice\tadmin,editor (disabled)" in ok(with_alice, "user", "list").splitlines()


# -- clients and audit -------------------------------------------------------------------------


def test_client_add_registers_a_client(data_dir: Path) -> None:
    assert "Registered client 'reports'" in ok(
        data_dir, "client", "add", "reports", "--redirect-uri", "http://127.0.0.1/cb"
    )
    listed = ok(data_dir, "client", "list").splitlines()
    assert "reports\tpublic\thttp://127.0.0.1/cb" in listed
    assert any(line.startswith(f"{NATIVE_CLIENT}\tpublic") for line in listed)


def test_audit_export_prints_one_json_object_per_line(with_alice: Path) -> None:
    lines = ok(with_alice, "audit", "export").splitlines()
    entries = [json.loads(line) for line in lines]
    assert all(isinstance(entry, dict) for entry in entries)
    created = [e["username"] for e in entries if e["event"] == "user_created"]
    assert created == ["alice"]
    assert all(e["ts"].endswith("Z") for e in entries)
    exported = "\n".join(lines)
    assert PASSWORD not in exported
    assert "$argon2" not in exported


# -- run ---------------------------------------------------------------------------------------


class Running:
    """`desktop-auth-server run --port 0` in a child process."""

    def __init__(self, data_dir: Path) -> None:
        self.process = subprocess.Popen(
            [str(SERVER_CLI), "--data-dir", str(data_dir), "run", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        assert ready, "the server printed nothing within 30 s"
        self.first_line = self.process.stdout.readline()
        assert self.first_line.startswith(SERVING), (self.first_line, self.stop())
        self.url = self.first_line[len(SERVING) :].split()[0]

    def stop(self) -> tuple[int, str]:
        """SIGTERM, then (exit code, stderr); kills it if it does not exit within 5 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            return -1, err
        return self.process.returncode, err


@pytest.fixture
def running(with_alice: Path) -> Iterator[Running]:
    served = Running(with_alice)
    yield served
    served.stop()


def sign_in(url: str, username: str, password: str) -> requests.Response:
    """The first-party flow: challenge with PKCE, then the code for tokens."""
    verifier, challenge = pkce_pair()
    with requests.Session() as http:
        answer = http.post(
            url + "/authorize/challenge",
            data={
                "client_id": NATIVE_CLIENT,
                "username": username,
                "password": password,
                "scope": "openid profile",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
            timeout=30,
        )
        if answer.status_code != 200:
            return answer
        return http.post(
            url + "/token",
            data={
                "grant_type": "authorization_code",
                "code": answer.json()["authorization_code"],
                "code_verifier": verifier,
                "client_id": NATIVE_CLIENT,
            },
            timeout=30,
        )


def test_run_serves_sign_in_and_stops_cleanly_on_sigterm(
    running: Running, with_alice: Path
) -> None:
    assert running.url.startswith("http://127.0.0.1:")
    assert int(running.url.rsplit(":", 1)[1]) > 0
    discovery = requests.get(running.url + "/.well-known/openid-configuration", timeout=30).json()
    assert discovery["issuer"] == running.url

    tokens = sign_in(running.url, "alice", PASSWORD)
    assert tokens.status_code == 200, tokens.text
    me = requests.get(
        running.url + "/userinfo",
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        timeout=30,
    ).json()
    assert me["preferred_username"] == "alice"
    assert me["roles"] == ["admin", "editor"]

    started = time.monotonic()
    code, err = running.stop()
    assert code == 0, err
    assert time.monotonic() - started < 5
    assert "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(running.url + "/.well-known/openid-configuration", timeout=5)
    events = [json.loads(line)["event"] for line in ok(with_alice, "audit", "export").splitlines()]
    assert "user_logged_in" in events


def test_passwd_applies_to_a_running_server(running: Running, with_alice: Path) -> None:
    new_password = "a different long passphrase"
    ok(with_alice, "user", "passwd", "alice", "--password-stdin", stdin=new_password + "\n")
    refused = sign_in(running.url, "alice", PASSWORD)
    assert refused.status_code == 400
    assert refused.json()["error"] == "access_denied"
    assert sign_in(running.url, "alice", new_password).status_code == 200
