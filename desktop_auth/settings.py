"""Where the client keeps its data, and the small settings file it keeps there."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import DesktopAuthError
from .securefiles import ensure_private_dir, write_private_file

log = logging.getLogger(__name__)

APP_NAME = "desktop-auth"
DATA_DIR_ENV = "DESKTOP_AUTH_DATA_DIR"
SETTINGS_FILENAME = "settings.json"
# How many usernames the login window offers per issuer, most recent first.
MAX_REMEMBERED_USERNAMES = 10
# Lock the app after this many minutes without keyboard or mouse input; 0 turns it off.
DEFAULT_IDLE_LOCK_MINUTES = 15
# A day: longer is almost certainly a typo (seconds for minutes), and 0 already means never.
MAX_IDLE_LOCK_MINUTES = 24 * 60


class DataDirError(DesktopAuthError):
    """The data directory cannot be created or written; the message says which and why."""


def locate_data_dir(cli_value: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """Where the data dir is, without creating it: ``--data-dir`` > ``$DESKTOP_AUTH_DATA_DIR``
    > the platform's user data dir (platformdirs, app name ``desktop-auth``)."""
    env = os.environ if environ is None else environ
    if cli_value is not None:
        return cli_value.expanduser()
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV]).expanduser()
    # Imported here: only this fallback needs it, and start-up time matters.
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(cli_value: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """The data dir chosen as ``locate_data_dir`` says, created if needed and made 0700.

    Raises ``DataDirError`` when it cannot be created or is not writable.
    """
    path = locate_data_dir(cli_value, environ)
    _refuse_shared_dir(path)
    try:
        ensure_private_dir(path)
    except OSError as exc:
        raise DataDirError(
            f"cannot use {path} as the data directory: {exc.strerror or exc}; "
            f"choose another with --data-dir or ${DATA_DIR_ENV}"
        ) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(
            f"the data directory {path} is not writable; "
            f"choose another with --data-dir or ${DATA_DIR_ENV}"
        )
    return path


def _refuse_shared_dir(path: Path) -> None:
    """Making a directory 0700 is right for ours and harmful for anyone else's (``--data-dir
    /tmp`` must not lock everybody out of /tmp), so an existing one must be the user's own."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DataDirError(f"cannot use {path} as the data directory: {exc.strerror}") from exc
    if not stat.S_ISDIR(info.st_mode):
        raise DataDirError(f"cannot use {path} as the data directory: it is not a directory")
    if info.st_mode & stat.S_ISVTX or info.st_uid != os.getuid():
        raise DataDirError(
            f"cannot use {path} as the data directory: it is a shared directory or belongs "
            f"to another user; choose a folder of your own (for example {path / APP_NAME})"
        )


@dataclass(frozen=True)
class Settings:
    """What the client remembers between runs. Change it with ``replace`` or ``remember_login``.

    ``remembered_usernames`` maps an issuer to its usernames, most recent first;
    ``last_username`` maps an issuer to the one to preselect. ``allow_password_grant`` is the
    persistent form of ``--allow-password-grant`` (DESIGN.md, "Sign-in protocols").
    ``idle_lock_minutes`` locks the app after that long without input (0: never; fractions
    allowed).
    """

    remembered_usernames: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    last_username: Mapping[str, str] = field(default_factory=dict)
    notifications: bool = True
    allow_password_grant: bool = False
    idle_lock_minutes: float = DEFAULT_IDLE_LOCK_MINUTES

    def remember_login(self, issuer: str, username: str) -> Settings:
        """A copy that offers ``username`` first for ``issuer`` next time."""
        earlier = [name for name in self.remembered_usernames.get(issuer, ()) if name != username]
        names = (username, *earlier)[:MAX_REMEMBERED_USERNAMES]
        return replace(
            self,
            remembered_usernames={**self.remembered_usernames, issuer: names},
            last_username={**self.last_username, issuer: username},
        )

    def forget_username(self, issuer: str, username: str) -> Settings:
        """A copy that no longer offers ``username`` for ``issuer``."""
        names = tuple(n for n in self.remembered_usernames.get(issuer, ()) if n != username)
        remembered = {k: v for k, v in self.remembered_usernames.items() if k != issuer}
        if names:
            remembered[issuer] = names
        last = {k: v for k, v in self.last_username.items() if (k, v) != (issuer, username)}
        return replace(self, remembered_usernames=remembered, last_username=last)

    def to_json(self) -> dict[str, Any]:
        return {
            "remembered_usernames": {k: list(v) for k, v in self.remembered_usernames.items()},
            "last_username": dict(self.last_username),
            "notifications": self.notifications,
            "allow_password_grant": self.allow_password_grant,
            "idle_lock_minutes": self.idle_lock_minutes,
        }

    @classmethod
    def from_json(cls, document: object) -> Settings:
        """Settings from a parsed settings file; ``ValueError`` if it has the wrong shape.

        Keys this version does not know are ignored, so a newer file still loads.
        """
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        defaults = cls()
        remembered = document.get("remembered_usernames", {})
        if not isinstance(remembered, dict) or not all(
            isinstance(names, list) and all(isinstance(name, str) for name in names)
            for names in remembered.values()
        ):
            raise ValueError("remembered_usernames is not an object of lists of strings")
        last = document.get("last_username", {})
        if not isinstance(last, dict) or not all(isinstance(v, str) for v in last.values()):
            raise ValueError("last_username is not an object of strings")
        flags = {}
        for name in ("notifications", "allow_password_grant"):
            value = document.get(name, getattr(defaults, name))
            if not isinstance(value, bool):
                raise ValueError(f"{name} is not true or false")
            flags[name] = value
        idle = document.get("idle_lock_minutes", defaults.idle_lock_minutes)
        if (
            isinstance(idle, bool)
            or not isinstance(idle, int | float)
            or not 0 <= idle <= MAX_IDLE_LOCK_MINUTES
        ):
            raise ValueError(
                f"idle_lock_minutes must be a number of minutes from 0 (never) to "
                f"{MAX_IDLE_LOCK_MINUTES}, not {idle!r}"
            )
        return cls(
            remembered_usernames={k: tuple(v) for k, v in remembered.items()},
            last_username=dict(last),
            idle_lock_minutes=idle,
            **flags,
        )


@dataclass(frozen=True)
class LoadedSettings:
    """``load_settings``'s answer: the settings, and a warning to show when the file was bad."""

    settings: Settings
    warning: str | None = None


def settings_path(data_dir: Path) -> Path:
    return data_dir / SETTINGS_FILENAME


def load_settings(data_dir: Path) -> LoadedSettings:
    """Read ``settings.json`` from ``data_dir``; defaults when there is none.

    A file that cannot be read as settings is moved aside to ``settings.json.corrupt-<UTC
    timestamp>`` (kept for the user to inspect) and the defaults are used; the returned warning
    says so. Other I/O errors (permissions, a directory in the way) are raised.
    """
    path = settings_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedSettings(Settings())
    try:
        return LoadedSettings(Settings.from_json(json.loads(raw)))
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        aside = _move_aside(path)
        warning = (
            f"the settings file {path} could not be read ({exc}); it was moved to "
            f"{aside.name} and the default settings are used"
        )
        log.warning("%s", warning)
        return LoadedSettings(Settings(), warning)


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write ``settings.json`` atomically, 0600."""
    data = json.dumps(settings.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_private_file(settings_path(data_dir), data.encode("utf-8"))


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    os.replace(path, aside)
    return aside
