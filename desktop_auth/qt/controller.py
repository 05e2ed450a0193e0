"""AuthController: runs the protocol client in worker threads and reports through AuthEvents."""

from __future__ import annotations

import logging
import math
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from PyQt5.QtCore import QObject, QThreadPool, QTimer, pyqtSignal, pyqtSlot

from desktop_auth.errors import AuthFailure, DesktopAuthError, NetworkError, ServerError
from desktop_auth.qt.events import AuthEvents
from desktop_auth.qt.library_messages import translated_message
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import run_in_background
from desktop_auth.session import Session

if TYPE_CHECKING:
    from desktop_auth.oidc import OIDCClient
    from desktop_auth.oidc.cancel import CancelToken

log = logging.getLogger(__name__)

# Renew once this share of the access token's lifetime has passed: the rest leaves time to
# retry through a network blip before the token expires.
REFRESH_AT_FRACTION = 0.8
# Never sooner than this, so a token that is (nearly) expired on arrival cannot spin the timer.
MIN_REFRESH_DELAY_SECONDS = 5
# Retries of a renewal that failed transiently: 1, 2, 4, ... s, at most a minute apart, each
# up to a tenth shorter so that many clients cut off together do not come back in lockstep.
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 60.0
RETRY_JITTER = 0.1
# Failures worth retrying: the server may be back in a moment. A TLS failure will not heal by
# itself, and a refused or malformed answer means the session cannot be renewed.
TRANSIENT_ERRORS = (NetworkError, ServerError)


