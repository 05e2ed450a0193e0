"""The diagnostic log for bug reports: a rotating 0600 file in the data dir, secrets redacted."""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING

from .securefiles import FILE_MODE

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

log = logging.getLogger(__name__)

DIST_NAME = "desktop-auth"
LOG_FILENAME = "desktop-auth.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUP_COUNT = 3
LOG_TAIL_LINES = 200
# The process id tells apart the lines of a second start (which only raises the first).
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
LOGGER_NAME = "desktop_auth"
REDACTED = "[redacted]"

# Names whose values are secrets wherever they appear as `name=value` or `"name": "value"`:
# anything ending in token, password, secret or verifier, and the codes of OAuth flows.
_KEY = r"(?<![\w-])(?:[\w-]*(?:token|password|passwd|secret|verifier)|code|device_code|assertion)"
# Without quotes or `=`, a colon is too common in prose ("error code: 400") for `code`.
_COLON_KEY = r"(?<![\w-])[\w-]*(?:token|password|passwd|secret|verifier)"
_VALUE = r"[^\s&,;'\"<>(){}\[\]]+"
_KEEP = rf"\g<keep>{REDACTED}"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        # A JWT (JWS or JWE compact form): its header is base64url JSON, so it starts with eyJ.
        (r"\beyJ[\w-]+\.[\w-]+\.[\w-]*(?:\.[\w-]*){0,2}", REDACTED),
        # HTTP credentials: `Bearer x`, `DPoP x`, `Authorization: Basic x` ("Basic" alone is
        # too common a word).
        (r"\b(?P<keep>(?:Bearer|DPoP|Authorization:\s*Basic)\s+)[\w.~+/=-]+", _KEEP),
        # "password": "x" (JSON) and 'password': 'x' (a dict's repr).
        (
            rf"(?P<keep>(?P<kq>[\"']){_KEY}(?P=kq)\s*:\s*(?P<vq>[\"']))(?:(?!(?P=vq)).)*(?P=vq)",
            rf"{_KEEP}\g<vq>",
        ),
        # password='x' (keyword arguments in a repr).
        (rf"(?P<keep>{_KEY}\s*=\s*(?P<vq>[\"']))(?:(?!(?P=vq)).)*(?P=vq)", rf"{_KEEP}\g<vq>"),
        # password=x (forms, query strings, URLs).
        (rf"(?P<keep>{_KEY}\s*=\s*){_VALUE}", _KEEP),
        # refresh_token: x (prose, headers).
        (rf"(?P<keep>{_COLON_KEY}\s*:\s*){_VALUE}", _KEEP),
    )
)


def redact(text: str) -> str:
    """``text`` with anything that looks like a token, password or code replaced by
    ``[redacted]``: JWTs, Bearer/Basic credentials, and the values of ``password=``,
    ``refresh_token=``, ``access_token=``, ``code=``, ``client_secret=``... (also as JSON keys)."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Redacts secrets (see ``redact``) in a record's message, traceback and stack, in place.

    Defence in depth: the code never logs a secret, and this catches one that slips through
    (a library's exception message, a repr). The record is changed in place, so handlers that
    run after this one also see it redacted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad %-arguments: keep what can be shown, without formatting
            message = f"{record.msg!r} (unformattable arguments)"
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


@functools.cache
def _private_rotating_file_handler() -> type[RotatingFileHandler]:
    """The handler class; made on first use, as logging.handlers (which imports socket,
    pickle and queue) is not needed on the path that shows the login window."""
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingFileHandler(RotatingFileHandler):
        """A RotatingFileHandler whose files are 0600 from their first byte (and made so if
        an older one was not)."""

        def _open(self) -> TextIOWrapper:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(self.baseFilename, flags, FILE_MODE)
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, FILE_MODE)
                return open(fd, "a", encoding=self.encoding, errors=self.errors)
            except BaseException:
                os.close(fd)
                raise

    return PrivateRotatingFileHandler


def log_path(data_dir: Path) -> Path:
    return data_dir / LOG_FILENAME


class DiagnosticLog:
    """The rotating diagnostic log of one data dir, attached to the root logger.

    Made by ``start_diagnostic_log``; ``close()`` detaches it and restores the log level.
    """

    def __init__(self, path: Path, handler: logging.Handler, previous_level: int) -> None:
        self.path = path
        self.handler = handler
        self._previous_level = previous_level

    def close(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()
        logging.getLogger(LOGGER_NAME).setLevel(self._previous_level)


def start_diagnostic_log(
    data_dir: Path,
    *,
    max_bytes: int = LOG_MAX_BYTES,
    backup_count: int = LOG_BACKUP_COUNT,
) -> DiagnosticLog:
    """Log desktop-auth's INFO and everyone's WARNING records to ``DATA_DIR/desktop-auth.log``
    (0600, rotated at ``max_bytes`` with ``backup_count`` old files), secrets redacted.

    For applications (``desktop-auth`` calls it at start-up); the library never configures
    logging. ``data_dir`` must exist (``resolve_data_dir`` makes it, 0700).
    """
    path = log_path(data_dir)
    handler = _private_rotating_file_handler()(
        path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactSecrets())
    ours = logging.getLogger(LOGGER_NAME)
    previous_level = ours.level
    if ours.getEffectiveLevel() > logging.INFO:
        ours.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    return DiagnosticLog(path, handler, previous_level)


def _tail(path: Path, count: int, block: int = 64 * 1024) -> list[str]:
    """The last ``count`` lines of ``path`` (none if it does not exist), read from the end."""
    if count <= 0:
        return []
    try:
        with path.open("rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            data = b""
            position = end
            while position > 0 and data.count(b"\n") <= count:
                step = min(block, position)
                position -= step
                handle.seek(position)
                data = handle.read(step) + data
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    return lines[-count:]


def read_log_tail(data_dir: Path, count: int = LOG_TAIL_LINES) -> list[str]:
    """The last ``count`` lines of the diagnostic log, from the rotated files too when the
    current one is shorter, redacted again (a file may predate a redaction rule)."""
    path = log_path(data_dir)
    lines = _tail(path, count)
    backup = 1
    while len(lines) < count:
        older = path.with_name(f"{path.name}.{backup}")
        if not older.exists():
            break
        lines = _tail(older, count - len(lines)) + lines
        backup += 1
    return [redact(line) for line in lines]


def app_version() -> str:
    import importlib.metadata  # here: only a report needs it, and start-up time matters

    try:
        return importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def runtime_facts() -> list[tuple[str, str]]:
    """What any report starts with: versions of the app and Python, and the platform."""
    import platform

    return [
        ("desktop-auth", app_version()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Platform", platform.platform()),
        ("Executable", sys.executable),
    ]


def format_report(facts: Sequence[tuple[str, str]], log_lines: Sequence[str], source: Path) -> str:
    """The plain-text report: one ``name: value`` line per fact, then the log's last lines."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    width = max((len(name) for name, _ in facts), default=0) + 1
    lines = [f"desktop-auth diagnostics ({stamp})", ""]
    lines += [f"{name + ':':<{width}} {redact(value)}" for name, value in facts]
    lines += ["", f"Last {len(log_lines)} lines of {source}:"]
    lines += log_lines if log_lines else ["(the log is empty)"]
    return "\n".join(lines) + "\n"
