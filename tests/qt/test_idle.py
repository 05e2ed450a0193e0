"""IdleWatcher: idle after the timeout without input; keys and the mouse keep it away."""

from __future__ import annotations

import time

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLineEdit

from desktop_auth.qt.idle import IdleWatcher


def shown_line_edit(qtbot) -> QLineEdit:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.activateWindow()
    qtbot.waitUntil(edit.isActiveWindow)
    return edit


def test_idle_fires_once_after_the_timeout_without_input(qtbot):
    watcher = IdleWatcher(0.3)
    started = time.monotonic()

    with qtbot.waitSignal(watcher.idle, timeout=3_000):
        watcher.start()

    assert time.monotonic() - started >= 0.3
    assert not watcher.watching
    with qtbot.assertNotEmitted(watcher.idle, wait=500):
        pass


def test_typing_postpones_idle(qtbot):
    edit = shown_line_edit(qtbot)
    watcher = IdleWatcher(0.6)
    idle_at: list[float] = []
    watcher.idle.connect(lambda: idle_at.append(time.monotonic()))
    watcher.start()

    last_key = time.monotonic()
    for _ in range(6):  # 1.2 s of typing, a key every 0.2 s: never 0.6 s without input
        qtbot.wait(200)
        last_key = time.monotonic()  # just before the key: the watcher notes it a bit later
        qtbot.keyClick(edit, Qt.Key_A)
        assert idle_at == []

    qtbot.waitUntil(lambda: idle_at != [], timeout=3_000)
    assert idle_at[0] - last_key >= 0.6
    assert edit.text() == "aaaaaa"  # the filter watches input, it does not eat it
    watcher.stop()


def test_zero_means_never(qtbot):
    watcher = IdleWatcher(0)
    watcher.start()

    assert not watcher.watching
    with qtbot.assertNotEmitted(watcher.idle, wait=300):
        pass


def test_stopping_watch_prevents_idle(qtbot):
    watcher = IdleWatcher(0.2)
    watcher.start()
    watcher.stop()

    with qtbot.assertNotEmitted(watcher.idle, wait=500):
        pass
