"""A cancel switch, set from any thread, for sign-ins that wait on the user (browser, device)."""

from __future__ import annotations

import threading
from collections.abc import Callable

CANCELLED_MESSAGE = "Sign-in cancelled."


class CancelToken:
    """Cancels a waiting sign-in: the UI thread calls ``cancel()``, the worker notices at once.

    Waiting code either sleeps with ``wait(seconds)`` (which returns early when cancelled) or
    registers a callback with ``on_cancel`` to wake whatever it blocks on.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Stop the sign-in (idempotent, from any thread)."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) when cancelled."""
        return self._event.wait(seconds)

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (in the cancelling thread) on ``cancel()``, or now if cancelled
        already. Returns a function that unregisters it."""
        with self._lock:
            registered = not self._event.is_set()
            if registered:
                self._callbacks.append(callback)
        if not registered:
            callback()

        def unregister() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unregister
