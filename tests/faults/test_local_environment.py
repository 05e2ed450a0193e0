"""Fault matrix, local environment (issue 8): a read-only data dir, a full disk, a damaged
activity log or settings file, a locked keyring, two writers on one log, a kill -9 mid-write.

Each cell checks what the user is told and that nothing recorded before is lost. The
matrix and its results: docs/reliability/local.md. Cells covered elsewhere are named there
(tests/app/test_single_instance.py, tests/app/test_stay_signed_in.py, tests/secrets/).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keyring.errors
import pytest
from PyQt5.QtCore import QThreadPool

import tests.app.conftest as app_fixtures
import tests.server.conftest as server_fixtures
from desktop_auth.activity_log import (
    LOG_FILENAME,
    ActivityLog,
    ActivityLogWriteError,
    CorruptActivityLogError,
)
from desktop_auth.settings import SETTINGS_FILENAME, Settings, load_settings, save_settings
from tests.activity_log.conftest import build_log
from tests.app.conftest import sign_in_with_keyboard
from tests.faults.local_env import (
    REPOSITORY,
    can_mount,
    fill_disk,
    remount_read_only,
    run_cli,
    tmpfs,
)
from tests.server.conftest import ALICE

# The app's fixtures and the live identity server, not copies (tests/faults/conftest.py is
# the network cells' and does not offer them).
make_app = app_fixtures.make_app
server = server_fixtures.server
start_server = server_fixtures.start_server

ISSUER = "http://127.0.0.1:8765"


def entries(path: Path) -> list[tuple[int, str, str | None]]:
    """(seq, event, username) of every entry, oldest first."""
    with ActivityLog.open_existing(path) as log:
        return [(e.seq, e.event, e.username) for e in reversed(log.query(limit=100_000))]


def exported_seqs(data_dir: Path) -> list[int]:
    result = run_cli("log", "export", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["seq"] for line in result.stdout.splitlines()]


def verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("log", "verify", "--data-dir", str(data_dir))


def write_some(path: Path, count: int = 3) -> None:
    with ActivityLog(path) as log:
        for n in range(count):
            log.append("login_succeeded", "alice", ISSUER, {"n": n})


def wait_for_workers() -> None:
    assert QThreadPool.globalInstance().waitForDone(15_000)


# --- data dir read-only ---------------------------------------------------------------------------


@pytest.fixture
def read_only_data_dir(tmp_path: Path):
    """A data dir holding a log of three entries, on a file system mounted read-only (as
    root), else a folder without write permission (as anyone else)."""
    data_dir = tmp_path / "data"
    if can_mount():
        with tmpfs(data_dir, "1m"):
            write_some(data_dir / LOG_FILENAME)
            remount_read_only(data_dir)
            yield data_dir
        return
    if os.geteuid() == 0:
        pytest.skip("as root without mount rights no folder is read-only")
    data_dir.mkdir(mode=0o700)
    write_some(data_dir / LOG_FILENAME)
    data_dir.chmod(0o500)
    yield data_dir
    data_dir.chmod(0o700)


@pytest.mark.slow
def test_read_only_data_dir_the_app_exits_1_naming_the_folder_and_how_to_choose_another(
    read_only_data_dir,
):
    result = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(read_only_data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPOSITORY,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )

    assert result.returncode == 1
    assert (
        f"desktop-auth: the data directory {read_only_data_dir} is not writable; "
        "choose another with --data-dir or $DESKTOP_AUTH_DATA_DIR"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert [seq for seq, _, _ in entries(read_only_data_dir / LOG_FILENAME)] == [1, 2, 3]


@pytest.mark.slow
def test_read_only_data_dir_cli_login_exits_2_before_asking_any_server(read_only_data_dir):
    result = run_cli(
        "login",
        "--issuer",
        "http://127.0.0.1:9",
        "--username",
        "alice",
        "--password-stdin",
        "--data-dir",
        str(read_only_data_dir),
        stdin="a password\n",
    )

    assert result.returncode == 2
    assert f"the data directory {read_only_data_dir} is not writable" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_read_only_data_dir_the_log_still_verifies_and_exports(read_only_data_dir):
    result = verify(read_only_data_dir)

    assert result.returncode == 0, result.stderr
    assert "is intact: 3 entries" in result.stdout
    assert exported_seqs(read_only_data_dir) == [1, 2, 3]
    assert sorted(p.name for p in read_only_data_dir.iterdir()) == [LOG_FILENAME]


def test_a_log_opened_read_only_refuses_to_append_and_says_why(read_only_data_dir):
    with ActivityLog.open_existing(read_only_data_dir / LOG_FILENAME) as log:
        assert log.read_only
        with pytest.raises(ActivityLogWriteError, match="opened read-only"):
            log.append("app_started")
        assert log.count() == 3
        assert log.verify().ok


# --- disk full while writing the log --------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """The data dir on its own 1 MB tmpfs: a disk that really fills up."""
    with tmpfs(tmp_path / "data", "1m") as data_dir:
        yield data_dir


def test_disk_full_an_append_fails_cleanly_and_every_earlier_entry_is_kept(small_disk):
    path = small_disk / LOG_FILENAME
    committed: list[int] = []
    with ActivityLog(path) as log:
        for n in range(3):
            committed.append(log.append("login_succeeded", "alice", ISSUER, {"n": n}).seq)
        filler = fill_disk(small_disk)
        detail = {"note": "x" * 8000}
        with pytest.raises(ActivityLogWriteError, match="database or disk is full"):  # noqa: PT012
            for _ in range(200):  # the WAL may have room for a few before the disk says no
                committed.append(log.append("session_refreshed", "alice", ISSUER, detail).seq)
        assert [seq for seq, _, _ in entries(path)] == committed

        filler.unlink()  # space again: the log goes on where it stopped
        committed.append(log.append("logged_out", "alice", ISSUER).seq)
        assert log.verify().ok

    assert committed == list(range(1, len(committed) + 1))
    assert verify(small_disk).returncode == 0


FSIZE_APPENDER = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from desktop_auth.activity_log import ActivityLog, ActivityLogWriteError

    log = ActivityLog(Path(sys.argv[1]))
    for n in range(3):
        print(log.append("login_succeeded", "alice", "http://127.0.0.1", {"n": n}).seq, flush=True)
    # No file may grow past 64 KiB from here: a write beyond fails with EFBIG, the way a
    # full disk fails with ENOSPC (SIGXFSZ ignored, else it would kill the process).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
    try:
        for n in range(200):
            detail = {"pad": "x" * 8000}
            entry = log.append("session_refreshed", "alice", "http://127.0.0.1", detail)
            print(entry.seq, flush=True)
    except ActivityLogWriteError as exc:
        print("refused:", exc, file=sys.stderr, flush=True)
    log.close()
    """
)


