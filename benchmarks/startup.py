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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import desktop_auth
from benchmarks.report import Figure, Sample

ROUNDS = 15
NOTES: list[str] = []

# What bounds the two start-up figures (issue 9 asks for 1.3x of the empty window in both).
BOUND = """
**Why start-up is not within 1.3x.** The baseline shows an empty window: it imports three
PyQt5 modules and draws no text. The app shows the real login window, and everything that is
not needed to show it now waits until it has been painted and has the focus
(`desktop_auth/qt/first_paint.py`): the workspace and log viewer, the activity log (SQLite),
the keyring check, the single-instance socket (QtNetwork, and OpenSSL for its name's hash),
the diagnostic log file (`logging.handlers`), the embedded server (Flask, SQLAlchemy, Authlib),
and the permission policy (tomllib). That took the ratio from 4.4x and 1.87x to what the table
shows. What is left, by the breakdown above:

- importing the modules the window needs: the standard library's `logging`, `argparse`,
  `dataclasses` (with `inspect`), `json` and `datetime`, which the bare script never loads, and
  our login window, controller, settings, session, style and translation modules: some 35 ms
  and 5 MiB, Python's own cost of importing that much code;
- fonts: any window with text loads them (about 4 ms and 4 MiB; the bare window has none,
  see the line above), plus the app icon's image readers (about 4 ms and 2 MiB), which the
  window's logo needs in its first paint;
- the style sheet (about 5 ms and 1.5 MiB) and building the window itself (about 6 ms).

Within 1.3x would leave some 17 ms and 11 MiB for all of it, less than the standard library
modules alone take to import; getting there would mean writing the window without
`dataclasses`, `logging` and `argparse`, or in C++.
""".strip().splitlines()

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


# The same bare window with a label and a focused line edit: what any window with text pays
# (fonts) and the empty QMainWindow does not.
BARE_WITH_TEXT = (
    _CHILD_COMMON
    + """
from PyQt5.QtWidgets import QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget
window = QMainWindow()
body = QWidget()
layout = QVBoxLayout(body)
layout.addWidget(QLabel("Sign in"))
field = QLineEdit()
layout.addWidget(field)
window.setCentralWidget(body)
window.show()
window.activateWindow()
field.setFocus()
ready = lambda: window.isActiveWindow() and QApplication.focusWidget() is field
app.exec_()
"""
)

# Where the app's start-up goes: the interpreter and Qt (as the bare script), importing our
# modules, the application's set-up (language, style, icon, data dir), building the login
# window, and from show() to the focus. Each phase's end is printed in ms since the start.
PHASES = """
import os, sys, time
begun = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, (time.perf_counter() - begun) * 1000))
from PyQt5.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
mark("PyQt5 and QApplication")
import desktop_auth.app.application, desktop_auth.app.single_instance, desktop_auth.diagnostics
import desktop_auth.qt.first_paint, desktop_auth.qt.icons, desktop_auth.qt.style
mark("importing desktop_auth's start-up modules")
from desktop_auth.app import application
build = application.DesktopApp.__init__
def timed_build(self, *args, **kwargs):
    mark("set-up: language, style, icon, data dir, claim")
    build(self, *args, **kwargs)
    mark("building the login window and the app around it")
application.DesktopApp.__init__ = timed_build
def focused(old, new):
    if new is not None and new.objectName() == "username":
        mark("show() to the focus in the username field")
        print("PHASES " + ";".join(f"{n}={t}" for n, t in marks), flush=True)
        os._exit(0)
app.focusChanged.connect(focused)
from desktop_auth.app.main import main
main(["--data-dir", sys.argv[1]])
"""


def _phases(data_dir: str) -> list[tuple[str, float]]:
    out = subprocess.run(
        [sys.executable, "-c", PHASES, data_dir],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("PHASES "))
    ends = [(name, float(ms)) for name, ms in (p.split("=") for p in line[7:].split(";"))]
    previous = 0.0
    durations = []
    for name, end in ends:
        durations.append((name, end - previous))
        previous = end
    return durations


def _breakdown(data_dir: str) -> list[str]:
    runs = [_phases(data_dir) for _ in range(ROUNDS)]
    lines = [
        "Where the app's start-up goes (medians of "
        f"{ROUNDS} runs, from the first line of the child script; the interpreter's own start "
        "comes before it for both):",
        "",
        "| phase | ms |",
        "|---|---|",
    ]
    for index, (name, _) in enumerate(runs[0]):
        lines.append(f"| {name} | {statistics.median(run[index][1] for run in runs):.1f} |")
    return lines


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
    bare_times, bare_rss, app_times, app_rss, text_times, text_rss = [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as data_dir:
        # Not measured: the first runs create the data dir and any per-user caches (fonts).
        for script in (APP, BARE, BARE_WITH_TEXT):
            _one(script, data_dir)
        for _ in range(ROUNDS):
            seconds, rss = _one(BARE, data_dir)
            bare_times.append(seconds)
            bare_rss.append(rss)
            seconds, rss = _one(APP, data_dir)
            app_times.append(seconds)
            app_rss.append(rss)
            seconds, rss = _one(BARE_WITH_TEXT, data_dir)
            text_times.append(seconds)
            text_rss.append(rss)
        NOTES.extend(_breakdown(data_dir))
    median = statistics.median
    NOTES.insert(
        0,
        "A bare window with a label and a focused line edit (fonts loaded, as any window "
        f"with text) takes {median(text_times) * 1000:.1f} ms and "
        f"{median(text_rss) / 2**20:.1f} MiB in the same run: "
        f"{median(text_times) / median(bare_times):.2f}x and "
        f"{median(text_rss) / median(bare_rss):.2f}x the empty window.",
    )
    NOTES.insert(1, "")
    NOTES.extend(["", *BOUND])
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
