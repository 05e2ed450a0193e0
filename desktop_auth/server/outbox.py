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
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from desktop_auth.server.models import OutboxDelivery, OutboxEvent, table_of, utcnow
from desktop_auth.server.signals import SIGNALS, AuthEvent

if TYPE_CHECKING:
    from flask import Flask

    from desktop_auth.server.config import ServerConfig
    from desktop_auth.server.db import Database

log = logging.getLogger(__name__)

# Set in a session's ``info`` by ``record()``: its next commit has events to deliver.
RECORDED = "desktop_auth.outbox_recorded"

# Events claimed at once: one transaction leases and reads them all.
BATCH = 50


def record(
    session: Session, name: str, payload: dict[str, Any], now: datetime | None = None
) -> str:
    """Add an outbox event to ``session``'s transaction; return its idempotency key."""
    if name not in SIGNALS:
        raise ValueError(f"unknown event {name!r}")
    key = str(uuid.uuid4())
    when = now or utcnow()
    session.info[RECORDED] = True
    # A prepared INSERT, not an ORM object to flush: every sign-in and grant writes one.
    session.execute(
        _INSERT_EVENT,
        {"key": key, "name": name, "payload": payload, "created_at": when, "next_attempt_at": when},
    )
    return key


_INSERT_EVENT = table_of(OutboxEvent).insert()


# The worker's statements, built once (building one costs more than running it).
_events = table_of(OutboxEvent)
_deliveries = table_of(OutboxDelivery)
_DUE = (
    select(_events.c.id, _events.c.key, _events.c.name, _events.c.created_at, _events.c.payload)
    .where(
        _events.c.done_at.is_(None),
        _events.c.next_attempt_at <= bindparam("now"),
        or_(_events.c.lease_until.is_(None), _events.c.lease_until < bindparam("now")),
    )
    .order_by(_events.c.id)
    .limit(BATCH)
    # PostgreSQL: another process's claim in flight is skipped, not waited for.
    # SQLite: the write lock taken at BEGIN makes select-and-lease one step anyway.
    .with_for_update(skip_locked=True)
)
_LEASE = _events.update().where(_events.c.id.in_(bindparam("ids", expanding=True)))
_PROGRESS = select(
    _deliveries.c.event_id,
    _deliveries.c.receiver,
    _deliveries.c.id,
    _deliveries.c.attempts,
    _deliveries.c.next_attempt_at,
    _deliveries.c.delivered_at.is_not(None) | _deliveries.c.gave_up_at.is_not(None),
).where(_deliveries.c.event_id.in_(bindparam("ids", expanding=True)))
_FINISH = _events.update().where(_events.c.id == bindparam("event_id"))


def receiver_name(receiver: Callable[..., Any]) -> str:
    module = getattr(receiver, "__module__", "?")
    return f"{module}.{getattr(receiver, '__qualname__', repr(receiver))}"


@dataclass(frozen=True)
class _Progress:
    """How far one receiver got with one event before this delivery round."""

    row_id: int
    attempts: int
    next_attempt_at: datetime
    finished: bool  # delivered, or given up on


@dataclass(frozen=True)
class _Claimed:
    id: int
    event: AuthEvent
    progress: dict[str, _Progress]  # by receiver name; receivers never tried are absent


