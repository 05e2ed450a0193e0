"""The public native client of every installation, made by ``init`` and the embedded server."""

from __future__ import annotations

from sqlalchemy import select
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
