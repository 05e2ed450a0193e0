"""Keyring storage of the refresh token ("stay signed in"), per issuer and per account.

Only the refresh token is ever stored, and only in the OS keyring: never a file fallback.

Layout (the head entry is the DESIGN.md contract: service ``desktop-auth:<issuer>``, user =
username). A backend may cap a secret's size (Windows Credential Manager: 2,560 bytes of UTF-16,
so 1,280 characters) while JWT refresh tokens can be longer, so a token is split into parts:

- head, service ``desktop-auth:<issuer>``, user ``<username>``:
  ``dat1:<slot>:<parts>:<sha256 of the whole token>:<first part>``
- further parts, service ``desktop-auth:<issuer>#parts``, user ``<username>#<slot><n>`` for
  n = 1 .. parts - 1.

The parts live under their own service so that no username can name another account's part (an
issuer URL has no fragment, so ``#parts`` never names a real issuer's service). A save writes
its parts in the slot (``a`` or ``b``) the current head does not use, then replaces the head in
one write, then deletes the old slot's parts: a crash at any point leaves either the old or the
new token whole, which is what refresh-token rotation needs. The hash detects anything torn or
altered anyway; such an entry is deleted and ``load`` returns None, so the user signs in again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from desktop_auth.errors import DesktopAuthError, ProtocolError

log = logging.getLogger(__name__)

SERVICE_PREFIX = "desktop-auth:"
PARTS_SUFFIX = "#parts"
FORMAT = "dat1"
SLOTS = ("a", "b")
# Characters per keyring entry: 1,200 UTF-16 code units is 2,400 bytes, under Windows' 2,560.
DEFAULT_MAX_ENTRY_CHARS = 1200
# Bounds the clean-up of parts whose head is gone or unreadable (a 1 MB token at 1,200 a part).
MAX_PARTS = 1000
_HEADER = re.compile(r"dat1:(?P<slot>[ab]):(?P<parts>[1-9][0-9]{0,3}):(?P<sha256>[0-9a-f]{64}):")
# RFC 6749 appendix A.17: refresh-token = 1*VSCHAR, so one character is one UTF-16 code unit.
_VSCHAR = re.compile(r"[\x20-\x7e]+")

_T = TypeVar("_T")


class KeyringUnavailableError(DesktopAuthError):
    """The OS keyring cannot be used right now (none installed, locked, or failing)."""


def service_name(issuer: str) -> str:
    """The keyring service under which an issuer's refresh tokens are stored."""
    return SERVICE_PREFIX + issuer


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class TokenStore:
    """Saves, loads and deletes refresh tokens in one keyring backend (the default one if None)."""

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        max_entry_chars: int = DEFAULT_MAX_ENTRY_CHARS,
    ) -> None:
        if max_entry_chars < 200:
            raise ValueError("max_entry_chars must leave room for the header")
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._max_entry_chars = max_entry_chars

    @property
    def backend(self) -> KeyringBackend:
        return self._backend

    def available(self) -> tuple[bool, str]:
        """Whether tokens can be stored, and if not, a reason fit to show (e.g. as a tooltip).

        May block while the backend asks the user to unlock the keyring: call it off the UI
        thread.
        """
        backend = self._backend
        if isinstance(backend, fail.Keyring | null.Keyring) or (
            isinstance(backend, chainer.ChainerBackend) and not backend.backends
        ):
            return False, (
                "No system keyring was found (such as GNOME Keyring, KWallet, the macOS Keychain"
                " or the Windows Credential Locker), so this computer cannot keep you signed in."
            )
        try:
            backend.priority  # noqa: B018 - raises when e.g. the Secret Service is not running
            backend.get_password(SERVICE_PREFIX + "availability-check", "-")
        except keyring.errors.KeyringLocked:
            return False, "The system keyring is locked. Unlock it to stay signed in."
        except Exception as exc:  # A backend may fail in any way (D-Bus, OS errors).
            log.warning("The keyring backend %s is not usable: %r", backend.name, exc)
            return False, f"The system keyring cannot be used ({type(exc).__name__})."
        return True, ""

    def save(self, issuer: str, username: str, refresh_token: str) -> None:
        """Store (or replace) the refresh token of ``username`` at ``issuer``."""
        if not _VSCHAR.fullmatch(refresh_token):
            raise ProtocolError("The server sent a refresh token with characters OAuth forbids.")
        service = service_name(issuer)
        old = self._read_header(service, username)
        slot = SLOTS[1] if old is not None and old[0] == SLOTS[0] else SLOTS[0]
        digest = _sha256(refresh_token)
        prefix_len = len(f"{FORMAT}:{slot}:0000:{digest}:")
        first_len = self._max_entry_chars - prefix_len
        rest = refresh_token[first_len:]
        size = self._max_entry_chars
        parts = [refresh_token[:first_len]] + [
            rest[i : i + size] for i in range(0, len(rest), size)
        ]
        if len(parts) > MAX_PARTS:
            raise ProtocolError("The server sent a refresh token too long to store.")
        # Whatever an earlier crash left in the slot we are about to fill goes first.
        self._delete_parts(service, username, slot, None)
        for number, part in enumerate(parts[1:], start=1):
            self._call(
                self._backend.set_password,
                service + PARTS_SUFFIX,
                f"{username}#{slot}{number}",
                part,
            )
        head = f"{FORMAT}:{slot}:{len(parts)}:{digest}:{parts[0]}"
        self._call(self._backend.set_password, service, username, head)
        if old is not None and old[0] != slot:
            self._delete_parts(service, username, old[0], old[1])

    def load(self, issuer: str, username: str) -> str | None:
        """The stored refresh token; None if there is none or it was unreadable (now deleted)."""
        service = service_name(issuer)
        try:
            head = self._call(self._backend.get_password, service, username)
        except _Unreadable:
            self._discard(service, username, "its entry cannot be decoded")
            return None
        if head is None:
            return None
        match = _HEADER.match(head)
        if match is None:
            self._discard(service, username, "its entry is not in a format this version knows")
            return None
        slot, count = match["slot"], int(match["parts"])
        parts = [head[match.end() :]]
        for number in range(1, count):
            try:
                part = self._call(
                    self._backend.get_password, service + PARTS_SUFFIX, f"{username}#{slot}{number}"
                )
            except _Unreadable:
                part = None
            if part is None:
                self._discard(
                    service, username, f"part {number} of {count} is missing or unreadable"
                )
                return None
            parts.append(part)
        token = "".join(parts)
        if not _VSCHAR.fullmatch(token) or _sha256(token) != match["sha256"]:
            self._discard(service, username, "it does not match its checksum")
            return None
        return token

    def has(self, issuer: str, username: str) -> bool:
        """Whether a refresh token of ``username`` at ``issuer`` is stored (not read in full)."""
        return self._read_header(service_name(issuer), username) is not None

    def delete(self, issuer: str, username: str) -> None:
        """Forget the refresh token of ``username`` at ``issuer`` (nothing happens if none)."""
        service = service_name(issuer)
        header = self._read_header(service, username)
        self._delete_entry(service, username)
        for slot in SLOTS:
            known = header[1] if header is not None and header[0] == slot else None
            self._delete_parts(service, username, slot, known)

    def _read_header(self, service: str, username: str) -> tuple[str, int] | None:
        """The slot and part count of the current head, or None if there is no valid head."""
        try:
            head = self._call(self._backend.get_password, service, username)
        except _Unreadable:
            return None
        match = _HEADER.match(head) if head is not None else None
        return (match["slot"], int(match["parts"])) if match is not None else None

    def _discard(self, service: str, username: str, why: str) -> None:
        log.warning("Deleting the stored refresh token of %r for %r: %s.", username, service, why)
        self._delete_entry(service, username)
        for slot in SLOTS:
            self._delete_parts(service, username, slot, None)

    def _delete_parts(self, service: str, username: str, slot: str, count: int | None) -> None:
        """Delete one slot's parts; with no known count, every part found from 1 upwards.

        Parts go in reverse order, so whatever an interrupted delete leaves is 1 .. k, which
        the search from 1 upwards finds.
        """
        if count is None:
            count = 1
            while count <= MAX_PARTS and self._exists(
                service + PARTS_SUFFIX, f"{username}#{slot}{count}"
            ):
                count += 1
        for number in range(count - 1, 0, -1):
            self._delete_entry(service + PARTS_SUFFIX, f"{username}#{slot}{number}")

    def _exists(self, service: str, user: str) -> bool:
        try:
            return self._call(self._backend.get_password, service, user) is not None
        except _Unreadable:
            return True

    def _delete_entry(self, service: str, user: str) -> None:
        with contextlib.suppress(_Missing):
            self._call(self._backend.delete_password, service, user)

    def _call(self, operation: Callable[..., _T], *args: str) -> _T:
        """Run one backend operation, turning its failures into our errors (never the secret)."""
        try:
            return operation(*args)
        except keyring.errors.PasswordDeleteError as exc:
            raise _Missing from exc
        except UnicodeError as exc:
            raise _Unreadable from exc
        except keyring.errors.KeyringLocked as exc:
            raise KeyringUnavailableError(
                "The system keyring is locked. Unlock it to stay signed in."
            ) from exc
        except Exception as exc:  # A backend may fail in any way (D-Bus, OS errors).
            log.warning("The keyring backend %s failed: %r", self._backend.name, exc)
            raise KeyringUnavailableError(
                f"The system keyring could not be used ({type(exc).__name__})."
            ) from exc


class _Unreadable(Exception):
    """An entry exists but its secret is not text (internal: load deletes it)."""


class _Missing(Exception):
    """The entry to delete was not there (internal)."""
