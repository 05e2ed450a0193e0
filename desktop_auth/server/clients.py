"""Clients: the public native client of every installation (made by ``init`` and the embedded
server), and the per-process cache the endpoints look clients up through."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from desktop_auth.server.models import Client

NATIVE_CLIENT_ID = "desktop-auth"
# Registered without a port: any port of a loopback redirect matches (RFC 8252 §7.3).
NATIVE_REDIRECT_URI = "http://127.0.0.1/callback"


def ensure_native_client(session: Session) -> None:
    """Add the ``desktop-auth`` client (public, first-party, no password grant, sign-in on
    another device allowed) if missing."""
    if session.scalar(select(Client.id).where(Client.client_id == NATIVE_CLIENT_ID)) is None:
        session.add(
            Client(
                client_id=NATIVE_CLIENT_ID,
                redirect_uris=[NATIVE_REDIRECT_URI],
                allow_password_grant=False,
                allow_device_grant=True,
                first_party=True,
            )
        )


# How long a process keeps a client it has looked up. Clients are only added (``client
# add``), never changed or removed by the server's tools; a row edited by hand is seen by every
# process within this time, and at once by the process that edited it through the ORM.
CLIENT_CACHE_SECONDS = 5.0

_generation = 0  # bumped by every ORM change of a client in this process


@event.listens_for(Client, "after_insert")
@event.listens_for(Client, "after_update")
@event.listens_for(Client, "after_delete")
def _client_changed(mapper: Any, connection: Any, target: Client) -> None:
    global _generation
    _generation += 1


class ClientCache:
    """Clients by ``client_id``, kept for ``ttl`` seconds: every token request and sign-in
    starts by looking its client up, and the row almost never changes. Unknown ids are not
    kept, so a client added by another process is found at once."""

    def __init__(self, ttl: float = CLIENT_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._found: dict[str, tuple[Client, float, int]] = {}

    def get(self, session: Session, client_id: str) -> Client | None:
        now = time.monotonic()
        cached = self._found.get(client_id)
        if cached is not None and cached[1] > now and cached[2] == _generation:
            return cached[0]
        generation = _generation
        row = session.execute(_BY_CLIENT_ID, {"client_id": client_id}).first()
        if row is None:
            self._found.pop(client_id, None)
            return None
        # A transient copy, in no session: requests in other threads share it, read only.
        client = Client(**row._asdict())
        self._found[client_id] = (client, now + self.ttl, generation)
        return client


_BY_CLIENT_ID = select(*Client.__table__.columns).where(Client.client_id == bindparam("client_id"))
