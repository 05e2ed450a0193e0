"""No secret at rest: a real session (app with the real keyring, the CLI, the bundled server),
then every file the app, the CLI and the server wrote is searched for its passwords and tokens.

Only the keyring (gnome-keyring's own encrypted files, outside the scanned dirs) may hold a
token; the server keeps digests, which are not the values searched for.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from PyQt5.QtCore import Qt, QThreadPool

from desktop_auth.diagnostics import start_diagnostic_log
from desktop_auth.session import Session
from desktop_auth.settings import resolve_data_dir
from tests.app.conftest import focused, make_app  # noqa: F401 - fixture
from tests.server.conftest import (  # noqa: F401 - fixtures
    ALICE,
    BOB,
    LiveServer,
    audit_events,
    start_server,
    wait_for,
)

WRONG_PASSWORD = "Wr0ng-Pa$$word-8841"


def encoded_forms(secret: str) -> dict[str, bytes]:
    """How ``secret`` could sit in a file: raw, UTF-16, URL-encoded, JSON-escaped, hex, and
    base64 (both alphabets) at each of the three alignments inside a longer encoded run."""
    raw = secret.encode()
    forms = {
        "raw": raw,
        "utf-16": secret.encode("utf-16-le"),
        "url": quote(secret, safe="").encode(),
        "form": quote_plus(secret).encode(),
        "json": json.dumps(secret).encode()[1:-1],
        "hex": raw.hex().encode(),
    }
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        # Only the characters fully determined by the secret's own bytes, one spare each side.
        start = -(-4 * offset // 3) + 1
        end = 4 * (offset + len(raw)) // 3 - 1
        core = encoded[start:end]
        forms[f"base64+{offset}"] = core
        forms[f"base64url+{offset}"] = core.replace(b"+", b"-").replace(b"/", b"_")
    return forms


def find_secrets(roots: list[Path], secrets: dict[str, str]) -> list[str]:
    """``where: which secret (form)`` for every occurrence under ``roots``."""
    found = []
    wanted = {
        (name, form): pattern
        for name, secret in secrets.items()
        for form, pattern in encoded_forms(secret).items()
    }
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            found.extend(
                f"{path}: {name} ({form})"
                for (name, form), pattern in wanted.items()
                if pattern in data
            )
    return found


def test_the_scan_finds_a_secret_in_each_encoded_form(tmp_path: Path) -> None:
    secret = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0-x_y~"
    forms = encoded_forms(secret)
    for i, pattern in enumerate(forms.values()):
        (tmp_path / f"{i}.bin").write_bytes(b"junk" * 3 + pattern + b"more junk")
    prefixed = tmp_path / "embedded.b64"
    prefixed.write_bytes(base64.b64encode(b"log line: token=" + secret.encode() + b" end"))
    found = find_secrets([tmp_path], {"token": secret})
    assert len({line.split(":")[0] for line in found}) == len(forms) + 1


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[Path]:
    """Everything desktop-auth (server and app, in this process) logs, DEBUG and up,
    unredacted: a server run with verbose logging."""
    path = tmp_path / "server-logs" / "server.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    ours = logging.getLogger("desktop_auth")
    previous = ours.level
    ours.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()
    ours.setLevel(previous)


def wait_for_workers() -> None:
    assert QThreadPool.globalInstance().waitForDone(20_000)


def cli_login(live: LiveServer, data_dir: Path, username: str, password: str) -> str:
    """``desktop-auth-cli login`` as a real process; returns what it printed."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_auth.cli",
            "login",
            "--issuer",
            live.url,
            "--username",
            username,
            "--password-stdin",
            "--data-dir",
            str(data_dir),
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DESKTOP_AUTH_DATA_DIR": str(data_dir)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_no_password_or_token_is_written_anywhere_by_a_whole_session(
    qtbot,
    start_server,  # noqa: F811
    make_app,  # noqa: F811
    secret_service,
    server_log: Path,
    tmp_path: Path,
) -> None:
    live = start_server()
    live.add_user(*ALICE, roles=("admin",), email="alice@example.org")
    live.add_user(*BOB, roles=("viewer",), email="bob@example.org")
    app_dir = resolve_data_dir(tmp_path / "data")  # make_app's data dir
    diagnostic = start_diagnostic_log(app_dir)
    tokens: dict[str, str] = {}

    def keep(prefix: str, session: Session) -> None:
        assert session.tokens is not None
        for kind in ("access_token", "refresh_token", "id_token"):
            value = getattr(session.tokens, kind)
            if value:
                tokens[f"{prefix} {kind}"] = value

    try:
        app = make_app("--issuer", live.url, keyring_backend=secret_service)
        window = app.login_window
        qtbot.waitUntil(window.stay_signed_in.isEnabled)
        qtbot.waitUntil(lambda: focused() is window.username)

        # A wrong password first, then the right one with "Stay signed in".
        qtbot.keyClicks(focused(), ALICE[0])
        qtbot.keyClick(focused(), Qt.Key_Tab)
        with qtbot.waitSignal(app.events.login_failed, timeout=20_000):
            qtbot.keyClicks(focused(), WRONG_PASSWORD)
            qtbot.keyClick(focused(), Qt.Key_Return)
        qtbot.waitUntil(lambda: focused() is window.password and not window.password.text())
        qtbot.keyClicks(focused(), ALICE[1])
        qtbot.keyClick(focused(), Qt.Key_G, Qt.AltModifier)
        qtbot.waitUntil(window.stay_signed_in.isChecked)
        with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
            qtbot.keyClick(window.password, Qt.Key_Return)
        keep("sign-in", signed_in.args[0])

        with qtbot.waitSignal(app.events.session_refreshed, timeout=20_000) as refreshed:
            app.controller.refresh()
        keep("refresh", refreshed.args[0])
        wait_for_workers()  # the keyring now holds the rotated refresh token

        with qtbot.waitSignal(app.events.logged_out, timeout=20_000):
            app.controller.sign_out()
        wait_for_workers()  # revocation

        cli_dir = tmp_path / "cli-data"
        printed = cli_login(live, cli_dir, *BOB)
        assert "eyJ" not in printed  # the CLI prints the identity, never a token
        assert BOB[1] not in printed

        # The server's side effects (audit, first-login mail) have been delivered.
        for event in ("user_logged_in", "login_failed", "token_refreshed", "token_revoked"):
            wait_for(lambda event=event: audit_events(live, event), timeout=20)
        wait_for(lambda: list(live.state.config.outbox_dir.glob("*.eml")), timeout=20)

        secrets = {
            "alice's password": ALICE[1],
            "bob's password": BOB[1],
            "the wrong password": WRONG_PASSWORD,
            **tokens,
        }
        assert {"sign-in refresh_token", "refresh refresh_token", "sign-in id_token"} <= set(tokens)
        roots = [app_dir, cli_dir, live.data_dir, server_log.parent]
        assert find_secrets(roots, secrets) == []

        # Once the app has quit (logs closed, SQLite checkpointed) there is still none.
        app.quit()
        app.shutdown()
        wait_for_workers()
    finally:
        diagnostic.close()
    written = {p.name for root in roots for p in root.rglob("*") if p.is_file()}
    assert {"activity.sqlite3", "desktop-auth.log", "server.sqlite3", "server.log"} <= written
    assert find_secrets(roots, secrets) == []