@pytest.mark.slow
def test_disk_full_by_a_file_size_limit_the_writer_is_refused_and_the_log_verifies(tmp_path):
    """The same cell for any user: RLIMIT_FSIZE in a child process instead of a tmpfs."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)

    child = subprocess.run(
        [sys.executable, "-c", FSIZE_APPENDER, str(data_dir / LOG_FILENAME)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPOSITORY,
    )

    assert child.returncode == 0, child.stderr
    assert "refused: cannot write to the activity log" in child.stderr
    printed = [int(line) for line in child.stdout.split()]
    assert printed[:3] == [1, 2, 3]
    assert len(printed) < 203
    assert verify(data_dir).returncode == 0
    assert exported_seqs(data_dir) == printed


def test_disk_full_the_app_keeps_working_says_so_and_keeps_the_log(
    small_disk, qtbot, server, make_app
):
    write_some(small_disk / LOG_FILENAME)
    earlier = Settings().remember_login("https://idp.example.org", "bob")
    save_settings(small_disk, earlier)
    app = make_app("--issuer", server.url, start=False)
    app.recorder  # noqa: B018 -- opened, as just after the window shows; then the disk fills
    filler = fill_disk(small_disk)

    app.start()
    message = app.login_window.message_label
    qtbot.waitUntil(lambda: "cannot record events right now" in message.text(), timeout=10_000)
    assert "database or disk is full" in message.text()
    assert str(small_disk / LOG_FILENAME) in message.text()
    assert "The app keeps working and every entry recorded before is kept." in message.text()
    assert "Free some disk space and the next events are recorded again." in message.text()

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    wait_for_workers()  # remembering alice could not be saved: the settings before are whole
    assert load_settings(small_disk).settings == earlier
    assert sorted(p.name for p in small_disk.iterdir() if "settings" in p.name) == [
        SETTINGS_FILENAME
    ]

    filler.unlink()
    with qtbot.waitSignal(app.log_appended, timeout=10_000):
        app.controller.lock()  # with room again, the next event is recorded
    wait_for_workers()
    recorded = entries(small_disk / LOG_FILENAME)
    assert recorded[:3] == [(n, "login_succeeded", "alice") for n in (1, 2, 3)]
    assert recorded[-1][1:] == ("locked", "alice")
    assert verify(small_disk).returncode == 0


def test_disk_full_while_signed_in_the_workspace_says_so_and_the_session_goes_on(
    small_disk, qtbot, server, make_app
):
    app = make_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    wait_for_workers()
    before = entries(small_disk / LOG_FILENAME)
    fill_disk(small_disk)

    with qtbot.waitSignal(app.events.session_refreshed, timeout=20_000):
        app.controller.refresh()  # what the renewal timer does; its entry cannot be written

    bar = app.workspace.statusBar()
    qtbot.waitUntil(lambda: "cannot record events right now" in bar.currentMessage())
    assert "database or disk is full" in bar.toolTip()
    assert app.workspace.isVisible()
    assert app.controller.session is not None
    assert entries(small_disk / LOG_FILENAME) == before
    assert [event for _, event, _ in before] == ["app_started", "login_succeeded"]


# --- a damaged activity log or settings file ------------------------------------------------------


def not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is not an activity log, whatever its name says\n" * 40)


def truncated(path: Path) -> None:
    build_log(path, 2_000)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [(not_sqlite, "it is not an SQLite database"), (truncated, "it is cut off")],
    ids=["not-sqlite", "truncated"],
)
def test_a_damaged_log_is_kept_aside_and_a_new_one_started(tmp_path, damage, reason):
    path = tmp_path / LOG_FILENAME
    damage(path)
    original = path.read_bytes()
    with pytest.raises(CorruptActivityLogError, match=reason):
        ActivityLog(path)

    opened = ActivityLog.open_or_start_fresh(path)
    with opened.log as log:
        kept = sorted(p.name for p in tmp_path.glob(f"{LOG_FILENAME}.corrupt-*"))
        aside = tmp_path / kept[0]  # with its -shm and -wal, if SQLite had made them
        assert set(kept) <= {aside.name, f"{aside.name}-shm", f"{aside.name}-wal"}
        assert aside.read_bytes() == original
        assert opened.warning is not None
        assert opened.warning.startswith(f"The activity log {path} could not be read ({reason}")
        assert opened.warning.endswith(
            f"It was kept as {aside.name} and a new activity log was started."
        )
        assert log.count() == 0
        log.append("app_started")
        assert log.verify().ok


def test_a_damaged_log_the_app_starts_a_new_one_and_says_where_the_old_one_is(
    tmp_path, qtbot, make_app
):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    not_sqlite(data_dir / LOG_FILENAME)
    original = (data_dir / LOG_FILENAME).read_bytes()

    app = make_app("--issuer", "http://127.0.0.1:9")

    # The log is opened once the window shows, and the message comes with it.
    message = app.login_window.message_label
    qtbot.waitUntil(lambda: "kept aside" in message.text())
    (aside,) = data_dir.glob(f"{LOG_FILENAME}.corrupt-*")
    assert aside.read_bytes() == original
    text = message.text()
    assert "The activity log could not be read and was kept aside" in text
    assert f"It was kept as {aside.name}" in text
    qtbot.waitUntil(lambda: app.recorder.activity_log.count() == 1, timeout=10_000)
    assert [e.event for e in app.recorder.activity_log.query()] == ["app_started"]


def test_a_broken_chain_is_kept_as_evidence_told_and_the_log_goes_on(tmp_path, qtbot, make_app):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    path = data_dir / LOG_FILENAME
    write_some(path, 4)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE entries SET username = 'mallory' WHERE seq = 2")
    connection.close()

    app = make_app("--issuer", "http://127.0.0.1:9")

    message = app.login_window.message_label
    qtbot.waitUntil(lambda: "fails its integrity check" in message.text(), timeout=10_000)
    assert "entry 2 was changed" in message.text()
    assert "kept unchanged as evidence" in message.text()
    assert "desktop-auth-cli log verify" in message.text()
    qtbot.waitUntil(lambda: app.recorder.activity_log.count() == 5, timeout=10_000)
    assert not list(data_dir.glob("*.corrupt-*"))
    assert [row[:2] for row in entries(path)] == [
        (1, "login_succeeded"),
        (2, "login_succeeded"),
        (3, "login_succeeded"),
        (4, "login_succeeded"),
        (5, "app_started"),
    ]
    result = verify(data_dir)
    assert result.returncode == 1
    assert "entry 2 was changed" in result.stderr
    assert "first bad entry: 2" in result.stderr


def test_a_corrupt_settings_file_is_kept_aside_and_the_app_says_so(tmp_path, make_app):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / SETTINGS_FILENAME).write_bytes(b'{"remembered_usernames": [oops')

    app = make_app("--issuer", "http://127.0.0.1:9")

    (aside,) = data_dir.glob(f"{SETTINGS_FILENAME}.corrupt-*")
    assert aside.read_bytes() == b'{"remembered_usernames": [oops'
    text = app.login_window.message_label.text()
    assert f"the settings file {data_dir / SETTINGS_FILENAME} could not be read" in text
    assert f"it was moved to {aside.name} and the default settings are used" in text
    assert app.login_window.isEnabled()


def test_a_settings_file_that_cannot_be_read_at_all_is_left_alone_and_the_app_says_so(
    tmp_path, make_app
):
    data_dir = tmp_path / "data"
    (data_dir / SETTINGS_FILENAME).mkdir(parents=True)  # a folder in the way of the file

    app = make_app("--issuer", "http://127.0.0.1:9")

    text = app.login_window.message_label.text()
    assert f"the settings file {data_dir / SETTINGS_FILENAME} cannot be read" in text
    assert "the default settings are used for this run and it is left as it is" in text
    assert (data_dir / SETTINGS_FILENAME).is_dir()
    assert not list(data_dir.glob("*.corrupt-*"))
    assert app.login_window.isEnabled()


# --- keyring locked -------------------------------------------------------------------------------


class LockedKeyring:
    """A keyring that stays locked (the user dismissed the unlock prompt): what keyring's
    Secret Service backend raises then. A fake: locking the shared test keyring would need
    a prompt to unlock it again."""

    name = "locked"
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    set_password = delete_password = get_password


def test_a_locked_keyring_says_to_unlock_it_and_signing_in_still_works(qtbot, server, make_app):
    app = make_app("--issuer", server.url, keyring_backend=LockedKeyring())
    box = app.login_window.stay_signed_in

    qtbot.waitUntil(lambda: "locked" in box.toolTip(), timeout=10_000)
    assert box.toolTip() == "The system keyring is locked. Unlock it to stay signed in."
    assert not box.isEnabled()
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)


# --- two writers on one log -----------------------------------------------------------------------

APP_LIKE_APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from desktop_auth.activity_log import ActivityLog

    # What the app's recorder does, as fast as it can: one append per event.
    with ActivityLog(Path(sys.argv[1])) as log:
        for n in range(int(sys.argv[2])):
            log.append("session_refreshed", "bob", "http://127.0.0.1", {"n": n})
    """
)


