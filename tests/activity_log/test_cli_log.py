"""`desktop-auth-cli log export` and `log verify`, run as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_auth.activity_log import EXPORT_FIELDS, LOG_FILENAME
from desktop_auth.settings import DATA_DIR_ENV

from .conftest import build_log

pytestmark = pytest.mark.slow


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "desktop_auth.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def tamper(path: Path, sql: str, *params: object) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql, params)
    connection.close()


@pytest.fixture
def logged(sample_log, data_dir) -> Path:
    """A data dir holding the nine-entry sample log, closed so only the CLI has it open."""
    sample_log.close()
    return data_dir


# --- verify -------------------------------------------------------------------------------------


def test_an_intact_log_verifies_with_exit_0(logged):
    result = cli("log", "verify", "--data-dir", str(logged))

    assert result.returncode == 0, result.stderr
    assert "is intact: 9 entries, head " in result.stdout
    assert result.stderr == ""


def test_an_edited_entry_fails_with_exit_1_naming_it(logged):
    tamper(logged / LOG_FILENAME, "UPDATE entries SET detail = ? WHERE seq = 6", '{"kind":"x"}')

    result = cli("log", "verify", "--data-dir", str(logged))

    assert result.returncode == 1
    assert "entry 6 was changed" in result.stderr
    assert "first bad entry: 6" in result.stderr
    assert result.stdout == ""


def test_a_deleted_entry_fails_with_exit_1_naming_it(logged):
    tamper(logged / LOG_FILENAME, "DELETE FROM entries WHERE seq = 4")

    result = cli("log", "verify", "--data-dir", str(logged))

    assert result.returncode == 1
    assert "entry 4 is missing: entry 5 follows entry 3" in result.stderr
    assert "first bad entry: 4" in result.stderr


def test_a_cut_off_end_fails_with_exit_1(logged):
    tamper(logged / LOG_FILENAME, "DELETE FROM entries WHERE seq = 9")

    result = cli("log", "verify", "--data-dir", str(logged))

    assert result.returncode == 1
    assert "entry 9 is missing: the end of the log was cut off" in result.stderr


def test_a_file_that_is_not_a_log_fails_with_exit_1(data_dir):
    (data_dir / LOG_FILENAME).write_bytes(b"not a database, just some bytes " * 10)

    result = cli("log", "verify", "--data-dir", str(data_dir))

    assert result.returncode == 1
    assert "not a usable activity log" in result.stderr


def test_no_log_yet_is_said_plainly_and_nothing_is_created(tmp_path):
    data_dir = tmp_path / "never-used"

    for command in ("verify", "export"):
        result = cli("log", command, "--data-dir", str(data_dir))

        assert result.returncode == 2
        assert f"there is no activity log at {data_dir / LOG_FILENAME} yet" in result.stderr
        assert "Traceback" not in result.stderr
    assert not data_dir.exists()


def test_the_data_dir_comes_from_the_environment_without_the_option(logged):
    env = {**os.environ, DATA_DIR_ENV: str(logged)}

    result = cli("log", "verify", env=env)

    assert result.returncode == 0, result.stderr
    assert str(logged) in result.stdout


# --- export -------------------------------------------------------------------------------------


def test_export_writes_json_lines_to_stdout_by_default(logged):
    result = cli("log", "export", "--data-dir", str(logged))

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["seq"] for record in records] == list(range(1, 10))
    assert all(list(record) == list(EXPORT_FIELDS) for record in records)
    assert records[1]["detail"] == {"method": "native", "roles": ["admin"]}


def test_export_writes_csv_with_a_header(logged):
    result = cli("log", "export", "--format", "csv", "--data-dir", str(logged))

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert len(rows) == 9
    assert json.loads(rows[7]["detail"]) == {"permission": "users.manage"}


def test_an_unknown_format_is_a_usage_error(logged):
    result = cli("log", "export", "--format", "xml", "--data-dir", str(logged))

    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_export_into_a_reader_that_stops_early_is_not_an_error(data_dir):
    build_log(data_dir / LOG_FILENAME, 20_000)

    export = subprocess.Popen(
        [sys.executable, "-m", "desktop_auth.cli", "log", "export", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout is not None
    first = export.stdout.readline()
    export.stdout.close()  # like `| head -1`
    _, stderr = export.communicate(timeout=120)

    assert json.loads(first)["seq"] == 1
    assert export.returncode == 0
    assert b"Traceback" not in stderr
