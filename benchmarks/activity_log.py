"""The activity log: durable appends per second, and the viewer's first page and a filter over
a million entries, each against plain sqlite3 doing the same on the same file in the same run.

Appends: every figure counts events that are committed (in a transaction that SQLite has
fsynced, WAL mode, ``synchronous=FULL``) before they are reported written. The app's path
(``ActivityRecorder`` on its ``SerialQueue``, fed by a signal as the app wires it) commits a
burst in batches (group commit); ``ActivityLog.append`` alone is one transaction per event.

Viewer: the real ``ActivityLogViewer`` on Qt's offscreen platform, timed until the rows are in
the model and the table has painted them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt5.QtCore import QEventLoop, QObject, QThreadPool, QTimer, pyqtSignal
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from benchmarks.report import Figure, Sample
from desktop_auth.activity_log import EVENTS, ActivityLog, NewEntry, utc_timestamp

if TYPE_CHECKING:
    from desktop_auth.qt.log_viewer import ActivityLogViewer

ROUNDS = 7
APPENDS_PER_ROUND = 2_000
BURST = 10_000
BIG_LOG_ROWS = 1_000_000
ISSUER = "http://127.0.0.1:8765"
USERS = ("alice", "bob", "carol", "dave")
# What the app's permission_denied entry holds (the recorder adds the signed-in user).
PERMISSION, ACTION = "users.manage", "Open the administration page"
WAIT_SECONDS = 60.0

NOTES: list[str] = []


# --- helpers shared with benchmarks.stalls -------------------------------------------------- -


_APPLICATION: list[QApplication] = []  # kept referenced: PyQt deletes an unreferenced one


def application() -> QApplication:
    """The process's QApplication (offscreen), made on first use."""
    if not _APPLICATION:
        _APPLICATION.append(QApplication(["benchmark"]))
    return _APPLICATION[0]


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT_SECONDS) -> float:
    """Run the event loop until ``predicate()`` holds; the ``perf_counter`` time it first did.

    Raises ``TimeoutError`` after ``timeout`` seconds, so a benchmark never hangs.
    """
    if predicate():
        return time.perf_counter()
    loop = QEventLoop()
    done: list[float] = []
    poll = QTimer()
    poll.setInterval(1)

    def check() -> None:
        if predicate():
            done.append(time.perf_counter())
            loop.quit()

    poll.timeout.connect(check)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    poll.start()
    loop.exec_()
    poll.stop()
    if not done:
        raise TimeoutError(f"still waiting after {timeout} s")
    return done[0]


def wait_for_pool() -> None:
    if not QThreadPool.globalInstance().waitForDone(int(WAIT_SECONDS * 1000)):
        raise TimeoutError("background work still running")


def big_log_entries(rows: int) -> Iterator[NewEntry]:
    """Entry n: event EVENTS[n % 10], user USERS[n % 4], detail {"client":..., "n": n}."""
    ts = utc_timestamp()
    for n in range(1, rows + 1):
        detail = f'{{"client":"desktop","n":{n}}}'  # canonical JSON, as new_entry makes it
        yield NewEntry(ts, EVENTS[n % len(EVENTS)], USERS[n % len(USERS)], ISSUER, detail)


def build_big_log(path: Path, rows: int = BIG_LOG_ROWS, chunk: int = 50_000) -> None:
    """A log of ``rows`` chained entries, written through ``ActivityLog.append_all``."""
    entries = big_log_entries(rows)
    with ActivityLog(path) as activity_log:
        while batch := [entry for _, entry in zip(range(chunk), entries, strict=False)]:
            activity_log.append_all(batch)


# --- appends ----------------------------------------------------------------------------------


def raw_inserts_per_second(directory: Path, count: int) -> float:
    """Plain sqlite3: a row the size of a log entry, one committed transaction per insert,
    with the log's pragmas (WAL, synchronous=FULL) and no indexes."""
    path = directory / f"raw-{time.monotonic_ns()}.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute(
            "CREATE TABLE entries (seq INTEGER PRIMARY KEY, ts TEXT, event TEXT,"
            " username TEXT, issuer TEXT, detail TEXT, hash TEXT)"
        )
        detail = f'{{"action":"{ACTION}","permission":"{PERMISSION}"}}'
        started = time.perf_counter()
        for _ in range(count):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO entries (ts, event, username, issuer, detail, hash)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (utc_timestamp(), "permission_denied", "alice", ISSUER, detail, "0" * 64),
            )
            connection.execute("COMMIT")
        return count / (time.perf_counter() - started)
    finally:
        connection.close()


