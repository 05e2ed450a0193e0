"""AuthController: runs the protocol client in worker threads and reports through AuthEvents."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from PyQt5.QtCore import QObject, QThreadPool, QTimer, pyqtSlot

from desktop_auth.errors import AuthFailure, DesktopAuthError
from desktop_auth.qt.events import AuthEvents
from desktop_auth.qt.workers import run_in_background
from desktop_auth.session import Session

if TYPE_CHECKING:
    from desktop_auth.oidc import OIDCClient

log = logging.getLogger(__name__)

CANCELLED_MESSAGE = "Sign-in cancelled."
UNEXPECTED_MESSAGE = (
    "Sign-in failed because of an unexpected error in desktop-auth. "
    "Try again; if it keeps failing, report it with the application log."
)
# Renew this long before the access token expires, so a slow network still makes it in time.
REFRESH_MARGIN_SECONDS = 60
MIN_REFRESH_DELAY_SECONDS = 5


def _where(error: BaseException) -> str:
    """Where an unexpected error was raised, without its message (which might hold a secret)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


def failure_for(error: BaseException) -> AuthFailure:
    """The ``AuthFailure`` to show for ``error``; unexpected errors are logged without secrets."""
    if isinstance(error, DesktopAuthError):
        return AuthFailure.from_error(error)
    log.error("unexpected %s during sign-in at %s", type(error).__name__, _where(error))
    return AuthFailure("protocol", UNEXPECTED_MESSAGE)


class _ClientHolder:
    """The protocol client, or a factory that makes it (maybe slowly) in a worker thread."""

    def __init__(self, client: OIDCClient | Callable[[], OIDCClient]) -> None:
        self._lock = threading.Lock()
        if callable(client) and not hasattr(client, "sign_in"):
            self._factory: Callable[[], OIDCClient] | None = client
            self._client: OIDCClient | None = None
        else:
            self._factory = None
            self._client = client  # type: ignore[assignment]

    def get(self) -> OIDCClient:
        with self._lock:
            if self._client is None:
                assert self._factory is not None
                self._client = self._factory()
            return self._client