@dataclass(frozen=True)
class _Attempt:
    receiver: str
    progress: _Progress | None
    error: str | None  # None: delivered


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
        self._leased_at = 0.0

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
            if self._wake.wait(self.config.outbox_poll_interval):
                # Woken by a commit: give the events committed right after it the same round
                # (one claim per round instead of one per event; side effects are late anyway).
                self._stop.wait(self.config.outbox_batch_delay)
            self._wake.clear()

    def deliver_due(self) -> int:
        """Deliver every event that is due now; return how many were handled."""
        batch = self._claim_due()
        handled = 0
        for position, claimed in enumerate(batch):
            if self._stop.is_set():
                self._release([c.id for c in batch[position:]])
                break
            self._deliver(claimed, [c.id for c in batch[position:]])
            handled += 1
        return handled

    def _claim_due(self) -> list[_Claimed]:
        """Lease a batch of due events and read them with their receivers' progress, at once."""
        now = utcnow()
        with self.db.transaction() as db:
            events = db.execute(_DUE, {"now": now}).all()
            if not events:
                return []
            ids = [e.id for e in events]
            db.execute(
                _LEASE,
                {"ids": ids, "lease_until": now + timedelta(seconds=self.config.outbox_lease)},
            )
            progress: dict[int, dict[str, _Progress]] = {i: {} for i in ids}
            for row in db.execute(_PROGRESS, {"ids": ids}):
                progress[row[0]][row[1]] = _Progress(row[2], row[3], row[4], bool(row[5]))
        self._leased_at = time.monotonic()
        return [
            _Claimed(e.id, AuthEvent(e.key, e.name, e.created_at, dict(e.payload)), progress[e.id])
            for e in events
        ]

    def _deliver(self, claimed: _Claimed, leased: list[int]) -> None:
        """Run the receivers ``claimed`` still owes, then record every outcome in one transaction.

        ``leased`` are the batch's events not finished yet: their leases are renewed together
        whenever a third of the lease has passed, so a slow receiver never lets another process
        claim them meanwhile.
        """
        event = claimed.event
        attempts: list[_Attempt] = []
        next_due: list[datetime] = []
        for receiver in list(SIGNALS[event.name].receivers_for(self.app)):
            name = receiver_name(receiver)
            progress = claimed.progress.get(name)
            if progress is not None and progress.finished:
                continue
            if progress is not None and progress.next_attempt_at > utcnow():
                next_due.append(progress.next_attempt_at)
                continue
            self._keep_leases(leased)
            error: str | None = None
            try:
                with self.app.app_context():
                    receiver(self.app, event=event)
            except Exception as exc:
                # Receivers are told never to put secrets in exceptions; we log type and text.
                error = f"{type(exc).__name__}: {exc}"
                log.warning("receiver %s failed for %s %s: %s", name, event.name, event.key, error)
            attempts.append(_Attempt(name, progress, error))
        with self.db.transaction() as db:
            next_due += self._save_attempts(db, claimed.id, attempts, finishing=not next_due)
            values: dict[str, Any] = {"lease_until": None}
            if next_due:
                values["next_attempt_at"] = min(next_due)
            else:
                values["done_at"] = utcnow()
            db.execute(_FINISH, {"event_id": claimed.id, **values})

    def _keep_leases(self, leased: list[int]) -> None:
        if time.monotonic() - self._leased_at < self.config.outbox_lease / 3:
            return
        with self.db.transaction() as db:
            db.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(leased))
                .values(lease_until=utcnow() + timedelta(seconds=self.config.outbox_lease))
            )
        self._leased_at = time.monotonic()

    def _release(self, leased: list[int]) -> None:
        """Give back events this worker will not get to, so another process takes them now."""
        with self.db.transaction() as db:
            db.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(leased)).values(lease_until=None)
            )

    def _save_attempts(
        self, db: Connection, event_id: int, attempts: list[_Attempt], finishing: bool
    ) -> list[datetime]:
        """Record each receiver's attempt; return when the failed ones are to be retried.

        A receiver's progress is kept only while its event may be delivered again: when every
        receiver of an event succeeds in one round (``finishing`` and no failure), the event's
        ``done_at`` says it all and first-time successes get no row.
        """
        now = utcnow()
        retries: list[datetime] = []
        new_rows: list[dict[str, Any]] = []
        for attempt in attempts:
            count = (attempt.progress.attempts if attempt.progress else 0) + 1
            values: dict[str, Any] = {"attempts": count}
            if attempt.error is None:
                values.update(delivered_at=now, last_error=None)
            else:
                values["last_error"] = attempt.error[:2000]
                if count >= self.config.outbox_max_attempts:
                    values["gave_up_at"] = now
                    log.error("gave up on receiver %s after %d attempts", attempt.receiver, count)
                else:
                    delay = min(
                        self.config.outbox_retry_base * 2 ** (count - 1),
                        self.config.outbox_retry_max,
                    )
                    values["next_attempt_at"] = now + timedelta(seconds=delay)
                    retries.append(values["next_attempt_at"])
            if attempt.progress is not None:
                db.execute(
                    update(OutboxDelivery)
                    .where(OutboxDelivery.id == attempt.progress.row_id)
                    .values(**values)
                )
            else:
                new_rows.append(
                    {
                        "event_id": event_id,
                        "receiver": attempt.receiver,
                        "next_attempt_at": now,
                        "delivered_at": None,
                        "gave_up_at": None,
                    }
                    | values
                )
        failed = any(a.error is not None for a in attempts)
        if new_rows and (failed or not finishing):
            db.execute(insert(OutboxDelivery), new_rows)
        return retries