def library_appends_per_second(directory: Path, count: int) -> float:
    """``ActivityLog.append``, one call (one committed transaction) per event."""
    with ActivityLog(directory / f"single-{time.monotonic_ns()}.sqlite3") as activity_log:
        started = time.perf_counter()
        for _ in range(count):
            activity_log.append(
                "permission_denied",
                "alice",
                ISSUER,
                {"permission": PERMISSION, "action": ACTION},
            )
        return count / (time.perf_counter() - started)


class _Gate(QObject):
    """Stands in for the app's PermissionGate: its ``denied`` signal is what the app
    connects to ``ActivityRecorder.permission_denied``."""

    denied = pyqtSignal(str, str)


def recorder_burst(data_dir: Path, count: int) -> float:
    """Events per second through the app's path: a signal connected with
    ``connect_in_background`` to the recorder on its queue, as ``DesktopApp`` wires it,
    timed from the first emit until the last entry is committed."""
    from desktop_auth.qt.activity import ActivityRecorder
    from desktop_auth.qt.workers import connect_in_background

    committed: list[float] = []
    recorder = ActivityRecorder.open(
        data_dir, on_appended=lambda: committed.append(time.perf_counter())
    )
    assert recorder.activity_log is not None
    recorder.issuer = ISSUER
    gate = _Gate()
    connect_in_background(gate.denied, recorder.permission_denied, queue=recorder.queue)
    try:
        started = time.perf_counter()
        for _ in range(count):
            gate.denied.emit(PERMISSION, ACTION)
        wait_for_pool()
        assert recorder.activity_log.count() == count, "some entries were not written"
        return count / (committed[-1] - started)
    finally:
        recorder.close()


def append_figures(directory: Path) -> list[Figure]:
    raw, single, burst = [], [], []
    for round_ in range(ROUNDS):
        raw.append(raw_inserts_per_second(directory, APPENDS_PER_ROUND))
        single.append(library_appends_per_second(directory, APPENDS_PER_ROUND))
        burst_dir = directory / f"burst-{round_}"
        burst.append(recorder_burst(burst_dir, BURST))
    baseline_name = (
        "plain sqlite3 inserts of a row of the same size, one committed transaction each, "
        "journal_mode=WAL, synchronous=FULL (the log's pragmas), no indexes"
    )
    return [
        Figure(
            name="activity log: durable appends/s, the app's path (a 10,000-event burst)",
            measured=Sample(tuple(burst)),
            baseline=Sample(tuple(raw)),
            min_value=5_000,
            unit="events/s",
            scale=1,
            baseline_name=baseline_name,
            note=(
                "permission_denied emitted 10,000 times into ActivityRecorder on its SerialQueue "
                "(as DesktopApp connects it); timed until the last entry's transaction is "
                "committed and on_appended called. Each event is committed (WAL fsynced, "
                "journal_mode=WAL, synchronous=FULL) before it is reported; events waiting "
                "together share one transaction (group commit, at most 1,000 per transaction)."
            ),
        ),
        Figure(
            name="activity log: ActivityLog.append/s, one transaction per call",
            measured=Sample(tuple(single)),
            baseline=Sample(tuple(raw)),
            unit="events/s",
            scale=1,
            baseline_name=baseline_name,
            note=(
                "No target of its own: one fsynced transaction per event, which is what bounds "
                "the baseline too; the hash chain adds a head-row read and update per event."
            ),
        ),
    ]


# --- the viewer on a million entries ----------------------------------------------------------

_PAGE_SQL = (
    "SELECT seq, ts, event, username, issuer, detail, hash FROM entries"
    " {where} ORDER BY seq DESC LIMIT ?"
)


def sqlite_page(path: Path, where: str = "", params: tuple[object, ...] = ()) -> float:
    """Seconds for plain sqlite3 to open the file and read one page."""
    from desktop_auth.qt.log_viewer import PAGE_SIZE

    started = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(_PAGE_SQL.format(where=where), (*params, PAGE_SIZE)).fetchall()
    finally:
        connection.close()
    assert rows
    return time.perf_counter() - started


