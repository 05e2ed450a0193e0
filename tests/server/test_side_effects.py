"""Login side effects run through blinker signals, off the request path, via the outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy import select

from desktop_auth.server import outbox, signals
from desktop_auth.server.models import OutboxDelivery, OutboxEvent, User
from desktop_auth.server.outbox import OutboxWorker
from tests.server.conftest import (
    ALICE,
    BOB,
    LiveServer,
    WebhookSink,
    audit_events,
    wait_for,
    wait_for_effects,
)


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    s = WebhookSink()
    yield s
    s.close()


def add_webhook(server: LiveServer, url: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert server.cli("webhook", "add", url) == 0
    out = capsys.readouterr().out
    return out.split("Signing secret (shown once): ")[1].strip()


def test_slow_receiver_does_not_delay_login(server: LiveServer) -> None:
    called = threading.Event()

    def slow(sender: Any, event: signals.AuthEvent, **_: Any) -> None:
        time.sleep(2)
        called.set()

    signals.user_logged_in.connect(slow, sender=server.served.app)
    try:
        started = time.perf_counter()
        response = server.challenge(*ALICE)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        assert elapsed < 1.0, f"login took {elapsed:.2f} s with a 2 s receiver"
        assert called.wait(10), "the slow receiver was never called"
    finally:
        signals.user_logged_in.disconnect(slow, sender=server.served.app)


def test_workers_racing_for_a_backlog_deliver_each_event_once(server: LiveServer) -> None:
    """Workers claim events in batches; two more racing the server's own still never
    deliver an event twice, and leave no progress rows for events that went through."""
    app = server.served.app
    state = server.state
    delivered: list[str] = []
    lock = threading.Lock()

    def count(sender: Any, event: signals.AuthEvent, **_: Any) -> None:
        with lock:
            delivered.append(event.key)

    signals.token_refreshed.connect(count, sender=app)
    racers = [OutboxWorker(app, state.db, state.config) for _ in range(2)]
    try:
        with state.db.session() as session:
            keys = {
                outbox.record(session, "token_refreshed", {"username": "alice", "n": n})
                for n in range(120)
            }
        threads = [threading.Thread(target=racer.deliver_due) for racer in racers]
        for thread in threads:
            thread.start()
        state.outbox.wake()
        for thread in threads:
            thread.join(30)
        wait_for_effects(server)
        assert sorted(delivered) == sorted(keys)
        with state.db.session() as session:
            assert session.scalar(select(OutboxDelivery.id)) is None
    finally:
        signals.token_refreshed.disconnect(count, sender=app)


def test_failing_receiver_neither_fails_login_nor_blocks_other_effects(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(outbox_retry_base=0.2)
    server.add_user(*ALICE)
    calls: list[str] = []

    def broken(sender: Any, event: signals.AuthEvent, **_: Any) -> None:
        calls.append(event.key)
        if len(calls) < 3:
            raise RuntimeError("downstream system is down")

    signals.user_logged_in.connect(broken, sender=server.served.app)
    try:
        assert server.challenge(*ALICE).status_code == 200
        # The audit receiver is delivered at once, whatever the broken one does.
        wait_for(lambda: audit_events(server, "user_logged_in"))
        # The broken receiver is retried with backoff until it succeeds, then left alone.
        wait_for(lambda: len(calls) >= 3)
        time.sleep(1.0)
        assert len(calls) == 3
        assert len(set(calls)) == 1
        assert len(audit_events(server, "user_logged_in")) == 1
    finally:
        signals.user_logged_in.disconnect(broken, sender=server.served.app)


def test_login_updates_last_login_at(server: LiveServer) -> None:
    before = time.time()
    server.sign_in(*BOB)

    def last_login() -> float | None:
        with server.state.db.session() as session:
            user = session.scalar(select(User).where(User.username == "bob"))
            assert user is not None
            return user.last_login_at.timestamp() if user.last_login_at else None

    stamp = wait_for(last_login)
    assert before - 1 <= stamp <= time.time() + 1


def test_welcome_mail_is_written_once_on_first_login(server: LiveServer) -> None:
    server.sign_in(*ALICE)
    mails = wait_for(lambda: list(server.state.config.outbox_dir.glob("*.eml")))
    assert len(mails) == 1
    assert oct(mails[0].stat().st_mode & 0o777) == "0o600"
    message = message_from_bytes(mails[0].read_bytes())
    assert message["To"] == "alice@example.org"
    assert "Welcome" in message["Subject"]
    assert ALICE[1] not in mails[0].read_text()

    server.sign_in(*ALICE)
    wait_for(lambda: len(audit_events(server, "user_logged_in")) == 2)
    wait_for_effects(server)
    assert len(list(server.state.config.outbox_dir.glob("*.eml"))) == 1


def test_every_signal_is_audited_and_exported(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = server.sign_in(*ALICE)
    assert server.challenge("alice", "not the password").status_code == 400
    assert server.refresh(tokens["refresh_token"]).status_code == 200
    assert (
        server.post(
            "/revoke", data={"token": tokens["access_token"], "client_id": "desktop-auth"}
        ).status_code
        == 200
    )
    wait_for(lambda: audit_events(server, "token_revoked"))
    capsys.readouterr()
    assert server.cli("audit", "export") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [line["event"] for line in lines]
    for kind in (
        "user_created",
        "user_logged_in",
        "login_failed",
        "token_refreshed",
        "token_revoked",
    ):
        assert kind in kinds
    failed = next(line for line in lines if line["event"] == "login_failed")
    assert failed["username"] == "alice"
    assert failed["ip"] == "127.0.0.1"
    text = json.dumps(lines)
    for secret in (ALICE[1], "not the password", tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text


def test_webhook_receives_signed_event_with_idempotency_key(
    server: LiveServer, sink: WebhookSink, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = add_webhook(server, sink.url, capsys)
    server.sign_in(*BOB)
    wait_for(lambda: sink.events("user_logged_in"))
    headers, body = next(
        (h, b) for h, b in sink.received if json.loads(b)["type"] == "user_logged_in"
    )
    event = json.loads(body)
    assert event["data"]["username"] == "bob"
    assert headers["Idempotency-Key"] == event["id"]
    # Verify the signature as a consumer would, independently of the server's code.
    fields = dict(part.split("=", 1) for part in headers["X-Desktop-Auth-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    assert abs(int(fields["t"]) - time.time()) < 60


def test_webhook_failure_is_retried_until_delivered_once(
    start_server: Callable[..., LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sink = WebhookSink(fail_first=2)
    try:
        server = start_server(outbox_retry_base=0.2)
        server.add_user(*ALICE)
        add_webhook(server, sink.url, capsys)
        assert server.challenge(*ALICE).status_code == 200
        wait_for(lambda: sink.events("user_logged_in"))
        time.sleep(1.0)
        assert len(sink.events("user_logged_in")) == 1
        with server.state.db.session() as session:
            event = session.scalar(select(OutboxEvent).where(OutboxEvent.name == "user_logged_in"))
            assert event is not None
            assert event.done_at is not None
            hook = session.scalar(
                select(OutboxDelivery).where(
                    OutboxDelivery.event_id == event.id,
                    OutboxDelivery.receiver.endswith("post_webhooks"),
                )
            )
            assert hook is not None
            assert hook.attempts >= 2
            assert hook.delivered_at is not None
    finally:
        sink.close()
