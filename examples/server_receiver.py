"""Tell another system whenever someone signs in to the bundled server: a blinker receiver.

    python examples/server_receiver.py --data-dir DIR --notify-url URL [--host H] [--port P]

serves the identity server in DIR (made by ``desktop-auth-server --data-dir DIR init``) and
POSTs ``{"event_id", "username", "signed_in_at", "method", "client_id"}`` as JSON to URL for
every sign-in: a chat channel's incoming webhook, a SIEM collector, a CRM.

Why this never slows a sign-in: the sign-in request does not call receivers. It writes an
outbox row in the same transaction as the sign-in and answers; the server's background worker
then sends ``signals.user_logged_in`` to each receiver (docs/SERVER.md, "Side effects"). A slow
or unreachable URL therefore delays only this receiver, and one that raises is retried with
backoff, on its own, until it succeeds. Receivers are called again after a crash or a failure,
so the other system is given ``event_id`` (also as ``Idempotency-Key``) to drop repeats.

In your own deployment, call ``connect(app, url)`` where you build the app, for instance in a
gunicorn factory beside ``desktop_auth.server.wsgi``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from desktop_auth.server import signals
from desktop_auth.server.app import create_app, shutdown
from desktop_auth.server.config import load_config, stored_issuer
from desktop_auth.server.serve import issuer_for
from desktop_auth.server.signals import AuthEvent
from desktop_auth.server.state import server_state

# Where connect() keeps the URL: the app's own config, so every app may notify its own system.
NOTIFY_URL = "LOGIN_NOTIFY_URL"
# A receiver that waits longer holds up only the receivers after it, never a sign-in.
TIMEOUT_S = 5.0


class NotifyError(RuntimeError):
    """The other system did not take the notice; the outbox worker retries it later."""


def login_notice(event: AuthEvent) -> dict[str, Any]:
    """What the other system is told. Fields are picked by name: the event holds no password,
    token or code, and a field added to it one day is not passed on unless listed here."""
    return {
        "event_id": event.key,
        "username": event.username,
        "signed_in_at": event.occurred_at.isoformat(),
        "method": event.payload.get("method"),
        "client_id": event.payload.get("client_id"),
    }


def notify_login(sender: Flask, event: AuthEvent, **_: Any) -> None:
    """The receiver: runs in the outbox worker, after the sign-in has committed."""
    url = sender.config[NOTIFY_URL]
    try:
        response = requests.post(
            url,
            json=login_notice(event),
            headers={"Idempotency-Key": event.key},
            timeout=TIMEOUT_S,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        # The exception's text may hold the URL's query (a chat hook's key): name the type.
        raise NotifyError(f"notice not delivered: {type(exc).__name__}") from None
    if not response.ok:
        raise NotifyError(f"notice refused: HTTP {response.status_code}")


def connect(app: Flask, notify_url: str) -> None:
    """Notify ``notify_url`` of every sign-in to ``app`` (and to no other app in the process)."""
    app.config[NOTIFY_URL] = notify_url
    signals.user_logged_in.connect(notify_login, sender=app)


def disconnect(app: Flask) -> None:
    signals.user_logged_in.disconnect(notify_login, sender=app)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the server's data dir")
    parser.add_argument("--notify-url", required=True, help="where to POST each sign-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    if not (args.data_dir / "server.json").exists():
        parser.error(f"run 'desktop-auth-server --data-dir {args.data_dir} init' first")

    import waitress

    issuer = stored_issuer(args.data_dir) or issuer_for(args.host, args.port)
    # The worker starts only once the receiver is connected, so that events a previous run
    # still owes are delivered to it too.
    app = create_app(load_config(args.data_dir, issuer=issuer), start_worker=False)
    connect(app, args.notify_url)
    server_state(app).ensure_worker()
    print(f"serving {issuer_for(args.host, args.port)} (sign-ins are announced)", flush=True)
    try:
        waitress.serve(app, host=args.host, port=args.port, ident="desktop-auth-server")
    finally:
        shutdown(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
