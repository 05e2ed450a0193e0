"""Where the client keeps its data, and the small settings file it keeps there."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import DesktopAuthError
from .securefiles import ensure_private_dir, move_aside, write_private_file

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
# RFC 6749 Appendix A: client-id = *VSCHAR (%x20-7E); 255 is far more than any server issues.
MAX_CLIENT_ID_LENGTH = 255
# A CA bundle of every public root is about 250 kB; far more is not a bundle.
MAX_CA_BUNDLE_BYTES = 10_000_000
_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----"
)
# Where the settings' issuer, client id and CA bundle come from (``Connection.source``).
FROM_COMMAND_LINE = "command line"
FROM_SETTINGS = "settings"
EMBEDDED_SERVER = "embedded server"


class DataDirError(DesktopAuthError):
    """The data directory cannot be created or written; the message says which and why."""


class InvalidSettingsError(DesktopAuthError):
    """Values the settings cannot take. ``errors`` maps each bad field (a ``Settings``
    attribute name) to a message fit to show next to it, in the order of the fields."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


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


# --- checking values ---------------------------------------------------------------------------


def check_issuer(text: str) -> str | None:
    """The issuer URL normalised as sign-in needs it; None for blank (no issuer set).

    ``ValueError`` saying what is wrong for what sign-in would refuse: not an https:// URL,
    plain http:// to anything but this computer (127.0.0.1, ::1, localhost), a query.
    """
    # Imported here: the URL rules live in the protocol layer, which start-up need not load.
    from desktop_auth.oidc.http import normalize_issuer

    text = text.strip()
    if not text:
        return None
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError("The issuer URL must not contain spaces or control characters.")
    try:
        issuer = normalize_issuer(text)
        urlsplit(issuer).port  # noqa: B018 - raises ValueError for a port that is no number
    except DesktopAuthError as exc:
        raise ValueError(exc.message) from exc
    except ValueError as exc:
        raise ValueError(f"The issuer URL has an invalid port: {text!r}.") from exc
    return issuer


def check_client_id(text: str) -> str | None:
    """The OAuth client id; None for blank (the default, desktop-auth). ``ValueError`` for
    one longer than 255 characters or with characters outside printable ASCII (RFC 6749)."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_CLIENT_ID_LENGTH:
        raise ValueError(
            f"The client id must be at most {MAX_CLIENT_ID_LENGTH} characters, not {len(text)}."
        )
    if not all(" " <= char <= "~" for char in text):
        raise ValueError(
            "The client id may hold only printable ASCII characters (letters, digits, "
            "punctuation and spaces)."
        )
    return text


def check_ca_bundle(text: str) -> str | None:
    """The CA bundle as an absolute path; None for blank (the system's trust store only).

    ``ValueError`` unless it names a readable file holding at least one PEM certificate that
    TLS can load.
    """
    import ssl

    text = text.strip()
    if not text:
        return None
    path = os.path.abspath(os.path.expanduser(text))
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CA_BUNDLE_BYTES + 1)
    except FileNotFoundError:
        raise ValueError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a folder; choose a PEM file of CA certificates.") from None
    except OSError as exc:
        raise ValueError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if len(data) > MAX_CA_BUNDLE_BYTES:
        raise ValueError(f"{path} is too large to be a CA bundle.")
    certificates = _PEM_CERTIFICATE.findall(data)
    if not certificates:
        raise ValueError(f"{path} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block).")
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=b"\n".join(certificates).decode("ascii"))
    except ssl.SSLError as exc:
        raise ValueError(f"The certificates in {path} cannot be used: {exc.reason}.") from exc
    return path


def check_idle_lock_minutes(value: object) -> float:
    """``value`` when it is a number of minutes from 0 (never) to a day; ValueError if not."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_IDLE_LOCK_MINUTES
    ):
        raise ValueError(
            f"idle_lock_minutes must be a number of minutes from 0 (never) to "
            f"{MAX_IDLE_LOCK_MINUTES}, not {value!r}"
        )
    return value


def _optional_string(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} is not a string or null")
    return value or None


def _checked_string(
    document: dict[str, Any], name: str, check: Callable[[str], str | None]
) -> str | None:
    """A string of a settings file (or null), checked as the settings dialog checks it."""
    value = _optional_string(document, name)
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


@dataclass(frozen=True)
class SettingsEdit:
    """What the settings dialog lets the user change, as entered: text as typed (blank for
    not set), unchecked until ``Settings.edited`` checks it."""

    issuer: str = ""
    client_id: str = ""
    ca_bundle: str = ""
    idle_lock_minutes: float = DEFAULT_IDLE_LOCK_MINUTES
    notifications: bool = True

    @classmethod
    def of(cls, settings: Settings) -> SettingsEdit:
        """The values ``settings`` has now, as the dialog shows them."""
        return cls(
            issuer=settings.issuer or "",
            client_id=settings.client_id or "",
            ca_bundle=settings.ca_bundle or "",
            idle_lock_minutes=settings.idle_lock_minutes,
            notifications=settings.notifications,
        )


