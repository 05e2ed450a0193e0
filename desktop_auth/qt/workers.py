"""Background work in superqt's shape: a QRunnable worker with a separate signals QObject."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PyQt5.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """What a ``Worker`` reports, emitted from its thread and delivered queued to receivers.

    ``returned(object)`` carries the function's result, ``errored(object)`` the exception it
    raised; ``finished`` comes last, either way.
    """

    started = pyqtSignal()
    returned = pyqtSignal(object)
    errored = pyqtSignal(object)
    finished = pyqtSignal()


# Workers handed to a pool, kept referenced until they report ``finished`` so that their
# signals object outlives every queued emission.
_RUNNING: set[Worker] = set()
_RUNNING_LOCK = threading.Lock()


class Worker(QRunnable):
    """Runs ``fn(*args, **kwargs)`` once in a thread pool; never touches a widget.

    Exceptions leave through ``signals.errored``; nothing is raised into the pool.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self.signals = WorkerSignals()
        self.signals.finished.connect(self._forget)

    def run(self) -> None:
        self.signals.started.emit()
        try:
            result = self._fn(*self._args, **self._kwargs)
        except Exception as error:  # every error leaves through the signal
            self.signals.errored.emit(error)
        else:
            self.signals.returned.emit(result)
        finally:
            self.signals.finished.emit()

    def start(self, pool: QThreadPool | None = None) -> Worker:
        """Queue this worker on ``pool`` (the global pool by default)."""
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        (pool or QThreadPool.globalInstance()).start(self)
        return self

    def _forget(self) -> None:
        with _RUNNING_LOCK:
            _RUNNING.discard(self)


def _log_error(error: BaseException) -> None:
    log.error("background task failed: %s", type(error).__name__, exc_info=error)


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_result: Callable[[Any], Any] | None = None,
    on_error: Callable[[BaseException], Any] | None = None,
    pool: QThreadPool | None = None,
) -> Worker:
    """Run ``fn(*args)`` in ``pool``; its result or exception is delivered in this thread.

    Without ``on_error`` an exception is logged, never lost.
    """
    worker = Worker(fn, *args)
    if on_result is not None:
        worker.signals.returned.connect(on_result)
    worker.signals.errored.connect(on_error if on_error is not None else _log_error)
    return worker.start(pool)


class SerialQueue:
    """Runs submitted calls in the thread pool one at a time, in the order submitted.

    Calls are drained by one worker at a time, so the submitting (UI) thread never waits and
    the calls never overlap: several signals sharing one queue keep their relative order
    (an activity log stays in the order things happened).
    """

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool
        self._calls: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._lock = threading.Lock()
        self._draining = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self._calls.append((fn, args))
            if self._draining:
                return
            self._draining = True
        run_in_background(self._drain, pool=self._pool)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._calls:
                    self._draining = False
                    return
                fn, args = self._calls.popleft()
            try:
                fn(*args)
            except Exception as error:  # one failed call must not stop the rest
                _log_error(error)


class BackgroundSlot:
    """A slot that runs in the thread pool through a ``SerialQueue`` (its own by default)."""

    def __init__(
        self,
        slot: Callable[..., Any],
        pool: QThreadPool | None = None,
        queue: SerialQueue | None = None,
    ) -> None:
        self._slot = slot
        self.queue = queue if queue is not None else SerialQueue(pool)

    def __call__(self, *args: Any) -> None:
        self.queue.submit(self._slot, *args)


def connect_in_background(
    signal: Any,
    slot: Callable[..., Any],
    pool: QThreadPool | None = None,
    queue: SerialQueue | None = None,
) -> BackgroundSlot:
    """Connect ``signal`` to ``slot`` so that the slot runs off the emitting (UI) thread.

    Calls run one at a time in emission order; pass the same ``queue`` to several
    connections to keep their order relative to each other. The slot must not touch widgets.
    Returns the connected callable; ``signal.disconnect(it)`` undoes the connection.
    """
    background = BackgroundSlot(slot, pool, queue)
    signal.connect(background)
    return background
