"""Failed sign-in throttling per account name (existing or not) and per client address."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from desktop_auth.server.config import ServerConfig
from desktop_auth.server.models import AccountThrottle, LoginFailure

HOUR = timedelta(hours=1)


class Throttle:
    """Growing backoff after a few consecutive failures, plus hard hourly ceilings.

    All state is in the database, so every server process (gunicorn worker) sees it.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config

    def retry_after(self, session: Session, account_key: str, ip: str, now: datetime) -> int | None:
        """Seconds the caller must wait before trying again, or None if it may try now."""
        waits: list[float] = []
        state = session.get(AccountThrottle, account_key)
        if state is not None and state.locked_until is not None and state.locked_until > now:
            waits.append((state.locked_until - now).total_seconds())
        waits.append(
            self._window_wait(
                session,
                LoginFailure.account_key == account_key,
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
        session: Session, where: object, limit: int, window: timedelta, now: datetime
    ) -> float:
        since = now - window
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(where, LoginFailure.at > since)  # type: ignore[arg-type]
        ).one()
        if count < limit or oldest is None:
            return 0.0
        # The window frees up when enough old failures fall out of it; the oldest is a bound.
        oldest_at: datetime = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        return (oldest_at + window - now).total_seconds()

    def record_failure(self, session: Session, account_key: str, ip: str, now: datetime) -> None:
        session.add(LoginFailure(account_key=account_key, ip=ip, at=now))
        # Atomic on every backend, so concurrent failures in several processes all count.
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(AccountThrottle)
            .values(account_key=account_key, consecutive_failures=0)
            .on_conflict_do_nothing(index_elements=["account_key"])
        )
        count = session.scalar(
            update(AccountThrottle)
            .where(AccountThrottle.account_key == account_key)
            .values(consecutive_failures=AccountThrottle.consecutive_failures + 1)
            .returning(AccountThrottle.consecutive_failures)
        )
        beyond = (count or 0) - self.config.account_free_failures
        if beyond >= 0:
            delay = min(self.config.account_base_delay * 2**beyond, self.config.account_max_delay)
            session.execute(
                update(AccountThrottle)
                .where(AccountThrottle.account_key == account_key)
                .values(locked_until=now + timedelta(seconds=delay))
            )
        # Keep the table small: nothing older than the longest window matters.
        horizon = now - max(HOUR, timedelta(seconds=self.config.ip_window))
        session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))

    def record_success(self, session: Session, account_key: str) -> None:
        session.execute(delete(AccountThrottle).where(AccountThrottle.account_key == account_key))
