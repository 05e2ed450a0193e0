"""Prometheus metrics: this host's counters and request durations, and the database's figures.

Counters and the request histogram count what this host's processes did. Under gunicorn every
worker counts for itself; with ``$PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, made
before gunicorn starts) prometheus_client keeps each worker's values in a file there and a
scrape, whichever worker answers it, adds them up. The outbox and database figures are read
from the database at scrape time, so they are the same whichever instance is asked.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from desktop_auth.server.db import Database
from desktop_auth.server.models import DEVICE_CODE_GRANT_TYPE, OutboxDelivery, OutboxEvent, utcnow
from desktop_auth.server.readiness import ReadinessProbe, describe_database_error

log = logging.getLogger(__name__)

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The values a label may take: anything else a request brings counts as "other", so a client
# cannot make up series (and no user name, token or path ever becomes a label).
SIGN_IN_METHODS = ("challenge", "password", "browser", "device")
SIGN_IN_OUTCOMES = ("succeeded", "failed", "throttled")
GRANT_TYPES = {
    "authorization_code": "authorization_code",
    "refresh_token": "refresh_token",
    "password": "password",
    DEVICE_CODE_GRANT_TYPE: "device_code",
}
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STARTED = "desktop_auth_request_started"


def _bounded(value: str, allowed: Any) -> str:
    return value if value in allowed else "other"


class ServerMetrics:
    """The metrics of one server app, exposed by ``exposition()``."""

    def __init__(self, db: Database, readiness: ReadinessProbe) -> None:
        # Not in prometheus_client's global registry: each app (tests start many) has its own.
        self.sign_ins = Counter(
            "desktop_auth_sign_ins",
            "Sign-in attempts by method and outcome (succeeded, failed, throttled).",
            ["method", "outcome"],
            registry=None,
        )
        self.tokens_issued = Counter(
            "desktop_auth_tokens_issued",
            "Token responses issued, by grant type (refresh_token: refreshed).",
            ["grant_type"],
            registry=None,
        )
        self.request_duration = Histogram(
            "desktop_auth_http_request_duration_seconds",
            "Time to answer an HTTP request, by endpoint (the URL rule), method and status.",
            ["endpoint", "method", "status"],
            registry=None,
        )
        for method in SIGN_IN_METHODS:
            for outcome in SIGN_IN_OUTCOMES:
                self.sign_ins.labels(method, outcome)
        for grant_type in GRANT_TYPES.values():
            self.tokens_issued.labels(grant_type)

        self.registry = CollectorRegistry(auto_describe=True)
        if os.environ.get(MULTIPROCESS_DIR_ENV):
            MultiProcessCollector(self.registry)
        else:
            for metric in (self.sign_ins, self.tokens_issued, self.request_duration):
                self.registry.register(metric)
        self.registry.register(DatabaseCollector(db, readiness))

    def sign_in(self, method: str, outcome: str) -> None:
        self.sign_ins.labels(_bounded(method, SIGN_IN_METHODS), outcome).inc()

    def token_issued(self, grant_type: str | None) -> None:
        self.tokens_issued.labels(GRANT_TYPES.get(grant_type or "", "other")).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def instrument(self, app: Flask) -> None:
        """Time every request of ``app``."""

        @app.before_request
        def _start_timer() -> None:
            setattr(g, _STARTED, time.perf_counter())

        @app.after_request
        def _observe(response: Response) -> Response:
            started: float | None = g.get(_STARTED)
            if started is not None:
                rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
                self.request_duration.labels(
                    rule, _bounded(request.method, HTTP_METHODS), str(response.status_code)
                ).observe(time.perf_counter() - started)
            return response


class DatabaseCollector:
    """Figures read from the database at scrape time: the same on every instance."""

    def __init__(self, db: Database, readiness: ReadinessProbe) -> None:
        self.db = db
        self.readiness = readiness

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only

    def collect(self) -> Iterator[Metric]:
        readiness = self.readiness.check()
        yield GaugeMetricFamily(
            "desktop_auth_database_up",
            "1 if the database answered SELECT 1 within readiness_timeout, else 0.",
            value=1.0 if readiness.database.ok else 0.0,
        )
        checks = GaugeMetricFamily(
            "desktop_auth_ready",
            "1 if the readiness check passed (as /readyz), by check.",
            labels=["check"],
        )
        for name, check in readiness.as_checks().items():
            checks.add_metric([name], 1.0 if check.ok else 0.0)
        yield checks
        if readiness.database.ok:
            yield from self._outbox(utcnow())

    def _outbox(self, now: datetime) -> Iterator[Metric]:
        try:
            with self.db.reading() as connection:
                pending, oldest = connection.execute(
                    select(func.count(), func.min(OutboxEvent.created_at)).where(
                        OutboxEvent.done_at.is_(None)
                    )
                ).one()
                given_up = connection.execute(
                    select(OutboxDelivery.receiver, func.count())
                    .where(OutboxDelivery.gave_up_at.is_not(None))
                    .group_by(OutboxDelivery.receiver)
                ).all()
        except SQLAlchemyError as exc:
            # The readiness check has just passed: a passing failure, shown as missing figures.
            log.warning(
                "metrics: could not read the outbox: %s", describe_database_error(exc, self.db.url)
            )
            return
        yield GaugeMetricFamily(
            "desktop_auth_outbox_pending_events",
            "Side-effect events recorded but not yet delivered (all instances).",
            value=float(pending),
        )
        yield GaugeMetricFamily(
            "desktop_auth_outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered event; 0 when none is owed.",
            value=max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0,
        )
        gave_up = GaugeMetricFamily(
            "desktop_auth_outbox_given_up_deliveries",
            "Deliveries abandoned after their last retry and still in the database, by receiver.",
            labels=["receiver"],
        )
        for receiver, count in given_up:
            gave_up.add_metric([receiver], float(count))
        yield gave_up
