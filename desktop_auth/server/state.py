"""The per-app server state (config, database, keys, throttle, outbox) kept on the Flask app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy.orm import Session

from desktop_auth.server.clients import ClientCache
from desktop_auth.server.config import ServerConfig
from desktop_auth.server.db import Database
from desktop_auth.server.keys import KeyRing, StoredKey
from desktop_auth.server.metrics import ServerMetrics
from desktop_auth.server.outbox import RECORDED, OutboxWorker
from desktop_auth.server.passwords import PasswordHashing
from desktop_auth.server.readiness import ReadinessProbe
from desktop_auth.server.throttle import Throttle

EXTENSION = "desktop_auth"
_SIGNING_KEY = "desktop_auth_signing_key"


@dataclass
class ServerState:
    config: ServerConfig
    db: Database
    keys: KeyRing
    passwords: PasswordHashing
    throttle: Throttle
    outbox: OutboxWorker
    readiness: ReadinessProbe
    metrics: ServerMetrics
    clients: ClientCache = field(default_factory=ClientCache)
    # Authlib's AuthorizationServer, set by the app factory once the state exists.
    oauth: Any = None
    worker_pid: int = field(default=0)

    def request_session(self) -> Session:
        """This thread's session: what one HTTP request reads and writes through."""
        return self.db.scoped()

    def commit(self) -> None:
        """Commit the request's transaction; if it recorded events, the outbox delivers them."""
        session = self.db.scoped()
        recorded = session.info.pop(RECORDED, False)
        session.commit()
        if recorded:
            self.outbox.wake()

    def signing_key(self) -> StoredKey:
        """The key this request signs with: chosen once per request, so that its tokens (and
        an ID token's header and signature) agree even as a new key starts signing."""
        if not has_request_context():
            return self.keys.signing_key()
        chosen: StoredKey | None = g.get(_SIGNING_KEY)
        if chosen is None:
            chosen = self.keys.signing_key()
            setattr(g, _SIGNING_KEY, chosen)
        return chosen

    def ensure_worker(self) -> None:
        """Start the outbox worker in this process (after a fork, gunicorn workers need one)."""
        if self.worker_pid != os.getpid() or not self.outbox.running:
            self.worker_pid = os.getpid()
            self.outbox.start()


def server_state(app: Flask | None = None) -> ServerState:
    target = app if app is not None else current_app
    state: ServerState = target.extensions[EXTENSION]
    return state
