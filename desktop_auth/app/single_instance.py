"""One running app per data dir: a second start raises the first's window and exits."""

from __future__ import annotations

import enum
import functools
import logging
import os
import stat
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, pyqtSignal, pyqtSlot

from desktop_auth.securefiles import FILE_MODE

if TYPE_CHECKING:
    from PyQt5.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

LOCK_FILENAME = "desktop-auth.lock"
ACTIVATE = b"activate\n"
ACTIVATED = b"activated\n"
MAX_MESSAGE_BYTES = 64
# The running app may be between taking the lock and listening, or still building its windows
# (a connection waits in the backlog until its event loop runs): give it time to answer.
CONNECT_RETRY_MS = 100
ANSWER_TIMEOUT_MS = 15_000
# sockaddr_un.sun_path holds 108 bytes on Linux, 104 on macOS.
MAX_SOCKET_PATH = 100


class ClaimResult(enum.Enum):
    """What ``SingleInstance.claim`` found."""

    LISTENING = "listening"  # this is the app for the data dir
    RAISED_RUNNING = "raised"  # another one runs and raised its window: exit
    RUNNING_NOT_ANSWERING = "not answering"  # another one holds the data dir but did not answer


def _user_id() -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    import getpass

    return getpass.getuser()


def _private_runtime_dir(environ: Mapping[str, str]) -> Path | None:
    """$XDG_RUNTIME_DIR when it is ours and closed to others: no one else can put a socket
    there under our name (in the shared temp dir anyone could)."""
    value = environ.get("XDG_RUNTIME_DIR")
    if not value or not hasattr(os, "getuid"):
        return None
    path = Path(value)
    try:
        info = path.stat()
    except OSError:
        return None
    if (
        not path.is_absolute()
        or not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or info.st_mode & 0o077
    ):
        return None
    return path


def server_name(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The local socket name of the app for ``data_dir``: ``desktop-auth-<uid>-<hash of the
    resolved dir>``, short enough for socket path limits; a full path in $XDG_RUNTIME_DIR
    when that is private, else a name Qt places in the temp dir (a pipe name on Windows)."""
    import hashlib  # with it OpenSSL, some 3 MiB: only once the login window shows

    env = os.environ if environ is None else environ
    digest = hashlib.sha256(os.fsencode(data_dir.resolve())).hexdigest()[:16]
    name = f"desktop-auth-{_user_id()}-{digest}"
    runtime = _private_runtime_dir(env)
    if runtime is not None and len(str(runtime / name)) <= MAX_SOCKET_PATH:
        return str(runtime / name)
    return name


class DataDirLock:
    """An exclusive lock on ``DATA_DIR/desktop-auth.lock`` held while the app runs. The OS
    drops it when the process ends however it ends, so a crash leaves no stale lock; whoever
    holds it owns the socket name, so a socket file still there is stale."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.path, flags, FILE_MODE)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


class SingleInstance(QObject):
    """The app's claim on its data dir.

    ``claim()`` either takes the data dir and listens on ``server_name(data_dir)`` (then
    ``activation_requested`` is emitted each time another start asks for the window) or asks
    the running app to raise its window. The socket is private to the user
    (``UserAccessOption``). The app claims with ``listen=False`` and calls ``listen()`` once
    its login window shows: QtNetwork and the name's hash (OpenSSL) cost start-up time and
    memory, and another start waits for the socket meanwhile (``ANSWER_TIMEOUT_MS``).
    """

    activation_requested = pyqtSignal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("singleInstance")
        self.data_dir = data_dir
        self._lock = DataDirLock(data_dir / LOCK_FILENAME)
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    @functools.cached_property
    def name(self) -> str:
        return server_name(self.data_dir)

    @property
    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    @property
    def full_server_name(self) -> str:
        """Where the socket is (a file path on Unix), once listening."""
        return self._server.fullServerName() if self._server is not None else ""

    def claim(
        self, answer_timeout_ms: int = ANSWER_TIMEOUT_MS, *, listen: bool = True
    ) -> ClaimResult:
        """Become the app for the data dir, or raise the one that already is. Blocks (no event
        loop needed) for up to ``answer_timeout_ms`` when another app holds the data dir.
        With ``listen=False`` the caller calls ``listen()`` when it is ready to."""
        if self._lock.acquire():
            if listen:
                self.listen()
            return ClaimResult.LISTENING
        if self._ask_to_activate(answer_timeout_ms):
            log.info(
                "desktop-auth already runs for %s; asked it to raise its window", self.data_dir
            )
            return ClaimResult.RAISED_RUNNING
        log.warning("desktop-auth runs for %s but did not answer", self.data_dir)
        return ClaimResult.RUNNING_NOT_ANSWERING

    def listen(self) -> None:
        """Answer other starts from now on (after a successful ``claim``). Idempotent."""
        if self._server is not None or not self._lock.held:
            return
        from PyQt5.QtNetwork import QLocalServer

        self._server = QLocalServer(self)
        self._server.setObjectName("singleInstanceServer")
        self._server.setSocketOptions(QLocalServer.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        # We hold the lock, so a socket left under our name is a crashed app's.
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            # The app works without it; only a second start would not find this one.
            log.warning(
                "cannot listen for other starts at %s: %s", self.name, self._server.errorString()
            )
            return
        log.info("listening for other starts at %s", self._server.fullServerName())

    def _ask_to_activate(self, timeout_ms: int) -> bool:
        from PyQt5.QtNetwork import QLocalSocket

        deadline = time.monotonic() + timeout_ms / 1000
        socket = QLocalSocket()
        try:
            while True:
                socket.connectToServer(self.name)
                if socket.waitForConnected(CONNECT_RETRY_MS):
                    break
                socket.abort()
                if time.monotonic() >= deadline:
                    return False
                # Not listening yet (it has just taken the lock): try again shortly.
                time.sleep(CONNECT_RETRY_MS / 1000)
            socket.write(ACTIVATE)
            if not socket.waitForBytesWritten(timeout_ms):
                return False
            answer = b""
            while not answer.endswith(b"\n") and len(answer) < MAX_MESSAGE_BYTES:
                remaining = int((deadline - time.monotonic()) * 1000)
                if remaining <= 0 or not socket.waitForReadyRead(remaining):
                    return False
                answer += bytes(socket.readAll())
            return answer == ACTIVATED
        finally:
            socket.abort()

    @pyqtSlot()
    def _on_new_connection(self) -> None:
        server = self._server
        assert server is not None
        while server.hasPendingConnections():
            socket = server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda socket=socket: self._on_ready_read(socket))
            socket.disconnected.connect(lambda socket=socket: self._forget(socket))

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll())
        if not data.endswith(b"\n") and len(data) < MAX_MESSAGE_BYTES:
            self._buffers[socket] = data
            return
        self._buffers[socket] = b""
        if data == ACTIVATE:
            self.activation_requested.emit()
            socket.write(ACTIVATED)
            socket.flush()
        else:
            log.warning("ignored an unknown message from another start (%d bytes)", len(data))
        socket.disconnectFromServer()

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def close(self) -> None:
        """Stop listening (the socket file goes) and give up the data dir. Idempotent."""
        if self._server is not None:
            self._server.close()
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        self._lock.release()
