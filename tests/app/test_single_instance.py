"""One app per data dir: a second start raises the running window and exits 0."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from PyQt5.QtCore import Qt
from PyQt5.QtNetwork import QLocalSocket
from PyQt5.QtWidgets import QApplication

from desktop_auth.app.application import DesktopApp
from desktop_auth.app.main import build_parser
from desktop_auth.app.single_instance import (
    ACTIVATE,
    ACTIVATED,
    MAX_SOCKET_PATH,
    ClaimResult,
    DataDirLock,
    SingleInstance,
    server_name,
)
from desktop_auth.diagnostics import LOG_FILENAME
from desktop_auth.secrets import TokenStore
from desktop_auth.settings import resolve_data_dir
from tests.app.conftest import sign_in_with_keyboard
from tests.server.conftest import ALICE

REPO_ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 9 (discard), and an --issuer keeps the embedded server out.
UNREACHABLE_ISSUER = "http://127.0.0.1:9"
START_TIMEOUT = 60.0
LISTENING = "INFO desktop_auth.app.single_instance: listening for other starts at "
RAISED = "INFO desktop_auth.app.application: another start for this data dir: raised loginWindow"


def app_command(data_dir: Path) -> list[str]:
    return [sys.executable, "main.py", "--data-dir", str(data_dir), "--issuer", UNREACHABLE_ISSUER]


def app_env() -> dict[str, str]:
    # keyring's fail backend: the default one could D-Bus-activate a keyring daemon in the real
    # home directory (see make_app in conftest.py).
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def log_lines(data_dir: Path) -> list[str]:
    try:
        return (data_dir / LOG_FILENAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def wait_for_line(data_dir: Path, pid: int, text: str, timeout: float = START_TIMEOUT) -> str:
    """The diagnostic log's line of process ``pid`` containing ``text``, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_lines(data_dir):
            if f" {pid} {text}" in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} from process {pid} in the log: {log_lines(data_dir)}")


def socket_path(data_dir: Path) -> Path:
    name = server_name(data_dir)
    return Path(name) if os.path.isabs(name) else Path(tempfile.gettempdir()) / name


