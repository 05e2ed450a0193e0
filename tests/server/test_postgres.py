"""The server on PostgreSQL ($DATABASE_URL): the same sign-in, rotation, throttling, outbox."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory

from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import ConfigError, load_config
from desktop_auth.server.migrations import HERE as MIGRATIONS
from tests.server.conftest import (
    ALICE,
    LiveServer,
    ServerClient,
    audit_events,
    kid_of,
    server_command,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.own_database]


@pytest.fixture
def pg_server(
    postgres_database: str,
    start_server: Callable[..., LiveServer],
    monkeypatch: pytest.MonkeyPatch,
) -> LiveServer:
    monkeypatch.setenv("DATABASE_URL", postgres_database)
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


def test_migrate_on_postgres_applies_the_schema_once(
    postgres_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_database)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert server_cli(["--data-dir", str(tmp_path / "a"), "migrate"]) == 0
        assert server_cli(["--data-dir", str(tmp_path / "b"), "migrate"]) == 0
    first, second = out.getvalue().split("Schema revision: ")[:2]
    assert first.startswith(f"Migrated {postgres_database}: applied 0001, ")
    assert second.splitlines()[1] == f"Already up to date: {postgres_database}."
    assert not (tmp_path / "a" / "server.sqlite3").exists()


def test_instances_migrating_one_postgres_database_at_once_apply_each_revision_once(
    postgres_database: str, tmp_path: Path
) -> None:
    """Instances with data dirs of their own share no lock file: the database orders them."""
    env = {**os.environ, "DATABASE_URL": postgres_database}
    commands = [server_command(tmp_path / f"instance-{i}", "migrate") for i in range(3)]
    running = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for c in commands
    ]
    outputs = [process.communicate(timeout=60)[0] for process in running]
    assert [process.returncode for process in running] == [0, 0, 0], outputs
    applied = [
        revision
        for output in outputs
        for found in re.findall(r": applied (.+)\.$", output, re.MULTILINE)
        for revision in found.split(", ")
    ]
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert sorted(applied) == sorted(set(applied))
    assert applied[-1] == head
    assert all(f"Schema revision: {head}" in output for output in outputs)


def test_the_pool_settings_bound_each_process_connections_to_postgres(
    postgres_database: str,
    start_server: Callable[..., LiveServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """database_pool_size 2 and no overflow: 12 sign-ins at once all succeed, queueing for a
    connection, and the server never holds more than 2 (its outbox worker included)."""
    monkeypatch.setenv("DATABASE_URL", postgres_database)
    # Sign-ins in flight count towards the account's throttle until they succeed.
    live = start_server(database_pool_size=2, database_max_overflow=0, account_free_failures=50)
    live.add_user(*ALICE, roles=("admin",))
    dbname = postgres_database.rsplit("/", 1)[1]
    seen: list[int] = []
    stop = threading.Event()
    watching = psycopg.connect(postgres_database.replace("+psycopg", ""), autocommit=True)

    def connections() -> int:
        row = watching.execute(
            # Client backends only: autovacuum workers show up under the database's name too.
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def count_connections() -> None:
        while not stop.is_set():
            seen.append(connections())
            time.sleep(0.005)

    # The backends of connections closed during set-up ('init', migrations) take a moment
    # to leave pg_stat_activity.
    wait_for(lambda: connections() <= 2)
    watcher = threading.Thread(target=count_connections)
    watcher.start()
    try:
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(lambda _: ServerClient(live.url).sign_in(*ALICE), range(12)))
    finally:
        stop.set()
        watcher.join()
        watching.close()
    assert all("access_token" in tokens for tokens in results)
    assert max(seen) == 2, seen


def test_a_pool_setting_out_of_range_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text('{"database_pool_size": 0}')
    with pytest.raises(ConfigError, match=r"database_pool_size in server\.json must be"):
        load_config(tmp_path)
