"""A live Django OAuth Toolkit server (an independent OIDC provider) on 127.0.0.1 for the session.

DOT runs in a subprocess (``python -m tests.interop.dot_server``) so that Django's and DOT's own
warnings stay out of this strict-warnings test process; the tests only speak HTTP to it.
"""

from __future__ import annotations

import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
import requests

# The app fixture of the app tests, for driving the window against DOT (not a copy).
from tests.app.conftest import make_app  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "desktop-auth-dot"
START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class DotServer:
    """Where the DOT server listens and who can sign in to it."""

    url: str  # http://127.0.0.1:PORT
    issuer: str  # what its discovery document advertises: URL + "/o"
    client_id: str
    passwords: dict[str, str]  # alice (group admin), bob (group viewer), carol (no group)
    log_path: Path  # the server's stderr

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _first_line(stream: IO[str] | None, timeout: float) -> str:
    """The first line a subprocess prints, or "" if it prints none in time."""
    assert stream is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""


def _wait_for_discovery(url: str, proc: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"DOT server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"DOT discovery at {url} did not answer in time")


@pytest.fixture(scope="session")
def dot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DotServer]:
    data_dir = tmp_path_factory.mktemp("dot-server")
    log_path = data_dir / "server.log"
    # With spaces and form-encoding metacharacters, which a client must carry through unchanged
    # (ASCII only: QTest's keyClicks aborts on a non-ASCII character).
    passwords = {name: f"{secrets.token_urlsafe(9)} &+=%? {name}" for name in ("alice", "bob")}
    # carol is never typed into the window, so hers may be non-ASCII.
    passwords["carol"] = f"{secrets.token_urlsafe(9)} \u00e9t\u00e9 \u00fcber"
    env = {
        **os.environ,
        "DOT_SERVER_DATA_DIR": str(data_dir),
        "DOT_ALICE_PASSWORD": passwords["alice"],
        "DOT_BOB_PASSWORD": passwords["bob"],
        "DOT_CAROL_PASSWORD": passwords["carol"],
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.interop.dot_server"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,  # the server exits when this closes, even if we are killed
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        line = _first_line(proc.stdout, START_TIMEOUT_SECONDS)
        if not line.startswith("serving "):
            raise RuntimeError(f"DOT server did not start: {line!r}\n{log_path.read_text()}")
        url = line.split()[1]
        server = DotServer(
            url=url,
            issuer=url + "/o",
            client_id=CLIENT_ID,
            passwords=passwords,
            log_path=log_path,
        )
        _wait_for_discovery(server.discovery_url, proc, deadline)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
