"""Activity-log sinks: more places (syslog, a remote endpoint, ...) for each committed entry.

A sink is any object with ``write(entry)`` (and optionally ``close()``). ``DesktopAuth`` takes
sinks as its ``log_sinks`` argument, and also loads those that installed packages register
under the entry point group ``desktop_auth.log_sinks`` (each naming a callable, a class for
instance, that makes the sink with no arguments)::

    [project.entry-points."desktop_auth.log_sinks"]
    syslog = "mycompany.audit:SyslogSink"

Sinks get entries only once the local log has committed them, so each carries its ``seq``
and chained ``hash`` (a receiver can check that none is missing) and, like the log, never a
password, token or code. They run in a worker thread, one entry at a time in order; a sink
that raises is logged and skipped, and the others still get the entry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from desktop_auth.activity_log import ActivityLog, Entry

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "desktop_auth.log_sinks"
# Entries read back from the log per query while catching up.
_PAGE = 256


@runtime_checkable
class LogSink(Protocol):
    """Where activity-log entries go besides the local log: ``write`` is called in a worker
    thread with each committed ``Entry``, in order. A sink may also have a ``close()``
    method, called once at shutdown in the same thread."""

    def write(self, entry: Entry) -> None:
        """Take one entry (its ``to_json()`` is the export shape of DESIGN.md)."""
        ...


class LoggingSink:
    """A sink that writes each entry as one JSON line to a ``logging`` logger, for any
    handler the app configures: ``logging.handlers.SysLogHandler`` sends them to syslog."""

    def __init__(self, logger: logging.Logger | str = "desktop_auth.activity") -> None:
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger

    def write(self, entry: Entry) -> None:
        """Log ``entry`` at INFO level as its export JSON."""
        self.logger.info("%s", json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True))


def sinks_from_entry_points(group: str = ENTRY_POINT_GROUP) -> list[LogSink]:
    """The sinks installed packages register under ``group``; one that cannot be loaded or
    made is logged and left out."""
    from importlib.metadata import entry_points

    sinks: list[LogSink] = []
    seen: set[tuple[str, str]] = set()
    for point in entry_points(group=group):
        if (point.name, point.value) in seen:  # the same distribution twice on sys.path
            continue
        seen.add((point.name, point.value))
        try:
            sink = point.load()()
        except Exception as exc:  # a broken plug-in must not stop the app
            log.error("log sink %r (%s) not loaded: %s", point.name, point.value, exc)
            continue
        if not isinstance(sink, LogSink):
            log.error("log sink %r (%s) has no write(entry) method", point.name, point.value)
            continue
        sinks.append(sink)
    return sinks


class EntryForwarder:
    """Hands every entry committed to ``activity_log`` after ``start()`` to each sink, once,
    in order. Its methods run in one worker thread (``DesktopAuth`` uses a ``SerialQueue``)."""

    def __init__(self, activity_log: ActivityLog, sinks: Sequence[LogSink]) -> None:
        self.activity_log = activity_log
        self.sinks = list(sinks)
        self._last_seq = 0

    def start(self) -> None:
        """Forward only what is committed from now on (the log's history stays local)."""
        newest = self.activity_log.query(limit=1)
        self._last_seq = newest[0].seq if newest else 0

    def forward(self) -> None:
        """Write the entries committed since the last call to every sink."""
        for entry in self._new_entries():
            self._last_seq = entry.seq
            for sink in self.sinks:
                try:
                    sink.write(entry)
                except Exception as exc:  # one failing sink must not starve the others
                    log.error(
                        "log sink %s failed on entry %d: %s",
                        type(sink).__name__,
                        entry.seq,
                        type(exc).__name__,
                    )

    def _new_entries(self) -> Iterable[Entry]:
        """Entries after ``_last_seq``, oldest first (the log pages newest first)."""
        newer: list[Entry] = []
        before: int | None = None
        while True:
            page = self.activity_log.query(limit=_PAGE, before_seq=before)
            fresh = [entry for entry in page if entry.seq > self._last_seq]
            newer.extend(fresh)
            if len(fresh) < _PAGE or not page:
                return reversed(newer)
            before = page[-1].seq

    def close(self) -> None:
        """Close every sink that has a ``close()``; a failure is logged."""
        for sink in self.sinks:
            close = getattr(sink, "close", None)
            if close is None:
                continue
            try:
                close()
            except Exception as exc:
                log.error("log sink %s failed to close: %s", type(sink).__name__, exc)
