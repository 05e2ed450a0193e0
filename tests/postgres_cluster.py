"""A throwaway PostgreSQL cluster (Debian's postgresql) for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresUnavailable(Exception):
    """No throwaway PostgreSQL cluster can be started here; the message says why."""


@dataclass(frozen=True)
class Cluster:
    url: str  # SQLAlchemy URL of the ``postgres`` database
    data: Path

    @property
    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[Cluster]:
    """A new PostgreSQL cluster on 127.0.0.1 and a random port, in a temporary directory, run
    as the ``postgres`` system user; stopped and removed on leaving, even after an error."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise PostgresUnavailable("PostgreSQL is not installed (`make deps` installs it)")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        raise PostgresUnavailable("starting a PostgreSQL cluster needs root and runuser")
    bindir = Path(found[-1]).parent
    base = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    try:
        shutil.chown(base, "postgres")
    except LookupError as exc:
        shutil.rmtree(base)
        raise PostgresUnavailable("there is no `postgres` system user") from exc
    data = base / "data"
    port = _free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            timeout=PG_TIMEOUT,
        )

    try:
        try:
            as_postgres(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
            as_postgres(
                *(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log")),
                *("-o", f"-h 127.0.0.1 -p {port} -k {base}", "start"),
            )
        except subprocess.CalledProcessError as exc:
            reason = exc.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise PostgresUnavailable(f"PostgreSQL did not start: {' '.join(reason)}") from exc
        yield Cluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data)
    finally:
        if (data / "postmaster.pid").exists():
            as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)
