"""A log of a million entries: queries stay fast and the viewer stays smooth."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from desktop_auth.activity_log import ActivityLog
from desktop_auth.qt.log_viewer import PAGE_SIZE, ActivityLogViewer

from .conftest import build_log, settled, shown

pytestmark = pytest.mark.slow

ROWS = 1_000_000
# Generous: each of these takes milliseconds, but other test runs may share the machine.
FAST_SECONDS = 0.5


@pytest.fixture(scope="module")
def big_log(tmp_path_factory) -> Iterator[ActivityLog]:
    path = tmp_path_factory.mktemp("million") / "activity.sqlite3"
    build_log(path, ROWS)
    log = ActivityLog(path)
    yield log
    log.close()


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


# --- the library ------------------------------------------------------------------------------


def test_the_built_log_is_a_valid_chain(big_log):
    result = big_log.verify()

    assert result.ok, result.reason
    assert result.checked == ROWS


@pytest.mark.parametrize(
    ("where", "expected_total"),
    [
        ({}, ROWS),
        ({"event": "locked"}, ROWS // 10),
        ({"username": "BOB"}, ROWS // 4),
        ({"event": "locked", "username": "dave"}, ROWS // 20),
    ],
)
def test_indexed_pages_and_counts_are_fast_anywhere_in_a_million_rows(
    big_log, where, expected_total
):
    first, first_time = timed(big_log.query, 0, PAGE_SIZE, **where)
    deep, deep_time = timed(big_log.query, 0, PAGE_SIZE, before_seq=2_000, **where)
    total, count_time = timed(big_log.count, **where)

    assert len(first) == PAGE_SIZE
    assert 0 < len(deep) <= PAGE_SIZE
    assert all(entry.seq < 2_000 for entry in deep)
    assert total == expected_total
    assert max(first_time, deep_time, count_time) < FAST_SECONDS


def test_a_text_search_finds_the_one_matching_entry(big_log):
    entries, seconds = timed(big_log.query, 0, PAGE_SIZE, text='"n":765432}')

    assert [entry.seq for entry in entries] == [765_432]
    assert seconds < FAST_SECONDS  # through the trigram index, not a scan of every entry


# --- the viewer -------------------------------------------------------------------------------


@pytest.fixture
def viewer(qtbot, big_log):
    viewer = ActivityLogViewer(big_log)
    qtbot.addWidget(viewer)
    viewer.resize(1000, 600)
    viewer.show()
    return viewer


def test_the_first_page_shows_quickly(qtbot, big_log):
    start = time.perf_counter()
    viewer = ActivityLogViewer(big_log)
    qtbot.addWidget(viewer)
    viewer.show()

    qtbot.waitUntil(lambda: viewer.model.rowCount() > 0, timeout=5_000)

    assert time.perf_counter() - start < 2
    assert shown(viewer)[:3] == ["1000000", "999999", "999998"]
    assert viewer.model.rowCount() == PAGE_SIZE
    top = viewer.table.indexAt(viewer.table.viewport().rect().topLeft())
    assert top.row() == 0
    qtbot.waitUntil(lambda: settled(viewer))
    assert viewer.status.text() == f"Showing {PAGE_SIZE} of 1,000,000 entries"


def test_scrolling_to_the_bottom_fetches_the_next_pages(qtbot, viewer):
    qtbot.waitUntil(lambda: settled(viewer))

    for pages in (2, 3, 4):
        viewer.table.scrollToBottom()
        qtbot.waitUntil(
            lambda n=pages: viewer.model.rowCount() == n * PAGE_SIZE and settled(viewer)
        )

    assert viewer.model.rowCount() == 4 * PAGE_SIZE
    seqs = [int(seq) for seq in shown(viewer)]
    assert seqs == list(range(ROWS, ROWS - 4 * PAGE_SIZE, -1))
    # The view stays where the user scrolled to, past the first three pages.
    bottom = viewer.table.indexAt(viewer.table.viewport().rect().bottomLeft())
    assert bottom.row() >= 3 * PAGE_SIZE - 1
    assert int(bottom.data()) == ROWS - bottom.row()


def test_filtering_by_event_shows_only_that_event(qtbot, viewer):
    qtbot.waitUntil(lambda: settled(viewer))
    viewer.event_filter.setFocus()

    qtbot.keyClicks(viewer.event_filter, "locked")

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.filter.event == "locked")
    assert viewer.model.rowCount() == PAGE_SIZE
    assert set(shown(viewer, 2)) == {"locked"}
    assert shown(viewer)[:2] == ["999997", "999987"]
    assert viewer.status.text() == f"Showing {PAGE_SIZE} of 100,000 entries"
    viewer.table.scrollToBottom()
    qtbot.waitUntil(lambda: viewer.model.rowCount() == 2 * PAGE_SIZE and settled(viewer))
    assert set(shown(viewer, 2)) == {"locked"}