@contextlib.contextmanager
def shown_viewer(path: Path) -> Iterator[ActivityLogViewer]:
    """The log at ``path`` in a shown viewer; closed, with its workers done, afterwards."""
    from desktop_auth.qt.log_viewer import ActivityLogViewer

    activity_log = ActivityLog(path)
    viewer = ActivityLogViewer(activity_log)
    try:
        viewer.resize(1000, 600)
        viewer.show()
        yield viewer
    finally:
        viewer.close()
        viewer.deleteLater()
        wait_for_pool()
        activity_log.close()


def first_page_seconds(path: Path) -> float:
    """Open the log and a viewer on it; seconds until the first page is in the table and
    painted."""
    from desktop_auth.qt.log_viewer import PAGE_SIZE

    started = time.perf_counter()
    with shown_viewer(path) as viewer:
        wait_until(lambda: viewer.model.rowCount() >= PAGE_SIZE)
        viewer.table.viewport().repaint()
        elapsed = time.perf_counter() - started
        wait_for_pool()
        return elapsed


def filter_seconds(path: Path, field: str, text: str) -> float:
    """Type ``text`` into the viewer's ``field`` ("user_filter" or "text_filter"); seconds
    from the last key until the filtered first page is shown."""
    with shown_viewer(path) as viewer:
        wait_until(lambda: viewer.model.rowCount() > 0 and viewer.model.total is not None)
        line_edit = getattr(viewer, field)
        line_edit.setFocus()
        QTest.keyClicks(line_edit, text[:-1])
        started = time.perf_counter()
        QTest.keyClicks(line_edit, text[-1])
        wanted = text if field == "text_filter" else text.strip()
        key = "text" if field == "text_filter" else "username"
        wait_until(
            lambda: getattr(viewer.model.filter, key) == wanted and viewer.model.rowCount() > 0
        )
        viewer.table.viewport().repaint()
        elapsed = time.perf_counter() - started
        wait_for_pool()
        return elapsed


def viewer_figures(path: Path) -> list[Figure]:
    first, first_base = [], []
    user, user_base = [], []
    text, text_base = [], []
    like = '%"n":7654%'
    for _ in range(ROUNDS):
        first_base.append(sqlite_page(path))
        first.append(first_page_seconds(path))
        user_base.append(sqlite_page(path, "WHERE username = ? COLLATE NOCASE", ("dave",)))
        user.append(filter_seconds(path, "user_filter", "dave"))
        text_base.append(
            sqlite_page(path, "WHERE (username LIKE ? OR detail LIKE ?)", (like, like))
        )
        text.append(filter_seconds(path, "text_filter", '"n":7654'))
    note = f"{BIG_LOG_ROWS:,} entries (4 users, 10 events), file in the OS cache."
    return [
        Figure(
            name="activity log viewer: first page of 1,000,000 entries",
            measured=Sample(tuple(first)),
            baseline=Sample(tuple(first_base)),
            max_value=200,
            baseline_name=(
                "sqlite3: open the file, SELECT the newest page (ORDER BY seq DESC LIMIT 256)"
            ),
            note=note + " From opening the log and building the viewer to the first page painted.",
        ),
        Figure(
            name="activity log viewer: user filter over 1,000,000 entries",
            measured=Sample(tuple(user)),
            baseline=Sample(tuple(user_base)),
            max_value=300,
            baseline_name="sqlite3: open, SELECT the newest page WHERE username = ? COLLATE NOCASE",
            note=note + " From the last key typed in the User field to the filtered page painted.",
        ),
        Figure(
            name="activity log viewer: text search over 1,000,000 entries",
            measured=Sample(tuple(text)),
            baseline=Sample(tuple(text_base)),
            max_value=300,
            baseline_name="sqlite3: open, SELECT the newest page WHERE username/detail LIKE ?",
            note=note
            + " From the last key typed in the Search field to the filtered page painted.",
        ),
    ]


def run() -> list[Figure]:
    application()
    with tempfile.TemporaryDirectory(prefix="bench-activity-", dir=Path.home()) as tmp:
        directory = Path(tmp)
        figures = append_figures(directory)
        big = directory / "million.sqlite3"
        started = time.perf_counter()
        build_big_log(big)
        NOTES.append(
            f"Activity log benchmarks: the 1,000,000-entry log was written through "
            f"ActivityLog.append_all in {time.perf_counter() - started:.0f} s; files on the "
            f"home directory's file system (where the app keeps its data)."
        )
        figures += viewer_figures(big)
    return figures
