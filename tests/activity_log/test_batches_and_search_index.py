"""Committing several entries at once, and the text search's index (old logs gain it)."""

from __future__ import annotations

import sqlite3

import pytest

from desktop_auth.activity_log import ActivityLog, ActivityLogWriteError, new_entry

from .conftest import ISSUER


def test_append_all_chains_the_entries_in_order_and_the_chain_verifies(activity_log):
    activity_log.append("app_started")

    written = activity_log.append_all(
        [
            new_entry("login_succeeded", "alice", ISSUER, {"method": "native"}),
            new_entry("locked", "alice", ISSUER, {"reason": "idle"}),
            new_entry("unlocked", "alice", ISSUER),
        ]
    )

    assert [entry.seq for entry in written] == [2, 3, 4]
    assert [entry.event for entry in activity_log.query()] == [
        "unlocked",
        "locked",
        "login_succeeded",
        "app_started",
    ]
    assert activity_log.verify().ok
    assert activity_log.verify().head_hash == written[-1].hash


def test_new_entry_refuses_secrets_before_anything_is_written(activity_log):
    with pytest.raises(ValueError, match="never holds a password"):
        new_entry("login_failed", "alice", ISSUER, {"password": "hunter2"})

    assert activity_log.append_all([]) == []
    assert activity_log.count() == 0


def test_a_batch_that_cannot_be_committed_writes_none_of_its_entries(activity_log):
    activity_log.append("app_started")
    # The database refuses the batch's second entry (as a full disk would refuse a page).
    connection = sqlite3.connect(activity_log.path, isolation_level=None)
    connection.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN new.username = 'mallory'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    connection.close()
    batch = [new_entry("locked", "alice"), new_entry("locked", "mallory")]

    with pytest.raises(ActivityLogWriteError, match="refused"):
        activity_log.append_all(batch)

    assert [entry.event for entry in activity_log.query()] == ["app_started"]
    assert activity_log.verify().ok
    assert [entry.seq for entry in activity_log.append_all(batch[:1])] == [2]


def test_text_search_finds_words_of_the_detail_and_usernames_in_any_case(activity_log):
    activity_log.append("login_failed", "Zoë", ISSUER, {"reason": "Wrong password"})
    activity_log.append("locked", "bob", ISSUER, {"reason": "idle"})

    assert [e.username for e in activity_log.query(text="WRONG pass")] == ["Zoë"]
    assert [e.username for e in activity_log.query(text="zoë")] == ["Zoë"]
    assert [e.username for e in activity_log.query(text="idl")] == ["bob"]
    assert activity_log.count(text="idle", event="locked", username="BOB") == 1
    assert activity_log.count(text="idle", event="login_failed") == 0
    # No match spans the end of the username and the start of the detail.
    assert activity_log.query(text='bob{"') == []


def test_a_log_from_before_the_search_index_gains_it_and_finds_its_old_entries(data_dir):
    path = data_dir / "activity.sqlite3"
    with ActivityLog(path) as activity_log:
        activity_log.append("login_failed", "alice", ISSUER, {"reason": "Wrong password"})
    # What an older version left: no index, schema version 1.
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DROP TABLE entries_text")
    connection.execute("PRAGMA user_version = 1")
    connection.close()

    with ActivityLog(path) as activity_log:
        activity_log.append("locked", "bob", ISSUER, {"reason": "wrong account"})

        assert [e.username for e in activity_log.query(text="wrong")] == ["bob", "alice"]
        assert activity_log.verify().ok
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone() == (2,)
    connection.close()


def test_an_entry_edited_behind_the_logs_back_is_searched_by_its_new_text_and_fails_verify(
    activity_log,
):
    activity_log.append("locked", "alice", ISSUER, {"reason": "idle"})
    connection = sqlite3.connect(activity_log.path, isolation_level=None)
    connection.execute("""UPDATE entries SET detail = '{"reason":"user"}' WHERE seq = 1""")
    connection.close()

    assert activity_log.query(text="idle") == []
    assert [e.seq for e in activity_log.query(text='"user"')] == [1]
    assert not activity_log.verify().ok


def test_entries_appended_by_a_writer_that_does_not_know_the_index_are_found(activity_log):
    activity_log.append("locked", "alice", ISSUER, {"reason": "idle"})
    connection = sqlite3.connect(activity_log.path, isolation_level=None)
    connection.execute(
        "INSERT INTO entries VALUES (2, '2025-01-01T00:00:00.000000Z', 'unlocked', 'carol',"
        " NULL, '{}', 'x')"
    )
    connection.execute("UPDATE head SET seq = 2, hash = 'x'")
    connection.close()

    activity_log.append("locked", "dave", ISSUER, {"reason": "idle"})

    assert [e.seq for e in activity_log.query(text="carol")] == [2]
    assert [e.seq for e in activity_log.query(text="idle")] == [3, 1]
