"""desktop-auth-server prune: exactly the spent, expired and delivered rows go, on both backends."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from desktop_auth.server.config import load_config, save_config
from desktop_auth.server.models import (
    AuditEntry,
    AuthorizationCode,
    DeviceCode,
    OutboxDelivery,
    OutboxEvent,
    Token,
    User,
    Webhook,
    WebhookDelivery,
    utcnow,
)
from tests.server.conftest import ALICE, LiveServer

# The test picks both backends itself.
pytestmark = pytest.mark.own_database

NOW = utcnow()
LONG_AGO = NOW - timedelta(days=30)
LATELY = NOW - timedelta(hours=1)
LATER = NOW + timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_server(
    request: pytest.FixtureRequest,
    start_server: Callable[..., LiveServer],
    monkeypatch: pytest.MonkeyPatch,
) -> LiveServer:
    if request.param == "postgresql":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("postgres_database"))
    live = start_server()
    assert live.state.db.engine.dialect.name == request.param
    live.add_user(*ALICE)
    return live


def code(name: str, user_id: int, expires_at: Any, used_at: Any = None) -> AuthorizationCode:
    return AuthorizationCode(
        code_hash=name,
        client_id="desktop-auth",
        user_id=user_id,
        redirect_uri=None,
        scope="openid",
        code_challenge="x" * 43,
        code_challenge_method="S256",
        auth_time=0,
        family_id=name,
        expires_at=expires_at,
        used_at=used_at,
    )


def device_code(name: str, expires_at: Any) -> DeviceCode:
    return DeviceCode(
        device_code_hash=name,
        user_code_hash=name,
        client_id="desktop-auth",
        expires_at=expires_at,
        interval=5,
        family_id=name,
    )


def token(name: str, user_id: int, access: Any, refresh: Any, **states: Any) -> Token:
    return Token(
        jti=name,
        refresh_token_hash=name if refresh else None,
        family_id=name,
        client_id="desktop-auth",
        user_id=user_id,
        issued_at=LONG_AGO,
        access_expires_at=access,
        refresh_expires_at=refresh,
        **states,
    )


def event(name: str, done_at: Any) -> OutboxEvent:
    # Not due for an hour: the running worker leaves the undelivered ones alone.
    return OutboxEvent(
        key=name, name="user_created", created_at=LONG_AGO, next_attempt_at=LATER, done_at=done_at
    )


def seed(server: LiveServer) -> None:
    """Rows named keep-* (still needed) and gone-* (spent, expired or delivered long ago)."""
    with server.state.db.session() as session:
        alice = session.scalar(select(User.id).where(User.username == ALICE[0]))
        assert alice is not None
        session.add_all(
            [
                code("keep-live", alice, LATER),
                code("keep-expired-lately", alice, LATELY, used_at=LATELY),
                code("gone-expired", alice, LONG_AGO),
                code("gone-spent", alice, LONG_AGO, used_at=LONG_AGO),
                device_code("keep-device-live", LATER),
                device_code("gone-device-expired", LONG_AGO),
                token("keep-refreshable", alice, LONG_AGO, LATER),
                token("keep-revoked-unexpired", alice, LONG_AGO, LATER, revoked_at=LONG_AGO),
                token("keep-rotated-lately", alice, LONG_AGO, LATELY, rotated_at=LONG_AGO),
                token("keep-access-only-live", alice, LATER, None),
                token("gone-refresh-expired", alice, LONG_AGO, LONG_AGO, rotated_at=LONG_AGO),
                token("gone-revoked-expired", alice, LONG_AGO, LONG_AGO, revoked_at=LONG_AGO),
                token("gone-access-only", alice, LONG_AGO, None),
                event("keep-owed", None),
                event("keep-done-lately", LATELY),
                event("gone-done", LONG_AGO),
                Webhook(url="http://127.0.0.1:9/hook", secret="s"),
                AuditEntry(event_key="keep-audit", ts=NOW - timedelta(days=300), event="x"),
                AuditEntry(event_key="gone-audit", ts=NOW - timedelta(days=400), event="x"),
            ]
        )
        session.flush()
        hook = session.scalar(select(Webhook.id))
        assert hook is not None
        for key in ("keep-owed", "keep-done-lately", "gone-done"):
            event_id = session.scalar(select(OutboxEvent.id).where(OutboxEvent.key == key))
            assert event_id is not None
            session.add(OutboxDelivery(event_id=event_id, receiver=f"receiver-{key}"))
            session.add(WebhookDelivery(webhook_id=hook, event_key=key))


def seeded(server: LiveServer) -> dict[str, set[str]]:
    """The seeded rows still present, by table."""
    columns = {
        "codes": AuthorizationCode.code_hash,
        "device_codes": DeviceCode.device_code_hash,
        "tokens": Token.jti,
        "events": OutboxEvent.key,
        "deliveries": OutboxDelivery.receiver,
        "webhook_deliveries": WebhookDelivery.event_key,
        "audit": AuditEntry.event_key,
    }
    with server.state.db.session() as session:
        return {
            table: {
                name.removeprefix("receiver-")
                for name in session.scalars(select(column))
                if name.startswith(("keep-", "gone-", "receiver-"))
            }
            for table, column in columns.items()
        }


def test_prune_deletes_exactly_what_is_spent_expired_or_delivered(
    backend_server: LiveServer,
) -> None:
    # A real sign-in's rows are fresh: they stay, and its refresh token still works after.
    tokens = backend_server.sign_in(*ALICE)
    seed(backend_server)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert backend_server.cli("prune", "--older-than", "2") == 0
    assert out.getvalue() == (
        "Deleted 2 authorization codes, 1 device codes, 3 tokens, 1 outbox events, "
        "1 webhook deliveries, 1 audit entries.\n"
    )
    assert seeded(backend_server) == {
        "codes": {"keep-live", "keep-expired-lately"},
        "device_codes": {"keep-device-live"},
        "tokens": {
            "keep-refreshable",
            "keep-revoked-unexpired",
            "keep-rotated-lately",
            "keep-access-only-live",
        },
        "events": {"keep-owed", "keep-done-lately"},
        "deliveries": {"keep-owed", "keep-done-lately"},
        "webhook_deliveries": {"keep-owed", "keep-done-lately"},
        "audit": {"keep-audit"},
    }
    assert backend_server.refresh(tokens["refresh_token"]).status_code == 200


def test_prune_with_a_shorter_grace_and_audit_kept_forever(backend_server: LiveServer) -> None:
    seed(backend_server)
    save_config(replace(load_config(backend_server.data_dir), audit_retention_days=0))
    with contextlib.redirect_stdout(io.StringIO()):
        assert backend_server.cli("prune", "--older-than", "0") == 0
    left = seeded(backend_server)
    # Expired an hour ago is past a grace of none; live and owed rows stay all the same.
    assert left["codes"] == {"keep-live"}
    assert left["tokens"] == {
        "keep-refreshable",
        "keep-revoked-unexpired",
        "keep-access-only-live",
    }
    assert left["events"] == {"keep-owed"}
    assert left["audit"] == {"keep-audit", "gone-audit"}


def test_prune_refuses_a_negative_age(backend_server: LiveServer) -> None:
    assert backend_server.cli("prune", "--older-than", "-1") == 2
