"""node's oidc-provider (an independent, OpenID Certified provider) on 127.0.0.1 for the session.

The version pinned in node_oidc_provider/package-lock.json is installed with ``npm ci`` on first
use into .venv/interop-cache/ (shared by test runs, keyed by the lock file), then
node_oidc_provider/server.mjs runs in a subprocess. Without node or npm the tests are skipped,
saying so; a failing install fails them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.interop.conftest import _first_line

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = Path(__file__).with_name("node_oidc_provider")
CACHE_DIR = REPO_ROOT / ".venv" / "interop-cache"
CLIENT_ID = "desktop-auth-node"  # as in server.mjs
INSTALL_TIMEOUT_SECONDS = 300
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class NodeProvider:
    """Where oidc-provider listens and who can sign in to it (alice, role editor)."""

    issuer: str  # http://127.0.0.1:PORT
    client_id: str
    username: str
    password: str
    log_path: Path  # the server's stderr

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def node_and_npm() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(
            "node and npm are not installed, and the oidc-provider interoperability tests "
            "need them (`sudo make deps` installs them)"
        )
    return node, npm


def install_provider(npm: str) -> Path:
    """A directory where the pinned oidc-provider is installed, with server.mjs beside it."""
    files = [SOURCE_DIR / "package.json", SOURCE_DIR / "package-lock.json"]
    key = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:16]
    target = CACHE_DIR / f"oidc-provider-{key}"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with (CACHE_DIR / f"oidc-provider-{key}.lock").open("w") as lock:
        # Other test runs on this machine may be installing or starting it at the same time.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".installed").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for path in files:
                shutil.copy(path, target / path.name)
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_SECONDS,
                check=False,
            )
            if result.returncode != 0:
                pytest.fail(
                    f"`npm ci` of oidc-provider in {target} failed ({result.returncode}):\n"
                    f"{result.stdout[-2000:]}{result.stderr[-4000:]}",
                    pytrace=False,
                )
            (target / ".installed").touch()
        # ES modules find their packages from their own folder, so the script runs from here.
        with tempfile.NamedTemporaryFile("wb", dir=target, delete=False) as copy:
            copy.write((SOURCE_DIR / "server.mjs").read_bytes())
        Path(copy.name).replace(target / "server.mjs")
    return target


@pytest.fixture(scope="session")
def node_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProvider]:
    node, npm = node_and_npm()
    installed = install_provider(npm)
    log_path = tmp_path_factory.mktemp("node-provider") / "server.log"
    password = f"{secrets.token_urlsafe(9)} &+=%? alice"
    env = {**os.environ, "NODE_OIDC_ALICE_PASSWORD": password, "NODE_ENV": "test"}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [node, "server.mjs"],
            cwd=installed,
            env=env,
            stdin=subprocess.PIPE,  # the server exits when this closes, even if we are killed
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        line = _first_line(proc.stdout, START_TIMEOUT_SECONDS)
        if not line.startswith("serving "):
            raise RuntimeError(f"oidc-provider did not start: {line!r}\n{log_path.read_text()}")
        # Printed once it listens, with the provider in place: it is ready.
        issuer = line.split()[1]
        yield NodeProvider(issuer, CLIENT_ID, "alice", password, log_path)
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
