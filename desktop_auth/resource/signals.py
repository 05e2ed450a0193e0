"""Blinker signals about API access, delivered off the request path by a small worker pool.

Connect with ``access_granted.connect(receiver)``; the integrations send each signal with
``send_later``, so a receiver runs in a background thread after the request has been
answered (or while it is), may be slow (audit to a database, notify another system) and may
be ``async def``. A receiver that raises is logged and never fails a request. Receivers get:

- ``access_granted(sender, principal=Principal, permission=str | None, request=RequestInfo)``
- ``access_denied(sender, principal=Principal, permission=str, request=RequestInfo)``
- ``token_rejected(sender, error=AccessError, request=RequestInfo)``

``sender`` is the application (the Flask app, the FastAPI app, ...). Never a token, header or
body: ``RequestInfo`` holds the method, path, client address and framework only.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blinker import NamedSignal, Namespace

log = logging.getLogger(__name__)

_signals = Namespace()

access_granted: NamedSignal = _signals.signal(
    "access_granted", doc="A request with a valid token was let through."
)
access_denied: NamedSignal = _signals.signal(
    "access_denied", doc="A valid token lacked the permission the request needs (403)."
)
token_rejected: NamedSignal = _signals.signal(
    "token_rejected", doc="A request had no usable token, or it could not be checked."
)

# Receivers run in this many threads; more would only contend for the same database or API.
WORKERS = 4
# Sends waiting for a worker beyond this are dropped (and logged): receivers far slower than
# the requests must not hold the API's memory hostage.
MAX_PENDING = 10_000


@dataclass(frozen=True)
class RequestInfo:
    """The request a signal is about: never its headers, body or token."""

    method: str
    path: str
    remote_addr: str | None
    framework: str


class _Dispatcher:
    """Daemon worker threads, started on first use (and again in a forked child), that call a
    signal's receivers one by one, each failure logged."""

    def __init__(self, workers: int = WORKERS, max_pending: int = MAX_PENDING) -> None:
        self._workers = workers
        self._max_pending = max_pending
        self._condition = threading.Condition()
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._pending = 0
        self._pid: int | None = None

    def _start_workers(self) -> None:
        """Called with the condition held."""
        if self._pid == os.getpid():
            return
        # A forked child (a pre-forking server) has the parent's queue but none of its threads.
        self._queue = queue.SimpleQueue()
        self._pending = 0
        self._pid = os.getpid()
        for number in range(self._workers):
            threading.Thread(
                target=self._work, name=f"desktop-auth-signals-{number}", daemon=True
            ).start()

    def submit(self, job: Callable[[], None]) -> bool:
        with self._condition:
            self._start_workers()
            if self._pending >= self._max_pending:
                return False
            self._pending += 1
            self._queue.put(job)
        return True

    def _work(self) -> None:
        jobs = self._queue
        while True:
            job = jobs.get()
            try:
                job()
            finally:
                with self._condition:
                    self._pending -= 1
                    if self._pending == 0:
                        self._condition.notify_all()

    def wait(self, timeout: float | None) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self._pending == 0, timeout)


_dispatcher = _Dispatcher()


def _deliver(
    signal: NamedSignal, receivers: list[Callable[..., Any]], sender: Any, kwargs: dict[str, Any]
) -> None:
    for receiver in receivers:
        try:
            result = receiver(sender, **kwargs)
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))
        except Exception:
            log.exception(
                "receiver %s of the %s signal failed",
                getattr(receiver, "__qualname__", receiver),
                signal.name,
            )


async def _awaited(result: Any) -> None:
    await result


def send_later(signal: NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` from ``sender`` with ``kwargs`` in a background worker; returns at once.

    The receivers connected now (for ``sender``, or for any sender) are called in turn, an
    ``async def`` one run to completion in its own event loop; one that raises is logged and
    the others still run. Nothing is queued when there are none.
    """
    receivers = list(signal.receivers_for(sender)) if signal.receivers else []
    if not receivers:
        return
    if not _dispatcher.submit(lambda: _deliver(signal, receivers, sender, kwargs)):
        log.warning(
            "dropped a %s signal: %d sends are already waiting for their receivers",
            signal.name,
            MAX_PENDING,
        )


def wait_for_dispatch(timeout: float | None = None) -> bool:
    """Wait until every signal sent so far has reached its receivers; False on timeout.

    For tests, and for an application that wants its receivers' work done before it exits.
    """
    return _dispatcher.wait(timeout)


__all__ = [
    "MAX_PENDING",
    "WORKERS",
    "RequestInfo",
    "access_denied",
    "access_granted",
    "send_later",
    "token_rejected",
    "wait_for_dispatch",
]