@pytest.mark.slow
def test_the_app_and_cli_logins_appending_at_once_keep_one_valid_chain(tmp_path, server):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    ActivityLog(data_dir / LOG_FILENAME).close()
    appender = subprocess.Popen(
        [sys.executable, "-c", APP_LIKE_APPENDER, str(data_dir / LOG_FILENAME), "60"],
        cwd=REPOSITORY,
        stderr=subprocess.PIPE,
        text=True,
    )
    command = [sys.executable, "-m", "desktop_auth.cli", "login", "--issuer", server.url]
    logins = [
        subprocess.Popen(
            [*command, "--username", ALICE[0], "--password-stdin", "--data-dir", str(data_dir)],
            cwd=REPOSITORY,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for login in logins:
        out, err = login.communicate(ALICE[1] + "\n", timeout=120)
        assert login.returncode == 0, err
        assert json.loads(out)["username"] == "alice"
    _, err = appender.communicate(timeout=120)
    assert appender.returncode == 0, err

    recorded = entries(data_dir / LOG_FILENAME)
    assert [seq for seq, _, _ in recorded] == list(range(1, 64))
    assert sum(event == "session_refreshed" for _, event, _ in recorded) == 60
    assert sum(event == "login_succeeded" for _, event, _ in recorded) == 3
    assert verify(data_dir).returncode == 0


# --- killed (SIGKILL) mid-write -------------------------------------------------------------------

BURST_APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from desktop_auth.activity_log import ActivityLog

    log = ActivityLog(Path(sys.argv[1]))
    n = 0
    while True:  # until killed
        entry = log.append("session_refreshed", "alice", "http://127.0.0.1", {"n": n})
        print(entry.seq, flush=True)  # printed only once the entry is committed
        n += 1
    """
)


@pytest.mark.slow
def test_killed_mid_burst_the_log_verifies_and_holds_every_committed_entry(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    printed: list[int] = []

    for _ in range(3):  # each run starts from what the killed one left
        child = subprocess.Popen(
            [sys.executable, "-c", BURST_APPENDER, str(data_dir / LOG_FILENAME)],
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for _ in range(rng.randint(3, 40)):
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else ""
            printed.append(int(line))
        time.sleep(rng.uniform(0, 0.02))  # somewhere inside a later append
        child.send_signal(signal.SIGKILL)
        # Through the same reader: readline may already hold lines read ahead from the pipe.
        rest = child.stdout.read()
        assert child.wait(timeout=30) == -signal.SIGKILL
        printed.extend(int(line) for line in rest.split())
        child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()

    result = verify(data_dir)
    assert result.returncode == 0, f"seed {seed}: {result.stderr}"
    seqs = exported_seqs(data_dir)
    assert set(printed) <= set(seqs), f"seed {seed}"
    assert seqs == list(range(1, len(seqs) + 1))
    # At most the one entry in flight at each kill is committed without having been printed.
    assert len(seqs) - len(printed) <= 3


def test_disk_full_cli_login_still_signs_in_and_says_it_was_not_recorded(small_disk, server):
    write_some(small_disk / LOG_FILENAME)
    filler = fill_disk(small_disk)

    result = run_cli(
        "login",
        "--issuer",
        server.url,
        "--username",
        ALICE[0],
        "--password-stdin",
        "--data-dir",
        str(small_disk),
        stdin=ALICE[1],
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["username"] == "alice"
    # Opening the log needs room for its journal: the sign-in is not recorded, and says so.
    assert "not recording this sign-in" in result.stderr
    assert "Traceback" not in result.stderr
    assert ALICE[1] not in result.stderr
    filler.unlink()
    assert [seq for seq, _, _ in entries(small_disk / LOG_FILENAME)] == [1, 2, 3]  # kept
