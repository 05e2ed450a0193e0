"""The transactional outbox: events written with the change that caused them, delivered later.

``record()`` adds an event to the caller's session, so it commits or rolls back with the
sign-in itself. ``OutboxWorker`` (a thread in every server process) claims due events with a
lease, sends the matching blinker signal to each receiver, and remembers per receiver what was
delivered, so a crash or a failing receiver never loses an effect and never repeats a finished
one.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from desktop_auth.server.models import OutboxDelivery, OutboxEvent, utcnow
from desktop_auth.server.signals import SIGNALS, AuthEvent

if TYPE_CHECKING:
    from flask import Flask

    from desktop_auth.server.config import ServerConfig
    from desktop_auth.server.db import Database

log = logging.getLogger(__name__)


def record(
    session: Session, name: str, payload: dict[str, Any], now: datetime | None = None
) -> str:
    """Add an outbox event to ``session``'s transaction; return its idempotency key."""
    if name not in SIGNALS:
        raise ValueError(f"unknown event {name!r}")
    key = str(uuid.uuid4())
    when = now or utcnow()
    session.add(
        OutboxEvent(key=key, name=name, payload=payload, created_at=when, next_attempt_at=when)
    )
    return key


def receiver_name(receiver: Callable[..., Any]) -> str:
    module = getattr(receiver, "__module__", "?")
    return f"{module}.{getattr(receiver, '__qualname__', repr(receiver))}"


class OutboxWorker:
    """Delivers due outbox events in a daemon thread; ``wake()`` after a commit for no delay."""

    def __init__(self, app: Flask, db: Database, config: ServerConfig) -> None:
        self.app = app
        self.db = db
        self.config = config
        self.owner = str(uuid.uuid4())
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="desktop-auth-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def retry_owed_now(self) -> None:
        """Make every owed effect due now: a (re)start is when a fix downstream is likeliest."""
        now = utcnow()
        with self.db.session() as session:
            session.execute(
                update(OutboxEvent).where(OutboxEvent.done_at.is_(None)).values(next_attempt_at=now)
            )
            session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.delivered_at.is_(None), OutboxDelivery.gave_up_at.is_(None))
                .values(next_attempt_at=now)
            )

    def _run(self) -> None:
        try:
            self.retry_owed_now()
        except Exception:
            log.exception("could not reschedule owed outbox events")
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:
                log.exception("outbox delivery round failed; retrying")
            self._wake.wait(self.config.outbox_poll_interval)
            self._wake.clear()

    def deliver_due(self) -> int:
        """Deliver every event that is due now; return how many were handled."""
        now = utcnow()
        with self.db.session() as session:
            ids = session.scalars(
                select(OutboxEvent.id)
                .where(
                    OutboxEvent.done_at.is_(None),
                    OutboxEvent.next_attempt_at <= now,
                    or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
                )
                .order_by(OutboxEvent.id)
                .limit(100)
            ).all()
        handled = 0
        for event_id in ids:
            if self._stop.is_set():
                break
            if self._claim(event_id):
                self._deliver(event_id)
                handled += 1
        return handled

    def _claim(self, event_id: int) -> bool:
        now = utcnow()
        with self.db.session() as session:
            result = session.execute(
                update(OutboxEvent)
                .where(
                    OutboxEvent.id == event_id,
                    OutboxEvent.done_at.is_(None),
                    or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
                )
                .values(lease_until=now + timedelta(seconds=self.config.outbox_lease))
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def _deliver(self, event_id: int) -> None:
        with self.db.session() as session:
            row = session.get_one(OutboxEvent, event_id)
            event = AuthEvent(row.key, row.name, row.created_at, dict(row.payload))
            done = {
                d.receiver: d
                for d in session.scalars(
                    select(OutboxDelivery).where(OutboxDelivery.event_id == event_id)
                )
            }
            session.expunge_all()
        receivers = list(SIGNALS[event.name].receivers_for(self.app))
        next_due: list[datetime] = []
        for receiver in receivers:
            name = receiver_name(receiver)
            state = done.get(name)
            if state is not None and (state.delivered_at or state.gave_up_at):
                continue
            if state is not None and state.next_attempt_at > utcnow():
                next_due.append(state.next_attempt_at)
                continue
            self._renew_lease(event_id)
            error: str | None = None
            try:
                with self.app.app_context():
                    receiver(self.app, event=event)
            except Exception as exc:
                # Receivers are told never to put secrets in exceptions; we log type and text.
                error = f"{type(exc).__name__}: {exc}"
                log.warning("receiver %s failed for %s %s: %s", name, event.name, event.key, error)
            retry_at = self._save_attempt(event_id, name, error)
            if retry_at is not None:
                next_due.append(retry_at)
        with self.db.session() as session:
            values: dict[str, Any] = {"lease_until": None}
            if next_due:
                values["next_attempt_at"] = min(next_due)
            else:
                values["done_at"] = utcnow()
            session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(**values))

    def _renew_lease(self, event_id: int) -> None:
        with self.db.session() as session:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(lease_until=utcnow() + timedelta(seconds=self.config.outbox_lease))
            )

    def _save_attempt(self, event_id: int, receiver: str, error: str | None) -> datetime | None:
        """Record one attempt; return when to retry, or None when nothing more is owed."""
        now = utcnow()
        with self.db.session() as session:
            state = session.scalar(
                select(OutboxDelivery).where(
                    OutboxDelivery.event_id == event_id, OutboxDelivery.receiver == receiver
                )
            )
            if state is None:
                state = OutboxDelivery(event_id=event_id, receiver=receiver, attempts=0)
                session.add(state)
            state.attempts += 1
            if error is None:
                state.delivered_at = now
                state.last_error = None
                return None
            state.last_error = error[:2000]
            if state.attempts >= self.config.outbox_max_attempts:
                state.gave_up_at = now
                log.error("gave up on receiver %s after %d attempts", receiver, state.attempts)
                return None
            delay = min(
                self.config.outbox_retry_base * 2 ** (state.attempts - 1),
                self.config.outbox_retry_max,
            )
            state.next_attempt_at = now + timedelta(seconds=delay)
            return state.next_attempt_at
