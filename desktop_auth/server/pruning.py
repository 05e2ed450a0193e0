"""Deleting rows nothing needs any more: spent and expired codes, dead tokens, delivered events,
and audit entries older than their retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, select

from desktop_auth.server.db import Database
from desktop_auth.server.models import (
    AuditEntry,
    AuthorizationCode,
    DeviceCode,
    OutboxEvent,
    Token,
    WebhookDelivery,
    table_of,
    utcnow,
)

# Rows deleted per transaction: a large backlog never holds the tables (or SQLite's single
# write lock) for long, so sign-ins go on while it is pruned.
BATCH = 5000


@dataclass(frozen=True)
class Pruned:
    """How many rows of each kind ``prune`` deleted."""

    authorization_codes: int = 0
    device_codes: int = 0
    tokens: int = 0
    outbox_events: int = 0
    webhook_deliveries: int = 0
    audit_entries: int = 0

    def describe(self) -> str:
        return ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in self.__dict__.items()
        )


def _delete_batched(db: Database, table: Table, where: ColumnElement[bool]) -> int:
    """Delete the rows of ``table`` matching ``where``, ``BATCH`` at a time; return how many."""
    key = next(iter(table.primary_key.columns))
    batch = select(key).where(where).limit(BATCH)
    total = 0
    while True:
        with db.transaction() as connection:
            deleted = connection.execute(delete(table).where(key.in_(batch))).rowcount
        total += deleted
        if deleted < BATCH:
            return total


def prune(
    db: Database,
    older_than: timedelta,
    audit_retention: timedelta | None,
    now: datetime | None = None,
) -> Pruned:
    """Delete what has been spent, expired or delivered for longer than ``older_than``, and
    audit entries older than ``audit_retention`` (None: keep them all).

    Nothing still in use goes: a token row stays until both its access token and its refresh
    token have expired (a revoked token is remembered until then, so it stays refused), and
    an event stays until every receiver is done with it.
    """
    now = now or utcnow()
    cutoff = now - older_than
    codes, devices = table_of(AuthorizationCode), table_of(DeviceCode)
    tokens, events = table_of(Token), table_of(OutboxEvent)
    hooks, audit = table_of(WebhookDelivery), table_of(AuditEntry)
    counts: dict[str, Any] = {}
    # A code expires a minute after it is issued, spent or not (and a spent one is kept that
    # long past expiry to recognise a replay); likewise a device code.
    counts["authorization_codes"] = _delete_batched(db, codes, codes.c.expires_at < cutoff)
    counts["device_codes"] = _delete_batched(db, devices, devices.c.expires_at < cutoff)
    counts["tokens"] = _delete_batched(
        db,
        tokens,
        and_(
            tokens.c.access_expires_at < cutoff,
            func.coalesce(tokens.c.refresh_expires_at, tokens.c.access_expires_at) < cutoff,
        ),
    )
    # Which webhooks took an event matters only until the event is done.
    done = select(events.c.key).where(events.c.done_at < cutoff)
    counts["webhook_deliveries"] = _delete_batched(db, hooks, hooks.c.event_key.in_(done))
    # Each event's receiver progress rows go with it (ON DELETE CASCADE).
    counts["outbox_events"] = _delete_batched(db, events, events.c.done_at < cutoff)
    if audit_retention is not None:
        oldest = now - audit_retention
        counts["audit_entries"] = _delete_batched(db, audit, audit.c.ts < oldest)
    return Pruned(**counts)
