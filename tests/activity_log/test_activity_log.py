"""The activity log library: appending, querying, the hash chain, secrets, files and crashes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from datetime import datetime
from pathlib import Path

import pytest

from desktop_auth.activity_log import (
    EVENTS,
    EXPORT_FIELDS,
    GENESIS_HASH,
    ActivityLog,
    ActivityLogError,
    Entry,
    NoActivityLogError,
    canonical_json,
    entry_hash,
)

from .conftest import ISSUER, build_log

# --- appending ------------------------------------------------------------------------------------


def test_append_returns_the_committed_entry_with_its_chain_hash(activity_log):
    first = activity_log.append("app_started")
    second = activity_log.append("login_succeeded", "alice", ISSUER, {"method": "native"})

    assert (first.seq, second.seq) == (1, 2)
    assert second.event == "login_succeeded"
    assert (second.username, second.issuer) == ("alice", ISSUER)
    assert second.detail == {"method": "native"}
    assert first.detail == {}
    assert activity_log.query() == [second, first]


def test_the_hash_is_sha256_over_the_canonical_json_of_the_fields_and_the_previous_hash(
    activity_log,
):
    import hashlib

    first = activity_log.append("app_started", detail={"b": 1, "a": "é"})
    second = activity_log.append("locked", "Zoë", ISSUER)

    def expected(entry: Entry, previous: str) -> str:
        fields = [*(entry.seq, entry.ts, entry.event, entry.username, entry.issuer)]
        document = [*fields, dict(entry.detail), previous]
        return hashlib.sha256(canonical_json(document).encode()).hexdigest()

    assert first.hash == expected(first, GENESIS_HASH)
    assert second.hash == expected(second, first.hash)
    assert GENESIS_HASH == "0" * 64
    assert entry_hash(1, first.ts, "app_started", None, None, {"a": "é", "b": 1}, GENESIS_HASH) == (
        first.hash
    )


def test_timestamps_are_rfc3339_utc(activity_log):
    entry = activity_log.append("app_started")

    assert entry.ts.endswith("Z")
    moment = datetime.fromisoformat(entry.ts.replace("Z", "+00:00"))
    assert moment.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("event", ["login", "LOGIN_SUCCEEDED", "", "token_refreshed"])
def test_unknown_events_are_refused(activity_log, event):
    with pytest.raises(ValueError, match="unknown activity event"):
        activity_log.append(event)
    assert activity_log.count() == 0


def test_every_documented_event_is_accepted(activity_log):
    for event in EVENTS:
        activity_log.append(event, "alice", ISSUER)

    assert [entry.event for entry in reversed(activity_log.query())] == list(EVENTS)
    assert len(EVENTS) == 10


@pytest.mark.parametrize(
    "detail",
    [
        {"password": "hunter2"},
        {"Password": "hunter2"},
        {"token": "abc"},
        {"code": "abc"},
        {"secret": "abc"},
        {"access_token": "abc"},
        {"refresh_token": "abc"},
        {"id_token": "abc"},
        {"client-secret": "abc"},
        {"request": {"form": {"password": "hunter2"}}},
        {"attempts": [{"refresh_token": "abc"}]},
        {"note": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"},
    ],
)
def test_secret_looking_details_are_refused_and_nothing_is_written(activity_log, detail):
    with pytest.raises(
        ValueError, match=r"never holds a password, token or code|looks like a token"
    ):
        activity_log.append("login_failed", "alice", ISSUER, detail)

    assert activity_log.count() == 0
    assert b"hunter2" not in activity_log.path.read_bytes()


def test_details_that_are_not_plain_json_are_refused(activity_log):
    with pytest.raises(ValueError, match="not plain JSON"):
        activity_log.append("locked", detail={"when": datetime.now()})
    with pytest.raises(ValueError, match="not plain JSON"):
        activity_log.append("locked", detail={"ratio": float("nan")})
    assert activity_log.count() == 0


def test_harmless_details_that_mention_codes_are_kept(activity_log):
    entry = activity_log.append(
        "login_failed", "alice", ISSUER, {"kind": "server", "status_code": 503, "error": "x"}
    )

    assert entry.detail["status_code"] == 503


# --- querying -------------------------------------------------------------------------------------


def test_query_pages_newest_first(sample_log):
    everything = sample_log.query(0, 100)

    assert [entry.seq for entry in everything] == list(range(9, 0, -1))
    assert sample_log.query(2, 3) == everything[2:5]
    assert sample_log.query(0, 3, before_seq=7) == everything[3:6]
    assert sample_log.count() == 9


def test_filter_by_event(sample_log):
    entries = sample_log.query(event="login_succeeded")

    assert [(e.seq, e.username) for e in entries] == [(7, "Bob"), (2, "alice")]
    assert sample_log.count(event="login_succeeded") == 2


def test_filter_by_user_ignores_case(sample_log):
    entries = sample_log.query(username="BOB")

    assert [e.seq for e in entries] == [9, 8, 7, 6]
    assert sample_log.count(username="bob") == 4
    assert sample_log.count(username="bo") == 0


def test_filter_by_event_and_user(sample_log):
    assert [e.seq for e in sample_log.query(event="login_succeeded", username="bob")] == [7]
    assert sample_log.count(event="locked", username="bob") == 0


def test_text_matches_the_username_or_the_detail(sample_log):
    assert [e.seq for e in sample_log.query(text="wrong PASSWORD")] == [6]
    assert [e.seq for e in sample_log.query(text="lic")] == [5, 4, 3, 2]
    assert sample_log.count(text="users.manage") == 1


def test_text_is_a_literal_substring_not_a_pattern(activity_log):
    activity_log.append("locked", "alice", ISSUER, {"note": "100% sure"})
    activity_log.append("locked", "alice", ISSUER, {"note": "1000 sure"})
    activity_log.append("locked", "a_b", ISSUER)
    activity_log.append("locked", "axb", ISSUER)

    assert [e.detail["note"] for e in activity_log.query(text="0% s")] == ["100% sure"]
    assert [e.username for e in activity_log.query(text="a_b")] == ["a_b"]


def test_usernames_lists_each_user_once(sample_log):
    assert [name.lower() for name in sample_log.usernames()] == ["alice", "bob"]


def test_filtered_queries_use_an_index(sample_log):
    connection = sqlite3.connect(sample_log.path)
    try:
        for where, params in (
            ("event = ?", ("locked",)),
            ("username = ? COLLATE NOCASE", ("bob",)),
            ("event = ? AND username = ? COLLATE NOCASE", ("locked", "bob")),
        ):
            plan = " ".join(
                row[-1]
                for row in connection.execute(
                    f"EXPLAIN QUERY PLAN SELECT * FROM entries WHERE {where}"  # noqa: S608
                    " ORDER BY seq DESC LIMIT 256",
                    params,
                )
            )
            assert "USING INDEX" in plan, (where, plan)
            assert "TEMP B-TREE" not in plan, (where, plan)
    finally:
        connection.close()


# --- verifying ------------------------------------------------------------------------------------


def tamper(path: Path, sql: str, *params: object) -> None:
    """Change the log file behind the library's back, as someone with the file would."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql, params)
    connection.close()


