"""The Flask session key, shared by every server process through a 0600 file."""

from __future__ import annotations

import secrets
from pathlib import Path

from desktop_auth.securefiles import create_private_file_once

SECRET_KEY_FILE = "session-secret"  # noqa: S105 - a file name


def load_or_create_secret_key(data_dir: Path) -> bytes:
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        create_private_file_once(path, secrets.token_bytes(32))
    return path.read_bytes()
