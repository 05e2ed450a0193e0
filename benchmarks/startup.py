"""Cold start to a visible login window with focus in the username field, and its memory.

Baseline: a bare PyQt5 script that shows an empty QMainWindow, started the same way in the
same run. Each start is a new process on Qt's offscreen platform; the child reports when its
window is active (and, for the app, the username field has focus), measured from just before
the parent spawned it, plus its peak resident memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from benchmarks.report import Figure, Sample

ROUNDS = 15

_CHILD_COMMON = """
import sys, time
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
"""

BARE = (
    _CHILD_COMMON
    + """
from PyQt5.QtWidgets import QMainWindow
window = QMainWindow()
window.show()
window.activateWindow()
ready = lambda: window.isActiveWindow()
"""
)

APP = (
    _CHILD_COMMON
    + """
from desktop_auth.app.application import DesktopApp
from desktop_auth.app.main import build_parser
from desktop_auth.qt.style import apply_style
apply_style(app)
desktop = DesktopApp(build_parser().parse_args(["--data-dir", sys.argv[1]]))
desktop.start()
window = desktop.login_window
ready = lambda: window.isActiveWindow() and QApplication.focusWidget() is window.username
"""
)

_CHILD_WAIT = """
def poll():
    if ready():
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
        with open("/proc/self/status") as status:
            rss_kib = next(l.split()[1] for l in status if l.startswith("VmHWM:"))
        print(f"READY {time.time()} {rss_kib}", flush=True)
        import os
        os._exit(0)
timer = QTimer()
timer.timeout.connect(poll)
timer.start(1)
app.exec_()
"""


def _one(script: str, data_dir: str) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script + _CHILD_WAIT, data_dir],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("READY "))
    _, ready_at, rss_kib = line.split()
    return float(ready_at) - started, float(rss_kib) * 1024


def run() -> list[Figure]:
    bare_times, bare_rss, app_times, app_rss = [], [], [], []
    with tempfile.TemporaryDirectory() as data_dir:
        _one(APP, data_dir)  # first run creates the demo server's data; not measured
        for _ in range(ROUNDS):
            seconds, rss = _one(BARE, data_dir)
            bare_times.append(seconds)
            bare_rss.append(rss)
            seconds, rss = _one(APP, data_dir)
            app_times.append(seconds)
            app_rss.append(rss)
    return [
        Figure(
            name="cold start to a focused login window",
            measured=Sample(tuple(app_times)),
            baseline=Sample(tuple(bare_times)),
            max_ratio=1.3,
            baseline_name="a bare PyQt5 script showing an empty QMainWindow, offscreen platform",
        ),
        Figure(
            name="resident memory at that point",
            measured=Sample(tuple(app_rss)),
            baseline=Sample(tuple(bare_rss)),
            max_ratio=1.3,
            unit="MiB",
            scale=1 / (1024 * 1024),
            baseline_name="the same bare PyQt5 script (peak resident memory, VmHWM)",
        ),
    ]
