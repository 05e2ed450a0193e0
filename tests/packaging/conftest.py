"""What the packaging tests share: a desktop session's environment, and the bundled server."""

from __future__ import annotations

import os
from pathlib import Path

# Live servers come from the server tests' fixtures (tests/server/conftest.py), not copies.
from tests.server.conftest import server, start_server  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".venv"


def without_the_venv(path: str) -> str:
    """``path`` (a PATH value) less the checkout's .venv."""
    return os.pathsep.join(
        entry
        for entry in path.split(os.pathsep)
        if entry and not Path(entry).resolve().is_relative_to(VENV.resolve())
    )


def desktop_environment(tmp_path: Path, display: str) -> dict[str, str]:
    """What a desktop session gives a program: no PYTHONPATH, no venv, a home of its own; the
    test session's D-Bus (where the `secret_service` fixture's keyring runs), if any."""
    home = tmp_path / "home"
    runtime_dir = tmp_path / "xdg-runtime"
    home.mkdir()
    runtime_dir.mkdir(mode=0o700)
    env = {
        "PATH": without_the_venv(os.environ.get("PATH", "/usr/bin:/bin")),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime_dir),
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "LANG": "C.UTF-8",
    }
    if "DBUS_SESSION_BUS_ADDRESS" in os.environ:
        env["DBUS_SESSION_BUS_ADDRESS"] = os.environ["DBUS_SESSION_BUS_ADDRESS"]
    return env