class AuthController(QObject):
    """Signs in, out, locks and refreshes; every network call runs in a ``QThreadPool`` worker.

    ``client`` is an ``OIDCClient`` or a callable returning one; a callable is first called in
    a worker, so it may block (the embedded server starting, say). Results arrive as the
    signals of ``events``. A sign-in cancelled with ``cancel()`` still finishes in its worker,
    but its result is ignored (and its tokens revoked).
    """

    def __init__(
        self,
        client: OIDCClient | Callable[[], OIDCClient],
        events: AuthEvents | None = None,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("authController")
        self.events = events if events is not None else AuthEvents(self)
        self._client = _ClientHolder(client)
        self._pool = pool
        self._session: Session | None = None
        self._attempt = 0
        self._signing_in = False
        self._locked = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setObjectName("refreshTimer")
        self._refresh_timer.setSingleShot(True)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._refresh_timer.timeout.connect(self.refresh)

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def signing_in(self) -> bool:
        return self._signing_in

    @property
    def is_locked(self) -> bool:
        return self._locked

    def _run(self, fn: Callable[..., Any], *args: Any, on_result: Any, on_error: Any) -> None:
        run_in_background(fn, *args, on_result=on_result, on_error=on_error, pool=self._pool)

    # Sign-in

    @pyqtSlot(str, str)
    def sign_in(self, username: str, password: str) -> None:
        """Start signing in; ignored while a sign-in is already running."""
        if self._signing_in:
            log.debug("sign-in already running; second submit ignored")
            return
        self._attempt += 1
        self._signing_in = True
        self.events.login_started.emit(username)
        self._run(
            self._sign_in_blocking,
            username,
            password,
            on_result=partial(self._sign_in_returned, self._attempt),
            on_error=partial(self._sign_in_errored, self._attempt),
        )

    def restore(self, username: str, refresh_token: str) -> None:
        """Sign in silently from a stored refresh token: the events are those of a sign-in
        (``login_started``, then ``login_succeeded`` or ``login_failed``)."""
        if self._signing_in:
            return
        self._attempt += 1
        self._signing_in = True
        self.events.login_started.emit(username)
        self._run(
            lambda: self._client.get().restore(username, refresh_token),
            on_result=partial(self._sign_in_returned, self._attempt),
            on_error=partial(self._sign_in_errored, self._attempt),
        )

    def _sign_in_blocking(self, username: str, password: str) -> Session:
        return self._client.get().sign_in(username, password)

    def _sign_in_returned(self, attempt: int, session: Session) -> None:
        if attempt != self._attempt:
            log.info("a cancelled sign-in finished; revoking the tokens it got")
            self._revoke(session)
            return
        self._signing_in = False
        previous = self._session
        self._session = session
        self._schedule_refresh(session)
        if self._locked and previous is not None and previous.subject == session.subject:
            self._locked = False
            self.events.unlocked.emit(session)
        else:
            if previous is not None:
                self._revoke(previous)
                self.events.logged_out.emit("another user signed in")
            self._locked = False
            self.events.login_succeeded.emit(session)
        self.events.permissions_changed.emit(session.permissions)

    def _sign_in_errored(self, attempt: int, error: BaseException) -> None:
        if attempt != self._attempt:
            log.info("a cancelled sign-in failed afterwards (%s); ignored", type(error).__name__)
            return
        self._signing_in = False
        self.events.login_failed.emit(failure_for(error))

    @pyqtSlot()
    def cancel(self) -> bool:
        """Cancel the sign-in in progress (``login_failed`` with kind cancelled)."""
        if not self._signing_in:
            return False
        self._attempt += 1
        self._signing_in = False
        self.events.login_failed.emit(AuthFailure("cancelled", CANCELLED_MESSAGE))
        return True

    # Sign-out, lock, refresh

    @pyqtSlot()
    def sign_out(self, reason: str = "user") -> None:
        """Forget the session now and revoke its tokens in the background."""
        session = self._session
        if session is None:
            return
        self._session = None
        self._locked = False
        self._refresh_timer.stop()
        self._revoke(session)
        self.events.logged_out.emit(reason)
        self.events.permissions_changed.emit(frozenset())

    def _revoke(self, session: Session) -> None:
        def revoke_failed(error: BaseException) -> None:
            log.warning("could not revoke the tokens of %s: %s", session.username, _kind(error))

        self._run(
            lambda: self._client.get().revoke(session),
            on_result=lambda _: log.info("tokens of %s revoked", session.username),
            on_error=revoke_failed,
        )

    @pyqtSlot()
    def lock(self) -> None:
        """Lock the signed-in session: the UI shows the lock screen and keeps its state."""
        if self._session is None or self._locked:
            return
        self._locked = True
        self.events.locked.emit()

    @pyqtSlot()
    def refresh(self) -> None:
        """Renew the tokens silently; when that is impossible the session expires and locks."""
        session = self._session
        if session is None:
            return
        self._run(
            lambda: self._client.get().refresh(session),
            on_result=partial(self._refresh_returned, session),
            on_error=partial(self._refresh_errored, session),
        )

    def _refresh_returned(self, old: Session, session: Session) -> None:
        if self._session is not old:  # signed out or in again meanwhile
            self._revoke(session)
            return
        self._session = session
        self._schedule_refresh(session)
        self.events.session_refreshed.emit(session)
        self.events.permissions_changed.emit(session.permissions)

    def _refresh_errored(self, old: Session, error: BaseException) -> None:
        if self._session is not old:
            return
        log.warning("could not renew the session of %s: %s", old.username, _kind(error))
        self.events.session_expired.emit()
        self.lock()

    def _schedule_refresh(self, session: Session) -> None:
        remaining = (session.expires_at - datetime.now(UTC)).total_seconds()
        delay = max(MIN_REFRESH_DELAY_SECONDS, remaining - REFRESH_MARGIN_SECONDS)
        self._refresh_timer.start(int(delay * 1000))

    def shutdown(self, revoke: bool = True) -> Session | None:
        """The app is quitting: stop timers, and revoke the session's tokens in the background
        (nothing keeps them after the process ends) unless ``revoke`` is False (a "stay signed
        in" session, whose refresh token the keyring keeps). No signal is emitted; returns the
        session that was ended, if any."""
        self._refresh_timer.stop()
        self._attempt += 1  # a sign-in still running is ignored (and revoked) when it ends
        self._signing_in = False
        session, self._session = self._session, None
        if session is not None and revoke:
            self._revoke(session)
        return session


def _kind(error: BaseException) -> str:
    if isinstance(error, DesktopAuthError):
        return f"{error.kind}: {error.message}"
    return type(error).__name__
