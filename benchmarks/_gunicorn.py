"""The bundled server under gunicorn for the server benchmarks: set-up, CPU time, clean stop."""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self
from unittest import mock

import requests

from desktop_auth.server.accounts import create_user
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.db import Database
from desktop_auth.server.passwords import PasswordHashing

PASSWORD = "correct horse battery staple"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
PR_SET_PDEATHSIG = 1
START_DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU time of all threads of ``pid``, from ``/proc/<pid>/stat``; with
    ``reaped_children``, also that of the children it has waited for."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICK


def child_pids(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _die_with_parent() -> None:
    """In the gunicorn master before exec: SIGTERM it when this process ends, even by SIGKILL
    (the benchmark runner's time limit), so no server outlives the benchmark. Its workers
    leave by themselves when the master is gone."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def initialise(
    data_dir: Path,
    issuer: str,
    usernames: list[str],
    *,
    webhook: str | None = None,
    database_url: str = "",
) -> None:
    """``init --issuer`` the server in ``data_dir`` (on ``database_url`` if given, as
    ``$DATABASE_URL`` would) and create the users with the server's real password hasher."""
    environment = {"DATABASE_URL": database_url} if database_url else {}
    quiet = io.StringIO()  # 'webhook add' prints the hook's secret: keep it out of the log
    with mock.patch.dict(os.environ, environment), contextlib.redirect_stdout(quiet):
        server_cli(["--data-dir", str(data_dir), "init", "--issuer", issuer])
        if webhook:
            server_cli(["--data-dir", str(data_dir), "webhook", "add", webhook])
    db = Database(load_config(data_dir, database_url=database_url or None).resolved_database_url)
    try:
        hashing = PasswordHashing()
        with db.session() as session:
            for name in usernames:
                create_user(session, hashing, name, PASSWORD, ["viewer"], email=f"{name}@x.org")
    finally:
        db.dispose()


class Gunicorn:
    """gunicorn serving the server initialised in ``data_dir`` on a free port of 127.0.0.1."""

    def __init__(self, data_dir: Path, workers: int, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Several instances may share a data dir: one log each.
        self.log = data_dir / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    str(gunicorn),
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "desktop_auth.server.wsgi:create_app_from_env()",
                ],
                env={**os.environ, "DESKTOP_AUTH_SERVER_DATA_DIR": str(self.data_dir), **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/jwks.json", timeout=2).ok and (
                    len(self.pids()) == self.workers + 1
                ):
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not serve within {START_DEADLINE:.0f} s; see {self.log}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        assert self.proc is not None
        return [self.proc.pid, *child_pids(self.proc.pid)]

    def cpu_seconds(self) -> tuple[tuple[int, ...], float]:
        pids = tuple(self.pids())
        return pids, sum(process_cpu_seconds(pid) for pid in pids)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
