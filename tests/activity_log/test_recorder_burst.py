"""The app's recorder under a burst of events: all recorded, in order, each on disk before the
app hears it was, and the viewer keeps up without reloading once per event."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PyQt5.QtCore import QObject, QThreadPool, pyqtSignal

from desktop_auth.qt.activity import ActivityRecorder
from desktop_auth.qt.log_viewer import ActivityLogViewer
from desktop_auth.qt.workers import connect_in_background

from .conftest import ISSUER, settled, shown

BURST = 2_000


class Gate(QObject):
    """What the app's PermissionGate offers the recorder: ``denied(permission, action)``."""

    denied = pyqtSignal(str, str)


def test_a_burst_is_recorded_in_order_and_each_entry_is_on_disk_before_it_is_reported(
    qapp, data_dir: Path
):
    on_disk_when_reported: list[int] = []

    def appended() -> None:
        # Another connection, as another process would read the file.
        reader = sqlite3.connect(data_dir / "activity.sqlite3")
        try:
            (count,) = reader.execute("SELECT count(*) FROM entries").fetchone()
        finally:
            reader.close()
        on_disk_when_reported.append(count)

    recorder = ActivityRecorder.open(data_dir, on_appended=appended)
    recorder.issuer = ISSUER
    gate = Gate()
    connect_in_background(gate.denied, recorder.permission_denied, queue=recorder.queue)

    for n in range(BURST):
        gate.denied.emit("users.manage", f"action {n}")
    assert QThreadPool.globalInstance().waitForDone(30_000)

    assert recorder.activity_log is not None
    entries = recorder.activity_log.query(limit=BURST + 1)
    assert [entry.detail["action"] for entry in reversed(entries)] == [
        f"action {n}" for n in range(BURST)
    ]
    assert recorder.activity_log.verify().ok
    assert on_disk_when_reported[-1] == BURST
    # Reported in batches, not once per event.
    assert len(on_disk_when_reported) < BURST
    recorder.close()


def test_the_viewer_shows_the_end_of_a_burst_without_a_reload_per_event(qtbot, activity_log):
    viewer = ActivityLogViewer(activity_log)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: settled(viewer))
    resets: list[None] = []
    viewer.model.modelReset.connect(lambda: resets.append(None))

    for n in range(1, 101):
        activity_log.append("locked", "alice", ISSUER, {"n": n})
        viewer.refresh()

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.total == 100)
    assert shown(viewer)[:2] == ["100", "99"]
    assert viewer.status.text() == "Showing 100 of 100 entries"
    assert len(resets) <= 3