def test_an_untouched_log_verifies(sample_log):
    result = sample_log.verify()

    assert result.ok
    assert result.checked == 9
    assert result.first_bad_seq is None
    assert result.head_hash == sample_log.query(0, 1)[0].hash


def test_an_empty_log_verifies(activity_log):
    assert activity_log.verify().ok


def test_an_edited_detail_is_found(sample_log):
    tamper(sample_log.path, "UPDATE entries SET detail = ? WHERE seq = 6", '{"kind":"network"}')

    result = sample_log.verify()

    assert not result.ok
    assert result.first_bad_seq == 6
    assert result.checked == 5
    assert "entry 6 was changed" in result.reason


@pytest.mark.parametrize("column", ["ts", "event", "username", "issuer"])
def test_each_edited_field_is_found(sample_log, column):
    tamper(sample_log.path, f"UPDATE entries SET {column} = 'x' WHERE seq = 4")  # noqa: S608

    assert sample_log.verify().first_bad_seq == 4


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(sample_log):
    entry = sample_log.query(0, 1, before_seq=5)[0]
    forged = entry_hash(
        4, entry.ts, "locked", "alice", ISSUER, {}, sample_log.query(0, 1, before_seq=4)[0].hash
    )
    tamper(sample_log.path, "UPDATE entries SET event = 'locked', hash = ? WHERE seq = 4", forged)

    result = sample_log.verify()

    assert result.first_bad_seq == 5
    assert "or the hash of entry 4 was changed" in result.reason


