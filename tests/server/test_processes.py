"""The server as real processes: killed and restarted, and under gunicorn with two workers."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.db import Database
from desktop_auth.server.models import AuditEntry, OutboxDelivery
from tests.server.conftest import (
    ALICE,
    ServerClient,
    ServerProcess,
    WebhookSink,
    free_port,
    server_command,
    wait_for,
)

pytestmark = pytest.mark.slow


def init_with_alice(
    data_dir: Path, capsys: pytest.CaptureFixture[str], *init_args: str, webhook: str | None = None
) -> None:
    assert server_cli(["--data-dir", str(data_dir), "init", *init_args]) == 0
    if webhook:
        add_webhook(data_dir, webhook, capsys)
    with pytest.MonkeyPatch.context() as mp:
        import io

        mp.setattr(sys, "stdin", io.StringIO(ALICE[1] + "\n"))
        assert (
            server_cli(
                [
                    "--data-dir",
                    str(data_dir),
                    "user",
                    "add",
                    "alice",
                    "--password-stdin",
                    "--roles",
                    "admin",
                ]
            )
            == 0
        )
    capsys.readouterr()


def add_webhook(data_dir: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert server_cli(["--data-dir", str(data_dir), "webhook", "add", url]) == 0
    capsys.readouterr()


def failed_webhook_attempts(db: Database) -> int:
    with db.session() as session:
        rows = session.scalars(
            select(OutboxDelivery).where(OutboxDelivery.receiver.endswith("post_webhooks"))
        ).all()
        return sum(r.attempts for r in rows if r.delivered_at is None)


def test_effects_pending_at_kill_are_delivered_once_after_restart(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server_processes: Callable[..., ServerProcess],
) -> None:
    data_dir = tmp_path / "srv"
    hook_port = free_port()
    # The webhook endpoint is down from the start: user_created (recorded by the CLI) and the
    # login below both stay owed.
    init_with_alice(data_dir, capsys, webhook=f"http://127.0.0.1:{hook_port}/hook")
    db = Database(load_config(data_dir).resolved_database_url)

    first = server_processes(*server_command(data_dir, "run", "--port", "0"))
    client = ServerClient(first.start())
    client.sign_in(*ALICE)
    wait_for(lambda: failed_webhook_attempts(db) >= 2)
    first.kill()

    sink = WebhookSink(port=hook_port)
    try:
        second = server_processes(*server_command(data_dir, "run", "--port", "0"))
        second.start()
        # Within the lease the killed process held (10 s) plus a delivery round.
        wait_for(lambda: sink.events("user_logged_in"), timeout=40)
        wait_for(lambda: sink.events("user_created"), timeout=40)
        second.kill()
        third = server_processes(*server_command(data_dir, "run", "--port", "0"))
        third.start()
        time.sleep(2.5)
        third.terminate()
        logins = sink.events("user_logged_in")
        assert len(logins) == 1, "delivered more than once"
        assert logins[0]["data"]["username"] == "alice"
        assert len(sink.events("user_created")) == 1
        with db.session() as session:
            audited = session.scalars(select(AuditEntry.event)).all()
        assert sorted(audited) == ["user_created", "user_logged_in"]
    finally:
        sink.close()
        db.dispose()


def test_run_stops_cleanly_on_sigterm(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server_processes: Callable[..., ServerProcess],
) -> None:
    init_with_alice(tmp_path / "srv", capsys)
    process = server_processes(*server_command(tmp_path / "srv", "run", "--port", "0"))
    ServerClient(process.start()).sign_in(*ALICE)
    assert process.terminate(timeout=15) == 0


@pytest.mark.skipif(
    shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
    reason="gunicorn is a dev dependency",
)
def test_two_gunicorn_workers_share_codes_tokens_and_throttling(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server_processes: Callable[..., ServerProcess],
) -> None:
    data_dir = tmp_path / "srv"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sink = WebhookSink()
    init_with_alice(data_dir, capsys, "--issuer", url, webhook=sink.url)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = server_processes(
        gunicorn,
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "desktop_auth.server.wsgi:create_app_from_env()",
        env={"DESKTOP_AUTH_SERVER_DATA_DIR": str(data_dir)},
    )
    try:
        process.start(ready_url=url)
        rounds = 12
        for _ in range(rounds):
            # A new connection per request, so both workers take part.
            client = ServerClient(url)
            client.http.headers["Connection"] = "close"
            tokens = client.sign_in(*ALICE)
            assert client.refresh(tokens["refresh_token"]).status_code == 200
            # The spent refresh token is recognised whichever worker sees it.
            reuse = client.refresh(tokens["refresh_token"])
            assert reuse.status_code == 400
            assert reuse.json()["error"] == "invalid_grant"
        # Throttling state is shared: five failures, then 429 from any worker.
        client = ServerClient(url)
        client.http.headers["Connection"] = "close"
        for _ in range(5):
            assert client.challenge("alice", "wrong password!").status_code == 400
        throttled = client.challenge(*ALICE)
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) >= 1

        def delivered() -> bool:
            return len(sink.events("user_logged_in")) >= rounds

        wait_for(delivered, timeout=30)
        time.sleep(1.5)
        # Two outbox workers, one delivery per event.
        keys = [e["id"] for e in sink.events("user_logged_in")]
        assert len(keys) == rounds == len(set(keys))
        pids = _worker_pids(process)
        assert len(pids) == 2
    finally:
        sink.close()


def _worker_pids(process: ServerProcess) -> set[int]:
    assert process.proc is not None
    children = Path(f"/proc/{process.proc.pid}/task/{process.proc.pid}/children")
    return {int(p) for p in children.read_text().split()} if children.exists() else set()
