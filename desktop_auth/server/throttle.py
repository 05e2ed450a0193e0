"""Failed sign-in throttling per account name (existing or not) and per client address."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from desktop_auth.server.config import ServerConfig
from desktop_auth.server.models import AccountThrottle, LoginFailure, table_of

HOUR = timedelta(hours=1)
FORGET = timedelta(days=1)
# Seconds between two clean-ups of old failures in one process.
CLEANUP_INTERVAL = 60.0


@dataclass(frozen=True)
class Reservation:
    """An attempt allowed to check a password, already counted as a failure."""

    account_key: str
    failure_id: int


class Throttle:
    """Growing backoff after a few consecutive failures, plus hard hourly ceilings.

    Every attempt is counted as a failure *before* its password is checked and uncounted if
    it proves right, so parallel attempts cannot slip past a limit while passwords are being
    verified. All state is in the database, shared by every server process.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._next_cleanup = 0.0

    def reserve(
        self, session: Session, account_key: str, ip: str, now: datetime
    ) -> Reservation | int:
        """Count this attempt and return its reservation, or the seconds to wait instead."""
        # One statement makes the account's row if it is new, locks it and reads it: the row
        # lock (SQLite: the write lock of BEGIN IMMEDIATE) orders attempts on the account.
        failures, locked_until = session.execute(
            _upsert(session.get_bind().dialect.name),
            {"account_key": account_key, "consecutive_failures": 0, "updated_at": now},
        ).one()
        wait = self._wait(session, account_key, locked_until, ip, now)
        if wait is not None:
            return wait
        failures += 1
        beyond = failures - self.config.account_free_failures
        if beyond >= 0:
            delay = min(self.config.account_base_delay * 2**beyond, self.config.account_max_delay)
            locked_until = now + timedelta(seconds=delay)
        # Prepared statements, not ORM objects to flush: this runs before every password check.
        session.execute(
            _COUNT_FAILURE,
            {
                "key": account_key,
                "consecutive_failures": failures,
                "updated_at": now,
                "locked_until": locked_until,
            },
        )
        failure_id = session.execute(
            _ADD_FAILURE, {"account_key": account_key, "ip": ip, "at": now}
        ).scalar_one()
        if time.monotonic() >= self._next_cleanup:
            # Keep the tables small: nothing older than the longest window matters. (The
            # windows are counted by time, so how often this runs changes no limit.)
            self._next_cleanup = time.monotonic() + CLEANUP_INTERVAL
            horizon = now - max(HOUR, timedelta(seconds=self.config.ip_window))
            session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))
            session.execute(
                delete(AccountThrottle).where(AccountThrottle.updated_at < now - FORGET)
            )
        return Reservation(account_key, int(failure_id))

    def succeeded(self, session: Session, reservation: Reservation) -> None:
        """The password was right: uncount the attempt and reset the account's count."""
        session.execute(_UNCOUNT_FAILURE, {"id": reservation.failure_id})
        session.execute(_RESET_ACCOUNT, {"key": reservation.account_key})

    def _wait(
        self,
        session: Session,
        account_key: str,
        locked_until: datetime | None,
        ip: str,
        now: datetime,
    ) -> int | None:
        account_window = HOUR
        ip_window = timedelta(seconds=self.config.ip_window)
        counts = session.execute(
            _COUNT_WINDOWS,
            {
                "key": account_key,
                "account_since": now - account_window,
                "ip": ip,
                "ip_since": now - ip_window,
            },
        ).one()
        waits = [
            0.0,
            _window_wait(
                counts[0], counts[1], self.config.account_max_failures_per_hour, account_window, now
            ),
            _window_wait(counts[2], counts[3], self.config.ip_max_failures, ip_window, now),
        ]
        if locked_until is not None and locked_until > now:
            waits.append((locked_until - now).total_seconds())
        longest = max(waits)
        return max(1, math.ceil(longest)) if longest > 0 else None


def _window_wait(
    count: int, oldest: datetime | None, limit: int, window: timedelta, now: datetime
) -> float:
    if count < limit or oldest is None:
        return 0.0
    # The window frees up when the oldest failure in it falls out.
    oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
    return (oldest_at + window - now).total_seconds()


# The statements of every sign-in attempt, built once (building one costs more than running it).
_failures = table_of(LoginFailure)
_throttles = table_of(AccountThrottle)
_of_account = and_(
    _failures.c.account_key == bindparam("key"), _failures.c.at > bindparam("account_since")
)
_of_ip = and_(_failures.c.ip == bindparam("ip"), _failures.c.at > bindparam("ip_since"))
# Both windows in one statement.
_COUNT_WINDOWS = select(
    func.count().filter(_of_account),
    func.min(_failures.c.at).filter(_of_account),
    func.count().filter(_of_ip),
    func.min(_failures.c.at).filter(_of_ip),
).where(or_(_of_account, _of_ip))
_COUNT_FAILURE = _throttles.update().where(_throttles.c.account_key == bindparam("key"))
_ADD_FAILURE = _failures.insert().returning(_failures.c.id)
_UNCOUNT_FAILURE = _failures.delete().where(_failures.c.id == bindparam("id"))
_RESET_ACCOUNT = _throttles.delete().where(_throttles.c.account_key == bindparam("key"))
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """INSERT of a new account row that, on conflict, locks and returns the existing one."""
    if dialect not in _UPSERTS:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(_throttles)
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["account_key"],
            set_={"consecutive_failures": _throttles.c.consecutive_failures},
        ).returning(_throttles.c.consecutive_failures, _throttles.c.locked_until)
    return _UPSERTS[dialect]