class Apps:
    """`python main.py` processes, each with its output in a file; all ended afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, data_dir: Path) -> subprocess.Popen[bytes]:
        output = self.tmp_path / f"app-{len(self.processes)}.txt"
        with output.open("wb") as handle:
            process = subprocess.Popen(
                app_command(data_dir), cwd=REPO_ROOT, env=app_env(), stdout=handle, stderr=handle
            )
        self.processes.append(process)
        return process

    def start_listening(self, data_dir: Path) -> subprocess.Popen[bytes]:
        process = self.start(data_dir)
        wait_for_line(data_dir, process.pid, LISTENING)
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        index = self.processes.index(process)
        return (self.tmp_path / f"app-{index}.txt").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(15)


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[Apps]:
    running = Apps(tmp_path)
    yield running
    running.stop_all()


def second_start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        app_command(data_dir),
        cwd=REPO_ROOT,
        env=app_env(),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )


@pytest.mark.slow
def test_a_second_start_raises_the_running_window_and_exits_0(apps, tmp_path):
    data_dir = tmp_path / "data"
    first = apps.start_listening(data_dir)

    started = time.monotonic()
    second = second_start(data_dir)
    took = time.monotonic() - started

    assert second.returncode == 0, second.stderr
    assert f"desktop-auth is already running for {data_dir}; raised its window." in second.stderr
    wait_for_line(data_dir, first.pid, RAISED)
    assert first.poll() is None, apps.output(first)
    print(f"second start exited after {took:.2f} s")
    # The socket is the user's alone (UserAccessOption), and its name is short.
    mode = socket_path(data_dir).stat().st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) & 0o077 == 0
    assert len(server_name(data_dir)) <= MAX_SOCKET_PATH


@pytest.mark.slow
def test_another_data_dir_runs_side_by_side(apps, tmp_path):
    first = apps.start_listening(tmp_path / "one")

    other = apps.start_listening(tmp_path / "two")

    time.sleep(0.5)
    assert other.poll() is None, apps.output(other)
    assert first.poll() is None, apps.output(first)
    assert not any(RAISED in line for line in log_lines(tmp_path / "one"))


@pytest.mark.slow
def test_after_a_crash_the_stale_socket_does_not_stop_the_next_start(apps, tmp_path):
    data_dir = tmp_path / "data"
    crashed = apps.start_listening(data_dir)
    crashed.kill()  # SIGKILL: no clean-up at all
    crashed.wait(15)
    assert socket_path(data_dir).exists()  # left behind

    restarted = apps.start_listening(data_dir)

    assert restarted.poll() is None, apps.output(restarted)
    # And it is the one a further start finds.
    third = second_start(data_dir)
    assert third.returncode == 0, third.stderr
    wait_for_line(data_dir, restarted.pid, RAISED)


@pytest.mark.slow
def test_two_starts_at_once_leave_exactly_one_running(apps, tmp_path):
    data_dir = tmp_path / "data"
    resolve_data_dir(data_dir)  # as it would be after a first run: both race for the lock only
    one, two = apps.start(data_dir), apps.start(data_dir)

    deadline = time.monotonic() + START_TIMEOUT
    while one.poll() is None and two.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)

    exited, running = (one, two) if one.poll() is not None else (two, one)
    assert exited.wait(5) == 0, apps.output(exited)
    assert "raised its window." in apps.output(exited)
    wait_for_line(data_dir, running.pid, RAISED)
    assert running.poll() is None, apps.output(running)


def test_the_server_name_is_per_resolved_data_dir_and_user(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (tmp_path / "link").symlink_to(data_dir)

    name = server_name(data_dir)

    assert name == server_name(tmp_path / "link") == server_name(tmp_path / "x" / ".." / "data")
    assert name != server_name(tmp_path / "other")
    assert f"desktop-auth-{os.getuid()}-" in name
    assert len(name) <= MAX_SOCKET_PATH


def test_a_private_runtime_dir_holds_the_socket_else_qt_places_it(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    too_deep = tmp_path / ("d" * MAX_SOCKET_PATH)
    too_deep.mkdir(mode=0o700)

    with tempfile.TemporaryDirectory() as runtime:  # 0700, and a short path
        assert server_name(tmp_path, {"XDG_RUNTIME_DIR": runtime}).startswith(f"{runtime}/")
    assert "/" not in server_name(tmp_path, {"XDG_RUNTIME_DIR": str(shared)})
    assert "/" not in server_name(tmp_path, {"XDG_RUNTIME_DIR": str(too_deep)})
    assert "/" not in server_name(tmp_path, {})


def test_the_data_dir_lock_is_held_until_released(tmp_path):
    first, second = DataDirLock(tmp_path / "x.lock"), DataDirLock(tmp_path / "x.lock")

    assert first.acquire()
    assert not second.acquire()
    assert stat.S_IMODE((tmp_path / "x.lock").stat().st_mode) == 0o600
    first.release()
    assert second.acquire()
    second.release()


@pytest.fixture
def make_claimed_app(qtbot, tmp_path) -> Iterator[Callable[..., DesktopApp]]:
    """``make(*options)``: the app on ``tmp_path/data`` wired to its claim on the data dir, as
    main() builds it; quit, shut down and released afterwards."""
    made: list[tuple[DesktopApp, SingleInstance]] = []

    def make(*args: str) -> DesktopApp:
        data_dir = resolve_data_dir(tmp_path / "data")
        instance = SingleInstance(data_dir)
        assert instance.claim() is ClaimResult.LISTENING
        options = build_parser().parse_args(["--data-dir", str(data_dir), *args])
        app = DesktopApp(options, token_store=TokenStore(fail.Keyring()), single_instance=instance)
        made.append((app, instance))
        app.start()
        qtbot.waitUntil(app.login_window.isActiveWindow)
        return app

    yield make
    for app, instance in made:
        app.quit()
        app.shutdown()
        instance.close()
        app.login_window.deleteLater()
        if app.has_workspace:
            app.workspace.deleteLater()
    QApplication.processEvents()


def send_activate(qtbot, instance: SingleInstance) -> bytes:
    """What a second start sends, from a socket that waits in the event loop (the running app
    answers from this same loop)."""
    client = QLocalSocket()
    client.connectToServer(instance.name)
    qtbot.waitUntil(lambda: client.state() == QLocalSocket.ConnectedState)
    with qtbot.waitSignal(instance.activation_requested):
        client.write(ACTIVATE)
    answer = b""

    def answered() -> bool:
        nonlocal answer
        answer += bytes(client.readAll())
        return answer.endswith(b"\n")

    qtbot.waitUntil(answered)
    client.abort()
    return answer


def test_activation_unminimizes_and_activates_the_login_window(qtbot, make_claimed_app):
    app = make_claimed_app("--issuer", UNREACHABLE_ISSUER)
    window = app.login_window
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)

    assert send_activate(qtbot, app.single_instance) == ACTIVATED

    assert not window.isMinimized()
    qtbot.waitUntil(window.isActiveWindow)
    assert not app.workspace.isVisible()


def test_activation_brings_back_the_workspace_when_signed_in(qtbot, server, make_claimed_app):
    app = make_claimed_app("--issuer", server.url)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    app.workspace.setWindowState(app.workspace.windowState() | Qt.WindowMinimized)
    qtbot.waitUntil(app.workspace.isMinimized)

    assert send_activate(qtbot, app.single_instance) == ACTIVATED

    assert not app.workspace.isMinimized()
    qtbot.waitUntil(app.workspace.isActiveWindow)
    assert not app.login_window.isVisible()


def test_an_unknown_message_is_ignored(qtbot, make_claimed_app):
    app = make_claimed_app("--issuer", UNREACHABLE_ISSUER)
    requested = []
    app.single_instance.activation_requested.connect(lambda: requested.append(True))
    client = QLocalSocket()
    client.connectToServer(app.single_instance.name)
    qtbot.waitUntil(lambda: client.state() == QLocalSocket.ConnectedState)

    client.write(b"x" * 100)

    qtbot.waitUntil(lambda: client.state() == QLocalSocket.UnconnectedState)
    assert requested == []
