"""Private files and folders: 0700 directories, 0600 files, written atomically."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def _write_temp(path: Path, data: bytes) -> str:
    """Write ``data`` durably to a new 0600 temporary file beside ``path``; return its name."""
    ensure_private_dir(path.parent)
    import tempfile  # off start-up: only writes need it

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; the file is 0600 from its first byte."""
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_private_file_once(path: Path, data: bytes) -> bool:
    """Write ``path`` only if it does not exist yet; return whether this call wrote it.

    The content is first written to a temporary file and then linked into place, so a
    crash never leaves a half-written file under the final name.
    """
    tmp = _write_temp(path, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def move_aside(path: Path, companions: tuple[str, ...] = ()) -> Path:
    """Rename a damaged ``path`` to ``<name>.corrupt-<UTC timestamp>`` beside it (never over
    an earlier one) and return the new path; it is kept for the user to inspect.

    ``companions`` are suffixes of files that belong with it (SQLite's ``-wal``, ``-shm``):
    each one present moves to the new name plus that suffix, so the copy kept is complete and
    nothing stale is left beside a fresh file.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    os.replace(path, aside)
    for suffix in companions:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    return aside
