"""The server on PostgreSQL ($DATABASE_URL): the same sign-in, rotation, throttling, outbox."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.conftest import ALICE, LiveServer, audit_events, free_port, kid_of, wait_for

pytestmark = pytest.mark.slow


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, run as the ``postgres`` system user."""
    if url := os.environ.get("DESKTOP_AUTH_TEST_POSTGRES_URL"):
        yield url
        return
    bindir = _pg_bin()
    if bindir is None or shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("needs Debian's postgresql package and root (make deps installs it)")
    # pytest's temp dirs are private to root; the cluster must belong to ``postgres``.
    base = Path(tempfile.mkdtemp(prefix="desktop-auth-pg-"))
    shutil.chown(base, "postgres")
    data = base / "data"
    port = free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120
        )

    as_postgres(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    as_postgres(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(data.parent / "log"),
        "-o",
        f"-h 127.0.0.1 -p {port} -k {data.parent}",
        "start",
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_server(
    postgres: str, start_server: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> LiveServer:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("DATABASE_URL", postgres.rsplit("/", 1)[0] + f"/{name}")
    live = start_server()
    assert live.state.db.engine.dialect.name == "postgresql"
    live.add_user(*ALICE, roles=("admin",), email="alice@example.org")
    return live


def test_sign_in_refresh_rotation_and_reuse_on_postgres(pg_server: LiveServer) -> None:
    tokens = pg_server.sign_in(*ALICE)
    rotated = pg_server.refresh(tokens["refresh_token"])
    assert rotated.status_code == 200
    reuse = pg_server.refresh(tokens["refresh_token"])
    assert reuse.json()["error"] == "invalid_grant"
    assert pg_server.refresh(rotated.json()["refresh_token"]).status_code == 400
    me = pg_server.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 401


def test_throttling_and_outbox_on_postgres(pg_server: LiveServer) -> None:
    for _ in range(5):
        assert pg_server.challenge("alice", "not the password").status_code == 400
    throttled = pg_server.challenge(*ALICE)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    wait_for(lambda: len(audit_events(pg_server, "login_failed")) == 5)


def test_signing_keys_rotate_on_postgres(pg_server: LiveServer) -> None:
    old_kid = kid_of(pg_server.sign_in(*ALICE)["access_token"])
    assert pg_server.cli("keys", "rotate", "--publish-for", "0") == 0
    pg_server.state.keys.reload()  # what the reload interval would do
    tokens = pg_server.sign_in(*ALICE)
    new_kid = kid_of(tokens["access_token"])
    assert new_kid != old_kid
    published = [key["kid"] for key in pg_server.get("/jwks.json").json()["keys"]]
    assert published == [old_kid, new_kid]
