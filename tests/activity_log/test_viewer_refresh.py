"""Refreshing the viewer after new events: the rows shown stay while the new ones are read,
new entries appear above them, and a burst of more than a page shows its newest page."""

from __future__ import annotations

import re

from PyQt5.QtCore import Qt

from desktop_auth.activity_log import ActivityLog, LogFilter, new_entry, utc_timestamp
from desktop_auth.qt.log_viewer import PAGE_SIZE

from .conftest import ISSUER, USERS, settled, shown


def append_locked(activity_log: ActivityLog, first: int, last: int) -> None:
    """Entries ``{"n": first}`` to ``{"n": last}``, users in turn, committed together."""
    activity_log.commit(
        [
            new_entry("locked", USERS[n % len(USERS)], ISSUER, {"n": n})
            for n in range(first, last + 1)
        ]
    )


def test_new_entries_appear_above_the_rows_shown_and_the_table_never_empties(
    qtbot, show_viewer, sample_log
):
    viewer = show_viewer(sample_log)
    before = shown(viewer)
    model = viewer.model
    rows_left: list[int] = []
    for emptying in (model.modelReset, model.rowsRemoved):
        emptying.connect(lambda *_: rows_left.append(model.rowCount()))

    sample_log.append("app_started", detail={"version": "0.2.0"})
    sample_log.append("login_succeeded", "carol", ISSUER, {"method": "native"})
    viewer.refresh()

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 11)
    assert shown(viewer) == ["11", "10", *before]
    assert shown(viewer, 3)[0] == "carol"
    assert viewer.status.text() == "Showing 11 of 11 entries"
    assert 0 not in rows_left


def test_a_refresh_keeps_the_older_pages_the_user_scrolled_through(
    qtbot, show_viewer, activity_log
):
    append_locked(activity_log, 1, 3 * PAGE_SIZE)
    viewer = show_viewer(activity_log)
    viewer.table.scrollToBottom()
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 2 * PAGE_SIZE)
    before = shown(viewer)

    append_locked(activity_log, 3 * PAGE_SIZE + 1, 3 * PAGE_SIZE + 2)
    viewer.refresh()

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 2 * PAGE_SIZE + 2)
    assert shown(viewer)[:2] == [str(3 * PAGE_SIZE + 2), str(3 * PAGE_SIZE + 1)]
    assert shown(viewer)[2:] == before


def test_after_more_than_a_page_of_new_entries_the_newest_page_is_shown_and_paging_goes_on(
    qtbot, show_viewer, activity_log
):
    append_locked(activity_log, 1, 10)
    viewer = show_viewer(activity_log)

    append_locked(activity_log, 11, 10 + PAGE_SIZE + 50)
    viewer.refresh()

    newest = 10 + PAGE_SIZE + 50
    qtbot.waitUntil(lambda: settled(viewer) and shown(viewer)[0] == str(newest))
    assert shown(viewer) == [str(seq) for seq in range(newest, newest - PAGE_SIZE, -1)]
    viewer.table.scrollToBottom()
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == newest)
    # Every entry once, in order: no gap and no repeat where the old rows were.
    assert shown(viewer) == [str(seq) for seq in range(newest, 0, -1)]
    assert not viewer.model.canFetchMore()


def test_a_refresh_shows_only_new_entries_that_match_the_filter(qtbot, show_viewer, activity_log):
    append_locked(activity_log, 1, 8)
    viewer = show_viewer(activity_log)
    qtbot.keyClicks(viewer.user_filter, "alice")
    qtbot.keyClick(viewer.user_filter, Qt.Key_Return)
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.filter.username == "alice")
    assert set(shown(viewer, 3)) == {"alice"}
    alices = viewer.model.rowCount()

    append_locked(activity_log, 9, 16)
    viewer.refresh()

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() > alices)
    assert set(shown(viewer, 3)) == {"alice"}
    assert viewer.model.rowCount() == viewer.model.total == 4


def test_the_detail_cell_shows_the_detail_and_its_tooltip_a_line_per_key(show_viewer, sample_log):
    viewer = show_viewer(sample_log)
    model = viewer.model
    # Row 7 from the top is alice's sign-in: {"method": "native", "roles": ["admin"]}.
    detail = model.index(7, 5)

    assert model.index(7, 2).data() == "login_succeeded"
    assert detail.data() == '{"method": "native", "roles": ["admin"]}'
    assert detail.data(Qt.ToolTipRole) == 'method: "native"\nroles: ["admin"]'
    assert model.index(7, 0).data(Qt.TextAlignmentRole) == int(Qt.AlignRight | Qt.AlignVCenter)
    assert not model.index(7, 0).flags() & Qt.ItemIsEditable


# --- the library side of it ----------------------------------------------------------------


def test_commit_writes_a_chained_batch_and_answers_the_last_seq(activity_log):
    activity_log.append("app_started")

    last = activity_log.commit([new_entry("locked", "alice"), new_entry("unlocked", "alice")])

    assert last == 3
    assert [entry.event for entry in activity_log.query()] == ["unlocked", "locked", "app_started"]
    assert activity_log.verify().ok
    assert activity_log.commit([]) == 0


def test_query_after_a_seq_gives_only_the_newer_entries_newest_first(activity_log):
    append_locked(activity_log, 1, 12)

    assert [e.seq for e in activity_log.query(after_seq=9)] == [12, 11, 10]
    assert [e.seq for e in activity_log.query(username="bob", after_seq=4)] == [9, 5]
    assert [e.seq for e in activity_log.query(text='"n":1', after_seq=9)] == [12, 11, 10]
    assert activity_log.query(after_seq=12) == []


def test_query_rows_gives_the_entries_as_stored(activity_log):
    append_locked(activity_log, 1, 6)

    rows = activity_log.query_rows(LogFilter(username="BOB"), 10)

    assert [(seq, event, user, detail) for seq, _, event, user, _, detail, _ in rows] == [
        (5, "locked", "bob", '{"n":5}'),
        (1, "locked", "bob", '{"n":1}'),
    ]
    assert [row[6] for row in rows] == [entry.hash for entry in activity_log.query(username="bob")]


def test_timestamps_keep_their_format():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", utc_timestamp())