def _where(error: BaseException) -> str:
    """Where an unexpected error was raised, without its message (which might hold a secret)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


def cancelled_message() -> str:
    return AuthController.tr("Sign-in cancelled.")


def unexpected_message() -> str:
    return AuthController.tr(
        "Sign-in failed because of an unexpected error in desktop-auth. "
        "Try again; if it keeps failing, report it with the application log."
    )


def explanation(error: BaseException) -> str:
    """Why ``error`` happened, as a sentence fit to show (in the user's language where the
    library's message is known); an unexpected error is only named (its message might hold a
    secret)."""
    if not isinstance(error, DesktopAuthError):
        return AuthController.tr("An unexpected {error} happened in desktop-auth.").format(
            error=type(error).__name__
        )
    text = translated_message(error.message.strip())
    return text if text.endswith((".", "?", "!")) else text + "."


def retry_delay(failures: int) -> float:
    """Seconds to wait after the ``failures``-th transient failure in a row (1, 2, 3, ...)."""
    base = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (failures - 1))
    return base * random.uniform(1 - RETRY_JITTER, 1)  # noqa: S311 - jitter, not a secret


def wrong_account_message(locked: Session) -> str:
    return AuthController.tr(
        "Only {username} can unlock here. To use another account, choose "
        '"Sign in as another user", which signs {username} out.'
    ).format(username=locked.username)


def revocation_failed_message(error: BaseException) -> str:
    return AuthController.tr(
        "You are signed out on this computer, but the identity server could not be told; "
        "your session there ends when it expires. {explanation}"
    ).format(explanation=explanation(error))


def failure_for(error: BaseException) -> AuthFailure:
    """The ``AuthFailure`` to show for ``error``, its message in the user's language where
    the library's message is known; unexpected errors are logged without secrets."""
    if isinstance(error, DesktopAuthError):
        failure = AuthFailure.from_error(error)
        return replace(failure, message=translated_message(failure.message))
    log.error("unexpected %s during sign-in at %s", type(error).__name__, _where(error))
    return AuthFailure("protocol", unexpected_message())


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

    The session is renewed in the background once 80% of its access token's lifetime has
    passed. Besides ``events`` (the contract), the controller has two signals of its own:

    - ``refresh_retrying(int, str)``: a renewal failed for a reason that may pass (no network,
      a server error) and is tried again in that many seconds, for as long as the access token
      lasts; the message says so, fit for a status bar. ``session_refreshed`` or
      ``session_expired`` ends the retrying, as does a sign-out or another sign-in.
    - ``revocation_failed(str)``: ``sign_out()`` ended the session here, but the server could
      not be told; the message says so and why, fit to show.
    """

    tr = TranslationContext("AuthController")

    refresh_retrying = pyqtSignal(int, str)
    revocation_failed = pyqtSignal(str)
    # Browser sign-in: open this URL in the system browser (the window also shows it).
    browser_url_ready = pyqtSignal(str)
    # Sign-in on another device: show this DeviceCode (user code, URL) until it ends.
    device_code_ready = pyqtSignal(object)

    def __init__(
        self,
        client: OIDCClient | Callable[[], OIDCClient],
        events: AuthEvents | None = None,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
        on_renewed_in_worker: Callable[[Session], object] | None = None,
    ) -> None:
        """``on_renewed_in_worker`` is called in the worker thread with each renewed session,
        before the UI thread hears of it: a rotated refresh token kept there (the keyring)
        is then kept even when the app quits while the renewal runs."""
        super().__init__(parent)
        self.setObjectName("authController")
        self._on_renewed_in_worker = on_renewed_in_worker
        # Set by shutdown(revoke=False): a renewal ending afterwards belongs to a session
        # that outlives the app, so its tokens are not revoked.
        self._keep_late_renewals = False
        self.events = events if events is not None else AuthEvents(self)
        self._client = _ClientHolder(client)
        self._pool = pool
        self._session: Session | None = None
        self._attempt = 0
        self._signing_in = False
        self._cancel_token: CancelToken | None = None  # of a browser or device sign-in
        self._locked = False
        # The session whose renewal is running: one at a time, or the server, which rotates
        # refresh tokens, would see one spent twice and revoke the session.
        self._refreshing: Session | None = None
        self._refresh_failures = 0  # transient failures in a row
        # Both the renewal at 80% and its retries: one timer, so no stale one can fire.
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
        """Start signing in; ignored while a sign-in is already running.

        While locked, only the locked session's user can sign in (which unlocks); anyone
        else gets ``login_failed`` with kind credentials and the session stays locked.
        """
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
            on_error=partial(self._password_sign_in_errored, self._attempt, username),
        )

    def _password_sign_in_errored(self, attempt: int, username: str, error: BaseException) -> None:
        """The server wants its own pages (redirect_to_web, or no native sign-in at all):
        continue in the system browser, as DESIGN.md says, instead of failing."""
        from desktop_auth.oidc.methods import BrowserRequiredError

        if attempt == self._attempt and isinstance(error, BrowserRequiredError):
            log.info("the server asks for its own sign-in pages; continuing in the browser")
            self._signing_in = False
            self.sign_in_with_browser(username)
            return
        self._sign_in_errored(attempt, error)

    @pyqtSlot(str, result=bool)
    def unlock(self, password: str) -> bool:
        """Sign in as the locked session's user (``unlocked`` or ``login_failed`` follow);
        False, and nothing done, when nothing is locked or a sign-in is already running."""
        session = self._session
        if session is None or not self._locked or self._signing_in:
            return False
        self.sign_in(session.username, password)
        return True

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

    @pyqtSlot()
    def sign_in_with_browser(self, username: str = "") -> None:
        """Sign in through the system browser (RFC 8252): ``browser_url_ready`` asks the UI
        to open the URL; the events are those of a sign-in; ``cancel()`` stops the wait."""
        token = self._start_waiting_sign_in(username)
        if token is None:
            return
        self._run(
            lambda: self._client.get().sign_in_with_browser(
                self.browser_url_ready.emit, cancel=token, login_hint=username or None
            ),
            on_result=partial(self._sign_in_returned, self._attempt),
            on_error=partial(self._sign_in_errored, self._attempt),
        )

    @pyqtSlot()
    def sign_in_with_device(self, username: str = "") -> None:
        """Sign in on another device (RFC 8628): ``device_code_ready`` carries the code to
        show; the events are those of a sign-in; ``cancel()`` stops the polling."""
        token = self._start_waiting_sign_in(username)
        if token is None:
            return
        self._run(
            lambda: self._client.get().sign_in_with_device(
                self.device_code_ready.emit, cancel=token
            ),
            on_result=partial(self._sign_in_returned, self._attempt),
            on_error=partial(self._sign_in_errored, self._attempt),
        )

    def _start_waiting_sign_in(self, username: str) -> CancelToken | None:
        """Begin a sign-in that waits on the user elsewhere; None if one is running."""
        if self._signing_in:
            return None
        from desktop_auth.oidc.cancel import CancelToken  # a small module, no heavy imports

        self._attempt += 1
        self._signing_in = True
        self._cancel_token = CancelToken()
        self.events.login_started.emit(username)
        return self._cancel_token

    def _sign_in_blocking(self, username: str, password: str) -> Session:
        return self._client.get().sign_in(username, password)

    def _sign_in_returned(self, attempt: int, session: Session) -> None:
        if attempt != self._attempt:
            log.info("a cancelled sign-in finished; revoking the tokens it got")
            self._revoke(session)
            return
        self._signing_in = False
        self._cancel_token = None
        previous = self._session
        if self._locked and previous is not None:
            if session.subject != previous.subject:
                self._refuse_unlock(previous, session)
                return
            # The same user signed in again: the new grant replaces the locked one, which
            # nothing uses any more (it may be dead already, after an expiry).
            self._start(session)
            self._revoke(previous)
            self._locked = False
            self.events.unlocked.emit(session)
        else:
            self._start(session)
            if previous is not None:
                self._revoke(previous)
                self.events.logged_out.emit("another user signed in")
            self._locked = False
            self.events.login_succeeded.emit(session)
        self.events.permissions_changed.emit(session.permissions)

    def _refuse_unlock(self, locked: Session, other: Session) -> None:
        """Someone else signed in at the lock screen: the locked session is not theirs to end
        (its unsaved state is kept for its user), so their new tokens are thrown away."""
        log.info("%s signed in at the lock screen of %s; refused", other.username, locked.username)
        self._revoke(other)
        self.events.login_failed.emit(AuthFailure("credentials", wrong_account_message(locked)))

    def _sign_in_errored(self, attempt: int, error: BaseException) -> None:
        if attempt != self._attempt:
            log.info("a cancelled sign-in failed afterwards (%s); ignored", type(error).__name__)
            return
        self._signing_in = False
        self._cancel_token = None
        self.events.login_failed.emit(failure_for(error))

    @pyqtSlot()
    def cancel(self) -> bool:
        """Cancel the sign-in in progress (``login_failed`` with kind cancelled)."""
        if not self._signing_in:
            return False
        self._attempt += 1
        self._signing_in = False
        if self._cancel_token is not None:  # a browser or device sign-in stops waiting now
            self._cancel_token.cancel()
            self._cancel_token = None
        self.events.login_failed.emit(AuthFailure("cancelled", cancelled_message()))
        return True

    # Sign-out, lock

    @pyqtSlot()
    def sign_out(self, reason: str = "user") -> None:
        """Forget the session now and revoke its tokens in the background; when the server
        cannot be told, ``revocation_failed`` follows ``logged_out``."""
        session = self._session
        if session is None:
            return
        self._session = None
        self._locked = False
        self._stop_refreshing()
        self._revoke(session, report=True)
        self.events.logged_out.emit(reason)
        self.events.permissions_changed.emit(frozenset())

    def _revoke(self, session: Session, *, report: bool = False) -> None:
        """Revoke ``session``'s tokens in a worker; a failure is logged, and with ``report``
        also sent as ``revocation_failed`` (for sign-outs the user asked for)."""

        def revoke_failed(error: BaseException) -> None:
            log.warning("could not revoke the tokens of %s: %s", session.username, _kind(error))
            if report:
                self.revocation_failed.emit(revocation_failed_message(error))

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

    # Renewal

    @pyqtSlot()
    def refresh(self) -> None:
        """Renew the tokens now, silently; ignored while a renewal is running. Transient
        failures are retried (``refresh_retrying``) while the access token lasts; when
        renewal is impossible the session expires and locks."""
        session = self._session
        if session is None or self._refreshing is session:
            return
        self._refresh_timer.stop()
        self._refreshing = session
        self._run(
            self._refresh_blocking,
            session,
            on_result=partial(self._refresh_returned, session),
            on_error=partial(self._refresh_errored, session),
        )

    def _refresh_blocking(self, session: Session) -> Session:
        renewed = self._client.get().refresh(session)
        if self._on_renewed_in_worker is not None:
            self._on_renewed_in_worker(renewed)
        return renewed

    def _refresh_returned(self, old: Session, session: Session) -> None:
        if self._refreshing is old:
            self._refreshing = None
        if self._session is not old:  # signed out or in again meanwhile (or quitting)
            if not self._keep_late_renewals:
                self._revoke(session)
            return
        self._start(session)
        self.events.session_refreshed.emit(session)
        self.events.permissions_changed.emit(session.permissions)

    def _refresh_errored(self, old: Session, error: BaseException) -> None:
        if self._refreshing is old:
            self._refreshing = None
        if self._session is not old:
            return
        left = _seconds_left(old)
        if isinstance(error, TRANSIENT_ERRORS) and left > 0:
            self._refresh_failures += 1
            # The last try is when the access token expires; failing then ends the session.
            delay = min(retry_delay(self._refresh_failures), left)
            seconds = max(1, math.ceil(delay))
            log.warning(
                "could not renew the session of %s (%s); trying again in %d s",
                old.username,
                _kind(error),
                seconds,
            )
            # Rounded up: the last try is then never a hair before the expiry.
            self._refresh_timer.start(math.ceil(delay * 1000))
            self.refresh_retrying.emit(
                seconds,
                AuthController.tr(
                    "Could not renew your session; trying again in {seconds} s. {explanation}"
                ).format(seconds=seconds, explanation=explanation(error)),
            )
            return
        if isinstance(error, TRANSIENT_ERRORS):
            log.warning(
                "could not renew the session of %s before it expired: %s",
                old.username,
                _kind(error),
            )
        elif isinstance(error, DesktopAuthError):
            log.warning("could not renew the session of %s: %s", old.username, _kind(error))
        else:
            log.error("unexpected %s renewing a session at %s", _kind(error), _where(error))
        self._stop_refreshing()
        self.events.session_expired.emit()
        self.lock()

    def _start(self, session: Session) -> None:
        """Make ``session`` the current one and schedule its renewal at 80% of its lifetime."""
        self._session = session
        self._refresh_failures = 0
        delay = max(MIN_REFRESH_DELAY_SECONDS, _seconds_left(session) * REFRESH_AT_FRACTION)
        self._refresh_timer.start(int(delay * 1000))

    def _stop_refreshing(self) -> None:
        """No renewal or retry fires after this (one still running is ignored when it ends)."""
        self._refresh_timer.stop()
        self._refresh_failures = 0

    def shutdown(self, revoke: bool = True) -> Session | None:
        """The app is quitting: stop timers, and revoke the session's tokens in the background
        (nothing keeps them after the process ends) unless ``revoke`` is False (a "stay signed
        in" session, whose refresh token the keyring keeps). No signal is emitted, not even
        ``revocation_failed``: nobody is left to read it. Returns the session that was ended,
        if any."""
        self._stop_refreshing()
        self._keep_late_renewals = not revoke
        self._attempt += 1  # a sign-in still running is ignored (and revoked) when it ends
        self._signing_in = False
        if self._cancel_token is not None:  # a browser or device wait would hold up the quit
            self._cancel_token.cancel()
            self._cancel_token = None
        session, self._session = self._session, None
        if session is not None and revoke:
            self._revoke(session)
        return session


def _seconds_left(session: Session) -> float:
    return (session.expires_at - datetime.now(UTC)).total_seconds()


def _kind(error: BaseException) -> str:
    if isinstance(error, DesktopAuthError):
        return f"{error.kind}: {error.message}"
    return type(error).__name__
