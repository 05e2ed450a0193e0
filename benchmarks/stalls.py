"""Event-loop stalls: the longest gap between ticks of a 1 ms timer while the client works.

Scenarios, each on Qt's offscreen platform in one QApplication: signing in through the real
AuthController against the bundled server (in this process, on 127.0.0.1), renewing the
session, the app recording a burst of 10,000 activity-log events (the recorder on its queue
and the viewer refreshed after each commit, wired as DesktopApp wires them), and scrolling and
filtering the viewer over a million entries. Baseline: the same probe over an idle event loop
for as long as the scenario took, in the same round.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PyQt5.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtTest import QTest

from benchmarks.activity_log import (
    ACTION,
    ISSUER,
    PERMISSION,
    application,
    build_big_log,
    wait_for_pool,
    wait_until,
)
from benchmarks.report import Figure, Sample
from benchmarks.server_login import PASSWORD
from desktop_auth.activity_log import ActivityLog
from desktop_auth.session import Session

ROUNDS = 5
BURST = 10_000
# The burst is emitted this many signals per event-loop turn, so that the emitting loop (the
# benchmark's, not the app's) does not itself hold the loop for the whole burst.
EMITS_PER_TURN = 100
SCROLL_PAGES = 20
KEY_INTERVAL = 0.08  # seconds between key presses: a quick typist
FRAME_MS = 16

NOTES: list[str] = []


class Probe:
    """A 1 ms precise timer noting the longest gap between its ticks."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def start(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._tick()
        self._timer.stop()
        return self.longest


class FullCollections:
    """While entered: the longest full (generation-2) garbage collection, in any thread.

    A collection holds the GIL in the thread that triggered it, so the event loop waits for
    it wherever it runs; its length grows with the objects the process holds.
    """

    def __init__(self) -> None:
        self.longest = 0.0
        self._started: dict[int, float] = {}

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        thread = threading.get_ident()
        if phase == "start":
            self._started[thread] = time.perf_counter()
        elif thread in self._started:
            took = time.perf_counter() - self._started.pop(thread)
            self.longest = max(self.longest, took)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        gc.callbacks.remove(self._callback)


