"""A real full disk and a real read-only folder for the local-environment faults: a small
tmpfs mounted over a test's folder (needs root and mount rights), else what an ordinary
user can do (a file-size limit, a folder without write permission)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


@cache
def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in the CI box)."""
    if os.geteuid() != 0 or shutil.which("mount") is None or shutil.which("umount") is None:
        return False
    import tempfile

    with tempfile.TemporaryDirectory() as probe:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "desktop-auth-probe", probe],
            capture_output=True,
            check=False,
        )
        if mounted.returncode != 0:
            return False
        subprocess.run(["umount", probe], check=True)
    return True


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. "1m") mounted at ``path`` (0700), unmounted afterwards."""
    if not can_mount():
        pytest.skip("mounting a tmpfs needs root with mount rights")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "desktop-auth-test", str(path)],
        check=True,
    )
    try:
        yield path
    finally:
        # Lazy: a file a failed test left open must not keep the mount (and the next run) busy.
        subprocess.run(["umount", "--lazy", str(path)], check=False)


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def fill_disk(folder: Path) -> Path:
    """Write a filler file in ``folder`` until its file system has no byte left; return it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return filler


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`desktop-auth-cli` as a user runs it, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "desktop_auth.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPOSITORY,
    )