def test_a_deleted_entry_is_found(sample_log):
    tamper(sample_log.path, "DELETE FROM entries WHERE seq = 3")

    result = sample_log.verify()

    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.reason == "entry 3 is missing: entry 4 follows entry 2"


def test_deleted_first_entries_are_found(sample_log):
    tamper(sample_log.path, "DELETE FROM entries WHERE seq <= 2")

    result = sample_log.verify()

    assert result.first_bad_seq == 1
    assert result.reason == "entries 1 to 2 are missing: the log starts at entry 3"


def test_a_cut_off_tail_is_found(sample_log):
    tamper(sample_log.path, "DELETE FROM entries WHERE seq >= 8")

    result = sample_log.verify()

    assert not result.ok
    assert result.first_bad_seq == 8
    assert result.checked == 7
    assert "entries 8 to 9 are missing" in result.reason


def test_an_appended_forgery_is_found(sample_log):
    last = sample_log.query(0, 1)[0]
    ts = last.ts
    forged = entry_hash(10, ts, "unlocked", "mallory", ISSUER, {}, last.hash)
    tamper(
        sample_log.path,
        "INSERT INTO entries VALUES (10, ?, 'unlocked', 'mallory', ?, '{}', ?)",
        ts,
        ISSUER,
        forged,
    )

    result = sample_log.verify()

    assert result.first_bad_seq == 10
    assert "not written by the log" in result.reason


def test_appending_after_verification_continues_the_chain(sample_log):
    sample_log.append("app_started")

    assert sample_log.verify().checked == 10


# --- concurrency and crashes ----------------------------------------------------------------------