@dataclass(frozen=True)
class Settings:
    """What the client remembers between runs. Change it with ``replace`` or ``remember_login``.

    ``remembered_usernames`` maps an issuer to its usernames, most recent first;
    ``last_username`` maps an issuer to the one to preselect. ``allow_password_grant`` is the
    persistent form of ``--allow-password-grant`` (DESIGN.md, "Sign-in protocols").
    ``idle_lock_minutes`` locks the app after that long without input (0: never; fractions
    allowed). ``issuer``, ``client_id`` and ``ca_bundle`` say which identity server to use
    when the command line does not (``choose_connection``); None: not set.
    """

    remembered_usernames: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    last_username: Mapping[str, str] = field(default_factory=dict)
    notifications: bool = True
    allow_password_grant: bool = False
    idle_lock_minutes: float = DEFAULT_IDLE_LOCK_MINUTES
    issuer: str | None = None
    client_id: str | None = None
    ca_bundle: str | None = None

    def edited(self, edit: SettingsEdit) -> Settings:
        """A copy with the settings dialog's values (``edit``), every one of them checked.

        ``InvalidSettingsError`` names each bad value, and then nothing has changed (this
        object is immutable).
        """
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"notifications": edit.notifications}
        checks: tuple[tuple[str, Callable[[Any], Any], object], ...] = (
            ("issuer", check_issuer, edit.issuer),
            ("client_id", check_client_id, edit.client_id),
            ("ca_bundle", check_ca_bundle, edit.ca_bundle),
            ("idle_lock_minutes", check_idle_lock_minutes, edit.idle_lock_minutes),
        )
        for name, check, value in checks:
            try:
                values[name] = check(value)
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise InvalidSettingsError(errors)
        return replace(self, **values)

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
            "issuer": self.issuer,
            "client_id": self.client_id,
            "ca_bundle": self.ca_bundle,
        }

    @classmethod
    def from_json(cls, document: object) -> Settings:
        """Settings from a parsed settings file; ``ValueError`` if it has the wrong shape.

        Keys this version does not know are ignored, so a newer file still loads. The issuer
        and client id are checked as the settings dialog checks them; the CA bundle only for
        being a string: a file gone missing since is reported at sign-in, naming it, rather
        than costing every other setting.
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
        idle = check_idle_lock_minutes(
            document.get("idle_lock_minutes", defaults.idle_lock_minutes)
        )
        issuer = _checked_string(document, "issuer", check_issuer)
        client_id = _checked_string(document, "client_id", check_client_id)
        return cls(
            remembered_usernames={k: tuple(v) for k, v in remembered.items()},
            last_username=dict(last),
            idle_lock_minutes=idle,
            issuer=issuer,
            client_id=client_id,
            ca_bundle=_optional_string(document, "ca_bundle"),
            **flags,
        )


@dataclass(frozen=True)
class Connection:
    """The identity server the app signs in to: ``issuer`` None means the embedded demo
    server. ``source`` says where the issuer came from: FROM_COMMAND_LINE, FROM_SETTINGS or
    EMBEDDED_SERVER."""

    issuer: str | None
    client_id: str | None
    ca_bundle: Path | None
    source: str


def choose_connection(
    settings: Settings,
    *,
    issuer: str | None = None,
    client_id: str | None = None,
    ca_bundle: Path | None = None,
) -> Connection:
    """The command line's ``--issuer``, ``--client-id``, ``--ca-bundle`` over the settings'.

    The settings' client id and CA bundle belong to the settings' issuer: with ``--issuer``
    they are not used (a client id registered at one server means nothing at another), and
    without any issuer the embedded demo server is started (what the command line says still
    applies to it, as before settings had these values).
    """
    if issuer:
        return Connection(issuer, client_id, ca_bundle, FROM_COMMAND_LINE)
    if settings.issuer:
        return Connection(
            settings.issuer,
            client_id or settings.client_id,
            ca_bundle or (Path(settings.ca_bundle) if settings.ca_bundle else None),
            FROM_SETTINGS,
        )
    return Connection(None, client_id, ca_bundle, EMBEDDED_SERVER)


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
    says so. One that cannot be read at all (no permission, a folder in the way) is left where
    it is, and the defaults are used for this run; the warning says that too.
    """
    path = settings_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedSettings(Settings())
    except OSError as exc:
        warning = (
            f"the settings file {path} cannot be read ({exc.strerror or exc}); the default "
            "settings are used for this run and it is left as it is"
        )
        log.warning("%s", warning)
        return LoadedSettings(Settings(), warning)
    try:
        return LoadedSettings(Settings.from_json(json.loads(raw)))
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        aside = move_aside(path)
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