def pause(seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    wait_until(lambda: time.perf_counter() >= deadline)


def probed(work: Callable[[], Callable[[], bool]]) -> tuple[float, float]:
    """Start ``work`` (which returns "is it done?") under the probe; the longest gap and
    how long it took, in seconds."""
    probe = Probe()
    probe.start()
    started = time.perf_counter()
    done = work()
    wait_until(done)
    elapsed = time.perf_counter() - started
    return probe.stop(), elapsed


def idle(seconds: float) -> float:
    probe = Probe()
    probe.start()
    pause(seconds)
    return probe.stop()


class Scenario:
    """Per-round longest gaps of one scenario and of the idle loop beside it."""

    def __init__(self, name: str, note: str) -> None:
        self.name = name
        self.note = note
        self.gaps: list[float] = []
        self.idle: list[float] = []
        self.collections: list[float] = []  # each round's longest full collection, or 0

    def measure(self, work: Callable[[], Callable[[], bool]]) -> None:
        with FullCollections() as collections:
            gap, elapsed = probed(work)
        self.gaps.append(gap)
        self.collections.append(collections.longest)
        self.idle.append(idle(elapsed))

    def figure(self) -> Figure:
        return Figure(
            name=f"event-loop stall: {self.name}",
            measured=Sample(tuple(self.gaps)),
            baseline=Sample(tuple(self.idle)),
            max_value=FRAME_MS,
            baseline_name="the same 1 ms probe over the idle event loop, as long",
            note=self.note + f" Median of {len(self.gaps)} rounds' longest gap.",
        )


# --- signing in and renewing ------------------------------------------------------------------


def sign_in_scenarios(directory: Path) -> list[Scenario]:
    from desktop_auth.oidc import ClientConfig, OIDCClient
    from desktop_auth.permissions import PermissionPolicy
    from desktop_auth.qt.controller import AuthController
    from desktop_auth.server.accounts import create_user
    from desktop_auth.server.cli import main as server_cli
    from desktop_auth.server.config import load_config
    from desktop_auth.server.serve import ServedApp
    from desktop_auth.server.state import server_state

    server_cli(["--data-dir", str(directory / "server"), "init"])
    served = ServedApp(load_config(directory / "server")).start()
    with server_state(served.app).db.session() as session:
        create_user(
            session,
            server_state(served.app).passwords,
            "alice",
            PASSWORD,
            ["admin"],
            email="a@example.org",
        )
    client = OIDCClient(ClientConfig(issuer=served.url), PermissionPolicy.default())
    controller = AuthController(client)
    events = controller.events
    sessions: list[Session] = []
    failures: list[object] = []
    for signal in (events.login_succeeded, events.session_refreshed):
        signal.connect(sessions.append)
    events.login_failed.connect(failures.append)

    def waiting_for_a_session() -> Callable[[], bool]:
        before = len(sessions)

        def done() -> bool:
            if failures:
                raise RuntimeError(f"sign-in failed: {failures[-1]}")
            return len(sessions) > before

        return done

    def sign_in() -> Callable[[], bool]:
        done = waiting_for_a_session()
        controller.sign_in("alice", PASSWORD)
        return done

    def refresh() -> Callable[[], bool]:
        done = waiting_for_a_session()
        controller.refresh()
        return done

    signing_in = Scenario(
        "signing in",
        "AuthController.sign_in (first-party challenge, code exchange, ID token checks) "
        "against the bundled server running in this process.",
    )
    renewing = Scenario(
        "renewing the session",
        "AuthController.refresh against the same server (refresh-token rotation).",
    )
    try:
        wait_until(sign_in())  # warm-up: discovery, keys, connections
        for _ in range(ROUNDS):
            signing_in.measure(sign_in)
            renewing.measure(refresh)
    finally:
        controller.shutdown(revoke=False)
        wait_for_pool()
        served.stop()
    return [signing_in, renewing]


# --- a burst of activity-log events -----------------------------------------------------------


class _AppSignals(QObject):
    """The two signals of DesktopApp the burst goes through: the gate's ``denied`` (recorded
    by the recorder) and ``log_appended`` (emitted by the recorder's worker, queued here)."""

    denied = pyqtSignal(str, str)
    log_appended = pyqtSignal()


def burst_scenario(directory: Path) -> Scenario:
    from desktop_auth.qt.activity import ActivityRecorder
    from desktop_auth.qt.log_viewer import ActivityLogViewer
    from desktop_auth.qt.workers import connect_in_background

    scenario = Scenario(
        "a burst of 10,000 activity-log events",
        f"permission_denied emitted {EMITS_PER_TURN} per event-loop turn into ActivityRecorder "
        "(connect_in_background on its queue) with the viewer shown and refreshed after each "
        "commit, as DesktopApp wires them; until all are committed and the viewer shows them.",
    )
    for round_ in range(ROUNDS):
        signals = _AppSignals()
        recorder = ActivityRecorder.open(
            directory / f"burst-{round_}", on_appended=signals.log_appended.emit
        )
        activity_log = recorder.activity_log
        assert activity_log is not None
        recorder.issuer = ISSUER
        viewer = ActivityLogViewer(activity_log)
        viewer.resize(1000, 600)
        viewer.show()
        connect_in_background(signals.denied, recorder.permission_denied, queue=recorder.queue)
        signals.log_appended.connect(viewer.refresh)
        wait_until(lambda v=viewer: v.model.total is not None)

        def burst(
            signals: _AppSignals = signals, viewer: ActivityLogViewer = viewer
        ) -> Callable[[], bool]:
            emitted = [0]
            emitter = QTimer()

            def emit_some() -> None:
                for _ in range(EMITS_PER_TURN):
                    signals.denied.emit(PERMISSION, ACTION)
                emitted[0] += EMITS_PER_TURN
                if emitted[0] >= BURST:
                    emitter.stop()

            emitter.timeout.connect(emit_some)
            emitter.start(0)

            def done() -> bool:
                return (
                    not emitter.isActive()
                    and viewer.model.total == BURST
                    and not viewer.model.loading
                )

            return done

        scenario.measure(burst)
        viewer.close()
        wait_for_pool()
        recorder.close()
    return scenario


# --- the viewer over a million entries --------------------------------------------------------


def viewer_scenarios(path: Path) -> list[Scenario]:
    from desktop_auth.qt.log_viewer import PAGE_SIZE, ActivityLogViewer

    scrolling = Scenario(
        "scrolling the log viewer (1,000,000 entries)",
        f"scrollToBottom {SCROLL_PAGES} times, each waiting for the next page of {PAGE_SIZE}.",
    )
    filtering = Scenario(
        "filtering the log viewer (1,000,000 entries)",
        f"typing 'dave' in User ({KEY_INTERVAL * 1000:.0f} ms between keys), then the event "
        "'locked', then clearing both and searching text '\"n\":7654', each until its first "
        "page is shown.",
    )
    activity_log = ActivityLog(path)
    try:
        for _ in range(ROUNDS):
            viewer = ActivityLogViewer(activity_log)
            viewer.resize(1000, 600)
            viewer.show()
            wait_until(lambda v=viewer: v.model.total is not None and not v.model.loading)
            scrolling.measure(lambda v=viewer: _scroll(v, PAGE_SIZE))
            filtering.measure(lambda v=viewer: _filter(v))
            viewer.close()
            viewer.deleteLater()
            wait_for_pool()
    finally:
        activity_log.close()
    return [scrolling, filtering]


def _scroll(viewer: object, page_size: int) -> Callable[[], bool]:
    from desktop_auth.qt.log_viewer import ActivityLogViewer

    assert isinstance(viewer, ActivityLogViewer)
    for pages in range(2, SCROLL_PAGES + 2):
        viewer.table.scrollToBottom()
        wait_until(lambda n=pages: viewer.model.rowCount() >= n * page_size)
    return lambda: not viewer.model.loading


def _type(widget: object, text: str) -> None:
    for character in text:
        QTest.keyClicks(widget, character)
        pause(KEY_INTERVAL)


def _filter(viewer: object) -> Callable[[], bool]:
    from desktop_auth.qt.log_viewer import ActivityLogViewer

    assert isinstance(viewer, ActivityLogViewer)
    model = viewer.model

    def shown(**where: object) -> Callable[[], bool]:
        return lambda: (
            all(getattr(model.filter, k) == v for k, v in where.items())
            and (model.rowCount() > 0 and not model.loading)
        )

    viewer.user_filter.setFocus()
    _type(viewer.user_filter, "dave")
    wait_until(shown(username="dave"))
    viewer.event_filter.setCurrentIndex(viewer.event_filter.findData("locked"))
    wait_until(shown(username="dave", event="locked"))
    viewer.event_filter.setCurrentIndex(0)
    viewer.user_filter.clear()
    viewer.text_filter.setFocus()
    _type(viewer.text_filter, '"n":7654')
    return shown(username=None, event=None, text='"n":7654')


def run() -> list[Figure]:
    application()
    scenarios: list[Scenario] = []
    with tempfile.TemporaryDirectory(prefix="bench-stalls-", dir=Path.home()) as tmp:
        directory = Path(tmp)
        scenarios += sign_in_scenarios(directory)
        scenarios.append(burst_scenario(directory))
        big = directory / "million.sqlite3"
        build_big_log(big)
        scenarios += viewer_scenarios(big)
    worst = max(scenarios, key=lambda s: max(s.gaps))
    NOTES.append(
        f"Event-loop stalls: the single longest gap seen in any round was "
        f"{max(worst.gaps) * 1000:.1f} ms ({worst.name})."
    )
    NOTES.extend(collection_notes(scenarios))
    return [scenario.figure() for scenario in scenarios]


def _objects_and_full_collection() -> tuple[int, float]:
    """Objects the collector tracks in this process, and the seconds of one full pass."""
    started = time.perf_counter()
    gc.collect()
    return len(gc.get_objects()), time.perf_counter() - started


_CLIENT_ALONE = (
    "import gc, time; import desktop_auth.app.application, desktop_auth.qt.log_viewer; "
    "t = time.perf_counter(); gc.collect(); t = time.perf_counter() - t; "
    "print(len(gc.get_objects()), t)"
)


def collection_notes(scenarios: list[Scenario]) -> list[str]:
    """What the rounds with a full garbage collection say about the upper quartiles."""
    hit = [
        f"{s.name}: {sum(1 for c in s.collections if c)} of {len(s.collections)} rounds "
        f"(longest collection {max(s.collections) * 1000:.0f} ms)"
        for s in scenarios
        if any(s.collections)
    ]
    if not hit:
        return []
    objects, full = _objects_and_full_collection()
    alone = subprocess.run(
        [sys.executable, "-c", _CLIENT_ALONE], capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        "Upper quartiles: a full (generation-2) garbage collection holds the GIL in whichever "
        "thread triggers it, so the event loop waits for all of it. Rounds with one: "
        + "; ".join(hit)
        + f". This process tracks {objects:,} objects (the sign-in scenarios run the identity "
        f"server in it), a full collection of which took {full * 1000:.0f} ms; the client's "
        f"own modules alone are {int(alone[0]):,} objects ({float(alone[1]) * 1000:.0f} ms), "
        "so in the app such a pause is a fraction of this. `gc.freeze()` once the app has "
        "started would take its start-up objects out of these passes."
    ]
