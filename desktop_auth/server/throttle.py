"""Failed sign-in throttling per account name (existing or not) and per client address."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from desktop_auth.server.config import ServerConfig
from desktop_auth.server.models import AccountThrottle, LoginFailure

HOUR = timedelta(hours=1)
FORGET = timedelta(days=1)


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

    def reserve(
        self, session: Session, account_key: str, ip: str, now: datetime
    ) -> Reservation | int:
        """Count this attempt and return its reservation, or the seconds to wait instead."""
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(AccountThrottle)
            .values(account_key=account_key, consecutive_failures=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["account_key"])
        )
        # The account's row lock (SQLite: the write lock of BEGIN IMMEDIATE) orders attempts.
        state = session.scalars(
            select(AccountThrottle)
            .where(AccountThrottle.account_key == account_key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        wait = self._wait(session, state, ip, now)
        if wait is not None:
            return wait
        state.consecutive_failures += 1
        state.updated_at = now
        beyond = state.consecutive_failures - self.config.account_free_failures
        if beyond >= 0:
            delay = min(self.config.account_base_delay * 2**beyond, self.config.account_max_delay)
            state.locked_until = now + timedelta(seconds=delay)
        failure = LoginFailure(account_key=account_key, ip=ip, at=now)
        session.add(failure)
        # Keep the table small: nothing older than the longest window matters.
        horizon = now - max(HOUR, timedelta(seconds=self.config.ip_window))
        session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))
        session.execute(delete(AccountThrottle).where(AccountThrottle.updated_at < now - FORGET))
        session.flush()
        return Reservation(account_key, failure.id)

    def succeeded(self, session: Session, reservation: Reservation) -> None:
        """The password was right: uncount the attempt and reset the account's count."""
        session.execute(delete(LoginFailure).where(LoginFailure.id == reservation.failure_id))
        session.execute(
            delete(AccountThrottle).where(AccountThrottle.account_key == reservation.account_key)
        )

    def _wait(self, session: Session, state: AccountThrottle, ip: str, now: datetime) -> int | None:
        waits = [0.0]
        if state.locked_until is not None and state.locked_until > now:
            waits.append((state.locked_until - now).total_seconds())
        waits.append(
            self._window_wait(
                session,
                LoginFailure.account_key == state.account_key,
                self.config.account_max_failures_per_hour,
                HOUR,
                now,
            )
        )
        waits.append(
            self._window_wait(
                session,
                LoginFailure.ip == ip,
                self.config.ip_max_failures,
                timedelta(seconds=self.config.ip_window),
                now,
            )
        )
        longest = max(waits)
        return max(1, math.ceil(longest)) if longest > 0 else None

    @staticmethod
    def _window_wait(
        session: Session, where: ColumnElement[bool], limit: int, window: timedelta, now: datetime
    ) -> float:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                where, LoginFailure.at > now - window
            )
        ).one()
        if count < limit or oldest is None:
            return 0.0
        # The window frees up when the oldest failure in it falls out.
        oldest_at: datetime = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        return (oldest_at + window - now).total_seconds()