def test_appends_from_many_threads_form_one_unbroken_chain(activity_log):
    def work(name: str) -> None:
        for _ in range(10):
            activity_log.append("session_refreshed", name, ISSUER)

    threads = [threading.Thread(target=work, args=(f"user{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert activity_log.count() == 60
    assert activity_log.verify().ok


APPEND_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from desktop_auth.activity_log import ActivityLog

    log = ActivityLog(Path(sys.argv[1]))
    for n in range(int(sys.argv[3])):
        entry = log.append("login_succeeded", sys.argv[2], "http://127.0.0.1", {"n": n})
    if sys.argv[4] == "kill":
        # The moment append returns; no close, no atexit, no flush of anything.
        os.kill(os.getpid(), signal.SIGKILL)
    log.close()
    """
)


def run_appender(path: Path, username: str, count: int, ending: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", APPEND_SCRIPT, str(path), username, str(count), ending],
        text=True,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_an_entry_survives_the_process_being_killed_right_after_append(data_dir):
    path = data_dir / "activity.sqlite3"

    child = run_appender(path, "alice", 1, "kill")
    _, stderr = child.communicate(timeout=60)

    assert child.returncode == -9, stderr
    with ActivityLog(path) as log:
        entries = log.query()
        assert [(e.seq, e.event, e.username, e.detail) for e in entries] == [
            (1, "login_succeeded", "alice", {"n": 0})
        ]
        assert log.verify().ok


@pytest.mark.slow
def test_two_processes_appending_at_once_keep_one_chain(data_dir):
    path = data_dir / "activity.sqlite3"
    ActivityLog(path).close()

    children = [run_appender(path, name, 25, "close") for name in ("alice", "bob")]
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr

    with ActivityLog(path) as log:
        assert log.count() == 50
        assert log.count(username="alice") == log.count(username="bob") == 25
        assert log.verify().ok


# --- files ----------------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_log_and_its_wal_files_are_private(data_dir):
    with ActivityLog.in_data_dir(data_dir) as log:
        log.append("app_started")
        files = sorted(p.name for p in data_dir.iterdir())
        assert files == ["activity.sqlite3", "activity.sqlite3-shm", "activity.sqlite3-wal"]
        assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)
    assert mode(data_dir) == 0o700


def test_a_log_file_readable_by_others_is_made_private(data_dir):
    path = data_dir / "activity.sqlite3"
    path.touch()
    path.chmod(0o644)

    ActivityLog(path).close()

    assert mode(path) == 0o600


def test_the_log_uses_wal_and_full_sync(activity_log):
    connection = sqlite3.connect(activity_log.path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()
    assert activity_log._writer.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL


def test_a_file_that_is_not_a_database_is_reported(data_dir):
    path = data_dir / "activity.sqlite3"
    path.write_bytes(b"this is not sqlite, it is long enough to have a header " * 4)

    with pytest.raises(ActivityLogError, match="not a usable activity log"):
        ActivityLog(path)


# --- export ---------------------------------------------------------------------------------------


def test_jsonl_export_has_the_documented_fields_oldest_first(sample_log):
    out = io.StringIO()

    written = sample_log.export("jsonl", out)

    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert written == len(records) == 9
    assert [list(record) for record in records] == [list(EXPORT_FIELDS)] * 9
    assert [record["seq"] for record in records] == list(range(1, 10))
    assert records[5]["detail"] == {"kind": "credentials", "message": "Wrong password"}
    assert records[0]["username"] is None
    newest = sample_log.query(0, 1)[0]
    assert records[-1] == newest.to_json()


def test_csv_export_has_a_header_and_detail_as_a_json_string(sample_log):
    out = io.StringIO()

    sample_log.export("csv", out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 9
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert rows[1]["event"] == "login_succeeded"
    assert json.loads(rows[1]["detail"]) == {"method": "native", "roles": ["admin"]}
    assert rows[0]["username"] == ""
    assert rows[8]["hash"] == sample_log.query(0, 1)[0].hash


def test_an_export_can_be_verified_by_a_reader_with_the_documented_rule(sample_log):
    out = io.StringIO()
    sample_log.export("jsonl", out)

    previous = GENESIS_HASH
    for line in out.getvalue().splitlines():
        record = json.loads(line)
        fields = [record[name] for name in EXPORT_FIELDS[:-1]]
        assert entry_hash(*fields, previous) == record["hash"]
        previous = record["hash"]


def test_export_can_be_filtered(sample_log):
    out = io.StringIO()

    assert sample_log.export("jsonl", out, username="bob") == 4


def test_unknown_export_formats_are_refused(sample_log):
    with pytest.raises(ValueError, match="unknown export format"):
        sample_log.export("xml", io.StringIO())


def test_nothing_secret_reaches_the_file_even_when_callers_try(activity_log):
    for detail in ({"password": "hunter2"}, {"nested": {"access_token": "s3cr3t-token"}}):
        with pytest.raises(ValueError, match="never holds"):
            activity_log.append("login_failed", "alice", ISSUER, detail)
    activity_log.append("login_failed", "alice", ISSUER, {"kind": "credentials"})

    data = b"".join(p.read_bytes() for p in activity_log.path.parent.iterdir() if p.is_file())
    assert b"hunter2" not in data
    assert b"s3cr3t-token" not in data


def test_opening_an_existing_log_refuses_a_missing_file(tmp_path):
    with pytest.raises(NoActivityLogError, match="there is no activity log at"):
        ActivityLog.open_existing(tmp_path / "activity.sqlite3")

    assert not (tmp_path / "activity.sqlite3").exists()


def test_a_damaged_file_fails_verification_instead_of_raising(data_dir):
    path = data_dir / "activity.sqlite3"
    build_log(path, 5_000)
    with path.open("r+b") as handle:
        handle.seek(200 * 4096)
        handle.write(b"\xde\xad\xbe\xef" * 1024)

    with ActivityLog(path) as log:
        result = log.verify()

    assert not result.ok
    assert "the log file is damaged after entry" in result.reason
    assert result.first_bad_seq == result.checked + 1
