"""The bundled identity server run in-process on 127.0.0.1, with demo accounts, for `desktop-auth`
without --issuer, and beside it the example API (``desktop_auth.demo_api``) that trusts it.

Everything here that imports the server (Flask, SQLAlchemy, Authlib, argon2) runs inside
``EmbeddedServer.start``, which the app calls in a worker thread: the login window shows first.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from desktop_auth.errors import ServerError
from desktop_auth.qt.login_window import DemoAccount
from desktop_auth.qt.translation import TranslationContext

log = logging.getLogger(__name__)

EMBEDDED_DIR = "embedded-server"
# The example API's documents: a deployable of its own, so a folder of its own.
EMBEDDED_API_DIR = "embedded-api"
# The passwords are public (the window and the README show them): this server is for trying
# the app on one computer, and it listens on 127.0.0.1 only.
DEMO_ACCOUNTS = (
    DemoAccount("alice", "alice-demo-password", ("admin",)),
    DemoAccount("bob", "bob-demo-password", ("viewer",)),
)
_DEMO_PROFILES = {
    "alice": {"display_name": "Alice Admin", "email": "alice@example.org"},
    "bob": {"display_name": "Bob Viewer", "email": "bob@example.org"},
}
START_TIMEOUT_SECONDS = 60.0


class EmbeddedServer:
    """The bundled server with data under ``DATA_DIR/embedded-server``; demo accounts on first
    run. ``start()`` blocks (call it in a worker); ``url()`` waits for it from any thread.

    The example API is served too, on another port of 127.0.0.1 (``api_url`` once started),
    with its documents under ``DATA_DIR/embedded-api``; it checks tokens with the bundled
    policy, whatever --permissions the app was given.
    """

    tr = TranslationContext("EmbeddedServer")

    def __init__(self, data_dir: Path) -> None:
        self.directory = Path(data_dir) / EMBEDDED_DIR
        self.api_directory = Path(data_dir) / EMBEDDED_API_DIR
        self.api_url: str | None = None
        self._api: Any = None
        self._ready = threading.Event()
        self._url: str | None = None
        self._error: BaseException | None = None
        self._served: Any = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def accounts(self) -> tuple[DemoAccount, ...]:
        return DEMO_ACCOUNTS

    def start(self) -> str:
        """Set up the data dir if new, serve on 127.0.0.1 at a random port, return the URL."""
        try:
            url = self._start()
        except BaseException as error:
            self._error = error
            self._ready.set()
            raise
        self._url = url
        self._ready.set()
        return url

    def _start(self) -> str:
        from desktop_auth.server.config import CONFIG_FILE, load_config, save_config
        from desktop_auth.server.serve import ServedApp
        from desktop_auth.server.state import server_state

        first_run = not (self.directory / CONFIG_FILE).exists()
        config = load_config(self.directory)
        if first_run:
            # No stored issuer: each run is http://127.0.0.1:<its port>.
            save_config(config, store_issuer=False)
        served = ServedApp(config, host="127.0.0.1", port=0, threads=4)
        with self._lock:
            if self._stopped:
                raise ServerError(
                    EmbeddedServer.tr("The app is quitting; the demo server was not started.")
                )
            self._served = served
        served.start()
        with server_state(served.app).db.session() as session:
            self._provision(session, server_state(served.app).passwords)
        log.info("embedded identity server at %s (data in %s)", served.url, self.directory)
        self._start_api(str(served.url))
        return str(served.url)

    def _start_api(self, issuer: str) -> None:
        from desktop_auth.demo_api.serve import ServedAPI

        api = ServedAPI(issuer, self.api_directory)
        with self._lock:
            if self._stopped:
                api.stop()
                raise ServerError(
                    EmbeddedServer.tr("The app is quitting; the demo server was not started.")
                )
            self._api = api
        api.start()
        self.api_url = api.url

    def _provision(self, session: Any, passwords: Any) -> None:
        """The native client and the demo accounts, created when missing."""
        from sqlalchemy import select

        from desktop_auth.server.accounts import create_user
        from desktop_auth.server.clients import ensure_native_client
        from desktop_auth.server.login import account_key
        from desktop_auth.server.models import User

        ensure_native_client(session)
        for account in DEMO_ACCOUNTS:
            key = account_key(account.username)
            if session.scalar(select(User.id).where(User.username_key == key)) is None:
                create_user(
                    session,
                    passwords,
                    account.username,
                    account.password,
                    account.roles,
                    **_DEMO_PROFILES[account.username],
                )

    def url(self, timeout: float = START_TIMEOUT_SECONDS) -> str:
        """The server's URL once it serves; raises ``ServerError`` if it could not start."""
        if not self._ready.wait(timeout):
            raise ServerError(
                EmbeddedServer.tr("The demo server did not start in time; restart the app.")
            )
        if self._url is None:
            raise ServerError(
                EmbeddedServer.tr("The demo server could not start: {error}").format(
                    error=self._error
                )
            )
        return self._url

    def stop(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Stop serving; a start in progress is waited for first, so no thread is left."""
        with self._lock:
            self._stopped = True
            starting = self._served is not None and not self._ready.is_set()
        if starting:
            self._ready.wait(timeout)
        with self._lock:
            served, self._served = self._served, None
            api, self._api = self._api, None
        if api is not None:
            api.stop()
        if served is not None:
            served.stop()
