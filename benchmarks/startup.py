"""Cold start to a visible login window with focus in the username field, and its memory.

Baseline: a bare PyQt5 script that shows an empty QMainWindow, started the same way in the
same run. Each start is a new process on Qt's offscreen platform. The app child runs the real
``desktop-auth`` entry point (``desktop_auth.app.main.main``) with a throw-away data dir,
so the embedded demo server, settings, single-instance claim and diagnostic log all take part.
Each child creates the QApplication itself (main() reuses one that exists), polls every
millisecond, and reports when its window is active (and, for the app, the username field has
the focus), measured from just before the parent spawned it, with its peak resident memory.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import desktop_auth
from benchmarks.report import Figure, Sample

ROUNDS = 15

_CHILD_COMMON = """
import os, sys, time
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication
app = QApplication(sys.argv[:1])

def poll():
    if ready():
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
        with open("/proc/self/status") as status:
            rss_kib = next(l.split()[1] for l in status if l.startswith("VmHWM:"))
        print(f"READY {time.time()} {rss_kib}", flush=True)
        os._exit(0)

timer = QTimer()
timer.timeout.connect(poll)
timer.start(1)
"""

BARE = (
    _CHILD_COMMON
    + """
from PyQt5.QtWidgets import QMainWindow
window = QMainWindow()
window.show()
window.activateWindow()
ready = lambda: window.isActiveWindow()
app.exec_()
"""
)

APP = (
    _CHILD_COMMON
    + """
def ready():
    window = QApplication.activeWindow()
    return window is not None and QApplication.focusWidget() is getattr(window, "username", 0)

from desktop_auth.app.main import main
main(["--data-dir", sys.argv[1]])
"""
)


def _one(script: str, data_dir: str) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script, data_dir],
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
    # As an installed wheel has (pip compiles it): with PYTHONDONTWRITEBYTECODE set, an
    # editable checkout would otherwise compile every module of ours at every start.
    compileall.compile_dir(Path(desktop_auth.__file__).parent, quiet=1)
    bare_times, bare_rss, app_times, app_rss = [], [], [], []
    with tempfile.TemporaryDirectory() as data_dir:
        _one(APP, data_dir)  # first run creates the data dir; not measured
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
            note="Measured: `desktop-auth --data-dir DIR` (the embedded demo server's default).",
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
