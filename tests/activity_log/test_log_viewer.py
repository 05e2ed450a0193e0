"""The activity-log viewer on a small log: what it shows, its filters, refresh and export."""

from __future__ import annotations

import csv
import io
import json
import stat

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QFileDialog, QLabel

from desktop_auth.activity_log import EXPORT_FIELDS

from .conftest import ISSUER, settled, shown


@pytest.fixture
def viewer(show_viewer, sample_log):
    return show_viewer(sample_log)


def test_the_newest_entries_are_shown_first(viewer):
    assert shown(viewer) == [str(seq) for seq in range(9, 0, -1)]
    assert shown(viewer, 2)[:2] == ["session_expired", "permission_denied"]
    assert shown(viewer, 3)[0] == "bob"
    assert shown(viewer, 4)[0] == ISSUER
    assert json.loads(shown(viewer, 5)[1]) == {"permission": "users.manage"}
    assert viewer.status.text() == "Showing 9 of 9 entries"
    headers = [viewer.model.headerData(c, Qt.Horizontal) for c in range(6)]
    assert headers == ["#", "Time (UTC)", "Event", "User", "Issuer", "Detail"]


def test_each_filter_has_a_label_with_a_mnemonic_and_an_accessible_name(viewer):
    for name, mnemonic in (("eventFilter", "&t"), ("userFilter", "&U"), ("textFilter", "&c")):
        field = viewer.findChild(object, name)
        (label,) = [w for w in viewer.findChildren(QLabel) if w.buddy() is field]
        assert mnemonic in label.text()
        assert field.accessibleName()
    button = viewer.findChild(object, "exportButton")
    assert "&" in button.text()
    assert button.accessibleName()
    assert viewer.findChild(object, "activityLogTable") is viewer.table


def test_alt_mnemonics_move_focus_to_the_filters(qtbot, viewer):
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)

    qtbot.keyClick(viewer, Qt.Key_U, Qt.AltModifier)
    assert viewer.user_filter.hasFocus()
    qtbot.keyClick(viewer, Qt.Key_C, Qt.AltModifier)
    assert viewer.text_filter.hasFocus()
    qtbot.keyClick(viewer, Qt.Key_T, Qt.AltModifier)
    assert viewer.event_filter.hasFocus()


def test_choosing_an_event_with_the_keyboard_filters_the_table(qtbot, viewer):
    viewer.event_filter.setFocus()

    qtbot.keyClicks(viewer.event_filter, "login_s")

    assert viewer.event_filter.currentText() == "login_succeeded"
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 2)
    assert shown(viewer, 2) == ["login_succeeded", "login_succeeded"]
    assert viewer.status.text() == "Showing 2 of 2 entries"


def test_typing_a_user_shows_that_users_entries_in_any_case(qtbot, viewer):
    qtbot.keyClicks(viewer.user_filter, "BOB")
    qtbot.keyClick(viewer.user_filter, Qt.Key_Return)

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 4)
    assert shown(viewer) == ["9", "8", "7", "6"]


def test_typing_text_searches_users_and_details_after_a_pause(qtbot, viewer):
    qtbot.keyClicks(viewer.text_filter, "wrong pass")

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 1)
    assert shown(viewer, 2) == ["login_failed"]
    assert viewer.model.filter.text == "wrong pass"


def test_filters_combine_and_clearing_them_shows_everything(qtbot, viewer):
    viewer.event_filter.setCurrentIndex(viewer.event_filter.findData("login_succeeded"))
    qtbot.keyClicks(viewer.user_filter, "alice")
    qtbot.keyClick(viewer.user_filter, Qt.Key_Return)
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 1)
    assert shown(viewer) == ["2"]

    viewer.user_filter.clear()
    viewer.event_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 9)


def test_refresh_shows_new_events(qtbot, viewer, sample_log):
    sample_log.append("app_started", detail={"version": "0.1.0"})

    viewer.refresh()

    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 10)
    assert shown(viewer)[0] == "10"


def test_a_log_that_cannot_be_read_is_reported_in_the_window(qtbot, viewer, sample_log):
    sample_log.close()

    viewer.refresh()

    qtbot.waitUntil(lambda: "Cannot read the activity log" in viewer.status.text())
    assert viewer.model.rowCount() == 0
    assert not viewer.model.canFetchMore()


def test_export_to_csv_writes_the_entries_shown_oldest_first(qtbot, viewer, tmp_path):
    qtbot.keyClicks(viewer.user_filter, "bob")
    qtbot.keyClick(viewer.user_filter, Qt.Key_Return)
    qtbot.waitUntil(lambda: settled(viewer) and viewer.model.rowCount() == 4)
    target = tmp_path / "out.csv"

    with qtbot.waitSignal(viewer.exported) as signal:
        viewer.export_to(target, "csv")

    assert signal.args == [str(target), 4]
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert [row["seq"] for row in rows] == ["6", "7", "8", "9"]
    assert json.loads(rows[0]["detail"])["kind"] == "credentials"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert viewer.export_button.isEnabled()
    assert "Exported 4 entries" in viewer.status.text()


def test_export_to_jsonl_writes_one_object_per_entry(qtbot, viewer, tmp_path):
    target = tmp_path / "out.jsonl"

    with qtbot.waitSignal(viewer.exported):
        viewer.export_to(target, "jsonl")

    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [record["seq"] for record in records] == list(range(1, 10))
    assert all(list(record) == list(EXPORT_FIELDS) for record in records)


def test_a_failed_export_says_why_and_leaves_no_file(qtbot, viewer, tmp_path):
    target = tmp_path / "missing-folder" / "out.csv"

    with qtbot.waitSignal(viewer.export_failed) as signal:
        viewer.export_to(target, "csv")

    assert signal.args[0].startswith("Export failed")
    assert viewer.status.text().startswith("Export failed")
    assert not target.parent.exists()
    assert viewer.export_button.isEnabled()


def test_the_export_button_offers_csv_and_json_lines(qtbot, viewer, tmp_path, monkeypatch):
    target = tmp_path / "chosen.jsonl"
    offered = []

    def choose(parent, caption, directory, filters):
        offered.append(filters)
        return str(target), "JSON lines (*.jsonl)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))

    with qtbot.waitSignal(viewer.exported):
        qtbot.mouseClick(viewer.export_button, Qt.LeftButton)

    assert offered == ["CSV (*.csv);;JSON lines (*.jsonl)"]
    assert json.loads(target.read_text().splitlines()[0])["event"] == "app_started"
