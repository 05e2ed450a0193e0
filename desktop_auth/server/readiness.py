"""Readiness of a server process: its database answers, its schema is current, a key signs."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import Connection, make_url, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from desktop_auth.server.db import Database
from desktop_auth.server.migrations import head_revision
from desktop_auth.server.models import SigningKey, utcnow

log = logging.getLogger(__name__)

_SELECT_1 = text("SELECT 1")


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Readiness:
    """The outcome of one round of checks: ``database``, ``schema``, ``signing_key``."""

    database: Check
    schema: Check
    signing_key: Check

    @property
    def ready(self) -> bool:
        return self.database.ok and self.schema.ok and self.signing_key.ok

    def as_checks(self) -> dict[str, Check]:
        return {"database": self.database, "schema": self.schema, "signing_key": self.signing_key}

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "not ready",
            "checks": {name: check.as_json() for name, check in self.as_checks().items()},
        }


def _skipped(because: str) -> Check:
    return Check(False, f"not checked: {because}")


def describe_database_error(exc: BaseException, url: str) -> str:
    """The driver's first line about ``exc``, without the credentials of ``url``: fit for an
    HTTP answer and a log line (a host and port may appear, a user name or password never)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    message = lines[0] if lines else "no message"
    parsed = make_url(url)
    hidden = [str(value) for value in (parsed.password, parsed.username) if value]
    for name, value in parsed.query.items():
        if "password" in name.lower():
            hidden += [value] if isinstance(value, str) else list(value)
    for secret in filter(None, hidden):
        message = message.replace(secret, "***")
    return f"{type(cause).__name__}: {message}"[:300]


class ReadinessProbe:
    """Runs the checks in a thread of their own and waits at most ``timeout`` seconds for them,
    so a database that does not answer makes ``/readyz`` fail fast instead of hang. Probes that
    arrive while a round is still running share its outcome (a hung database costs one thread,
    not one per probe)."""

    def __init__(self, db: Database, timeout: float) -> None:
        self.db = db
        self.timeout = timeout
        self.head = head_revision()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()
        self._outcome: Readiness | None = None

    def check(self) -> Readiness:
        with self._lock:
            if self._done.is_set():
                done = self._done = threading.Event()
                threading.Thread(
                    target=self._run, args=(done,), name="readiness-check", daemon=True
                ).start()
            done = self._done
        if done.wait(self.timeout) and self._outcome is not None:
            return self._outcome
        return Readiness(
            Check(False, f"no answer within {self.timeout:g} s"),
            _skipped("the database did not answer"),
            _skipped("the database did not answer"),
        )

    def _run(self, done: threading.Event) -> None:
        try:
            outcome = self._checks(utcnow())
        except Exception as exc:
            # Not ready rather than the last outcome: a check that breaks proves nothing.
            log.exception("the readiness check failed")
            unknown = _skipped("the check failed")
            outcome = Readiness(
                Check(False, f"check failed: {type(exc).__name__}"), unknown, unknown
            )
        self._outcome = outcome
        done.set()

    def _checks(self, now: datetime) -> Readiness:
        try:
            with self.db.reading() as connection:
                connection.execute(_SELECT_1)
                schema = self._schema(connection)
                if not schema.ok:
                    return Readiness(Check(True, "answered"), schema, _skipped("the schema"))
                return Readiness(
                    Check(True, "answered"), schema, self._signing_key(connection, now)
                )
        except SQLAlchemyError as exc:
            reason = describe_database_error(exc, self.db.url)
            log.warning("not ready: the database: %s", reason)
            unreachable = _skipped("the database")
            return Readiness(Check(False, reason), unreachable, unreachable)

    def _schema(self, connection: Connection) -> Check:
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision == self.head:
            return Check(True, f"at revision {revision}")
        if revision is None:
            return Check(False, "not migrated: run 'desktop-auth-server migrate'")
        return Check(
            False,
            f"at revision {revision}, this version needs {self.head}: "
            "run 'desktop-auth-server migrate' (with this version)",
        )

    def _signing_key(self, connection: Connection, now: datetime) -> Check:
        query = (
            select(SigningKey.kid)
            .where(
                SigningKey.signs_from <= now,
                or_(SigningKey.retire_after.is_(None), SigningKey.retire_after >= now),
            )
            .limit(1)
        )
        kid = connection.scalar(query)
        if kid is None:
            return Check(False, "no key signs now: run 'desktop-auth-server init'")
        return Check(True, "a key signs")
