"""GET /metrics: Prometheus figures for a scraper with the token, nothing for anyone else."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import ConfigError, load_config, save_config
from desktop_auth.server.models import OutboxEvent, utcnow
from desktop_auth.server.serve import ServedApp
from tests.server.conftest import (
    ALICE,
    LiveServer,
    ServerClient,
    ServerProcess,
    free_port,
    wait_for,
    wait_for_effects,
)
from tests.server.test_health import TcpRelay, relayed_server  # noqa: F401 - a fixture

TOKEN = "metrics-token-for-tests-0123456789abcdef"


def scrape(server: ServerClient, token: str = TOKEN) -> str:
    response = server.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    return response.text


def value(text: str, name: str, **labels: str) -> float:
    """The sample ``name`` with exactly ``labels`` (other than histogram ``le``)."""
    found = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and sample.labels == labels
    ]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0]


@pytest.fixture
def metered(server: LiveServer, start_server: Callable[..., LiveServer]) -> LiveServer:
    """The ``server`` fixture's data (alice, bob), served again with a metrics token."""
    server.served.stop()
    return start_server(server.data_dir, metrics_token=TOKEN, account_base_delay=60.0)


def test_without_a_configured_token_metrics_are_not_found(server: LiveServer) -> None:
    assert server.get("/metrics").status_code == 404
    assert server.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_scraper_without_the_token_is_refused(metered: LiveServer) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ):
        refused = metered.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "desktop_auth" not in refused.text
    assert "desktop_auth_sign_ins_total" in scrape(metered)


def test_a_short_metrics_token_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert server_cli(["--data-dir", str(tmp_path), "init"]) == 0
    (tmp_path / "server.json").write_text('{"metrics_token": "short"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_config(tmp_path)
    capsys.readouterr()
    assert server_cli(["--data-dir", str(tmp_path), "run", "--port", "0"]) == 1
    assert "metrics_token in server.json must be at least 32" in capsys.readouterr().err


def test_sign_ins_tokens_and_request_durations_are_counted_without_names_or_secrets(
    metered: LiveServer,
) -> None:
    tokens = metered.sign_in(*ALICE)
    assert metered.refresh(tokens["refresh_token"]).status_code == 200
    secret_name = "mallory-the-unknown"
    for _ in range(5):
        assert metered.challenge(secret_name, "guessed password 1").status_code == 400
    assert metered.challenge(secret_name, "guessed password 2").status_code == 429
    metered.get("/no/such/page/for/mallory")

    text = scrape(metered)
    sign_ins = "desktop_auth_sign_ins_total"
    assert value(text, sign_ins, method="challenge", outcome="succeeded") == 1
    assert value(text, sign_ins, method="challenge", outcome="failed") == 5
    assert value(text, sign_ins, method="challenge", outcome="throttled") == 1
    assert value(text, sign_ins, method="browser", outcome="succeeded") == 0
    issued = "desktop_auth_tokens_issued_total"
    assert value(text, issued, grant_type="authorization_code") == 1
    assert value(text, issued, grant_type="refresh_token") == 1
    duration = "desktop_auth_http_request_duration_seconds_count"
    assert value(text, duration, endpoint="/token", method="POST", status="200") == 2
    assert value(text, duration, endpoint="/authorize/challenge", method="POST", status="429") == 1
    assert value(text, duration, endpoint="unmatched", method="GET", status="404") == 1
    assert value(text, "desktop_auth_database_up") == 1
    assert value(text, "desktop_auth_ready", check="schema") == 1
    for secret in (*ALICE, secret_name, "guessed password", tokens["refresh_token"], TOKEN):
        assert secret not in text


def test_the_outbox_backlog_is_read_from_the_database(metered: LiveServer) -> None:
    wait_for_effects(metered)
    text = scrape(metered)
    assert value(text, "desktop_auth_outbox_pending_events") == 0
    assert value(text, "desktop_auth_outbox_oldest_pending_age_seconds") == 0
    with metered.state.db.session() as session:
        # Owed for two minutes and not due yet, so the worker leaves it alone.
        session.add(
            OutboxEvent(
                key="test-backlog",
                name="user_created",
                created_at=utcnow() - timedelta(minutes=2),
                next_attempt_at=utcnow() + timedelta(hours=1),
            )
        )
    text = scrape(metered)
    assert value(text, "desktop_auth_outbox_pending_events") >= 1
    assert 110 < value(text, "desktop_auth_outbox_oldest_pending_age_seconds") < 3600


@pytest.mark.own_database
@pytest.mark.slow
def test_metrics_say_the_database_is_down_and_still_answer(
    relayed_server: tuple[TcpRelay, LiveServer],  # noqa: F811 - the fixture imported above
) -> None:
    relay, server = relayed_server
    server.served.stop()
    # The same database through the same relay, with a token this time.
    config = replace(server.served.config, metrics_token=TOKEN)
    served = ServedApp(config, fixed_issuer=True).start()
    try:
        client = ServerClient(served.url)
        assert value(scrape(client), "desktop_auth_database_up") == 1
        relay.down()
        text = scrape(client)
        assert value(text, "desktop_auth_database_up") == 0
        assert value(text, "desktop_auth_ready", check="database") == 0
        assert "desktop_auth_outbox_pending_events" not in text
        relay.up()
        wait_for(lambda: value(scrape(client), "desktop_auth_database_up") == 1)
    finally:
        served.stop()


@pytest.mark.own_database
@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
    reason="gunicorn is a dev dependency",
)
def test_every_gunicorn_worker_answers_with_the_totals_of_all_workers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server_processes: Callable[..., ServerProcess],
) -> None:
    data_dir, metrics_dir = tmp_path / "srv", tmp_path / "metrics"
    metrics_dir.mkdir()
    url = f"http://127.0.0.1:{free_port()}"
    assert server_cli(["--data-dir", str(data_dir), "init", "--issuer", url]) == 0
    save_config(replace(load_config(data_dir), metrics_token=TOKEN))
    monkeypatch.setattr(sys, "stdin", io.StringIO(ALICE[1] + "\n"))
    assert (
        server_cli(["--data-dir", str(data_dir), "user", "add", ALICE[0], "--password-stdin"]) == 0
    )
    process = server_processes(
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        "2",
        "--bind",
        url.removeprefix("http://"),
        "desktop_auth.server.wsgi:create_app_from_env()",
        env={
            "DESKTOP_AUTH_SERVER_DATA_DIR": str(data_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        },
    )
    process.start(ready_url=url)

    def fresh_client() -> ServerClient:
        # A new connection per request, so both workers take part.
        client = ServerClient(url)
        client.http.headers["Connection"] = "close"
        return client

    sign_ins = 6
    for _ in range(sign_ins):
        fresh_client().sign_in(*ALICE)
    answers = set()
    for _ in range(8):
        text = scrape(fresh_client())
        answers.add(
            value(text, "desktop_auth_sign_ins_total", method="challenge", outcome="succeeded")
        )
    assert answers == {sign_ins}
    assert len(list(metrics_dir.glob("*.db"))) >= 2, "both workers wrote their values"
    requests.get(url + "/healthz", timeout=10).raise_for_status()
