"""Background work: results and errors come back by signal, and slow slots never freeze the UI."""

from __future__ import annotations

import itertools
import threading
import time

from PyQt5.QtCore import QObject, QThreadPool, QTimer, pyqtSignal

from desktop_auth.qt.workers import SerialQueue, Worker, connect_in_background, run_in_background


class Emitter(QObject):
    happened = pyqtSignal(str)


def test_worker_reports_started_returned_and_finished_in_order(qtbot):
    seen = []
    worker = Worker(lambda a, b: a + b, 2, 3)
    worker.signals.started.connect(lambda: seen.append("started"))
    worker.signals.returned.connect(lambda value: seen.append(("returned", value)))
    worker.signals.errored.connect(lambda error: seen.append(("errored", error)))
    worker.signals.finished.connect(lambda: seen.append("finished"))

    with qtbot.waitSignal(worker.signals.finished):
        worker.start()

    assert seen == ["started", ("returned", 5), "finished"]


def test_an_exception_leaves_through_errored_and_the_result_callback_is_not_called(qtbot):
    results, errors = [], []

    def fail():
        raise ValueError("no good")

    worker = run_in_background(fail, on_result=results.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    QThreadPool.globalInstance().waitForDone()

    assert results == []
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "no good"
    assert worker.signals is not None


def test_results_are_delivered_in_the_calling_thread(qtbot):
    threads = []
    run_in_background(
        threading.get_ident, on_result=lambda ident: threads.append((ident, threading.get_ident()))
    )
    qtbot.waitUntil(lambda: bool(threads))

    worker_thread, delivered_in = threads[0]
    assert worker_thread != threading.get_ident()
    assert delivered_in == threading.get_ident()


def test_a_slow_slot_connected_in_background_does_not_stop_a_timer_probe(qtbot):
    emitter = Emitter()
    slot_done = threading.Event()
    slot_threads = []

    def slow_slot(text):
        slot_threads.append(threading.get_ident())
        time.sleep(1.0)
        slot_done.set()

    connect_in_background(emitter.happened, slow_slot)
    ticks = []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks.append(time.monotonic()))
    probe.start()

    started = time.monotonic()
    emitter.happened.emit("login_succeeded")
    returned_after = time.monotonic() - started
    qtbot.waitUntil(slot_done.is_set, timeout=5000)
    probe.stop()

    assert returned_after < 0.1
    assert slot_threads[0] != threading.get_ident()
    # The probe kept ticking through the second the slot slept: no gap near a second.
    assert len(ticks) > 30
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) < 0.5


def test_background_slot_runs_calls_one_at_a_time_in_emission_order(qtbot):
    emitter = Emitter()
    seen = []
    running = []

    def slot(text):
        running.append(text)
        assert len(running) == 1, "calls overlapped"
        time.sleep(0.01)
        seen.append(text)
        running.remove(text)

    connect_in_background(emitter.happened, slot)
    for name in ("a", "b", "c", "d", "e"):
        emitter.happened.emit(name)
    qtbot.waitUntil(lambda: len(seen) == 5)

    assert seen == ["a", "b", "c", "d", "e"]


def test_a_failing_background_slot_is_logged_and_later_calls_still_run(qtbot, caplog):
    emitter = Emitter()
    seen = []

    def slot(text):
        if text == "bad":
            raise RuntimeError("slot broke")
        seen.append(text)

    connect_in_background(emitter.happened, slot)
    emitter.happened.emit("bad")
    emitter.happened.emit("good")
    qtbot.waitUntil(lambda: seen == ["good"])
    QThreadPool.globalInstance().waitForDone()

    assert "background task failed: RuntimeError" in caplog.text


def test_connections_sharing_a_queue_keep_their_relative_order(qtbot):
    first, second = Emitter(), Emitter()
    queue = SerialQueue()
    seen = []

    def slow(text):
        time.sleep(0.05)
        seen.append(text)

    connect_in_background(first.happened, slow, queue=queue)
    connect_in_background(second.happened, seen.append, queue=queue)
    first.happened.emit("1")
    second.happened.emit("2")
    first.happened.emit("3")
    qtbot.waitUntil(lambda: len(seen) == 3)

    assert seen == ["1", "2", "3"]
