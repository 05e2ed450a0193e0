"""TokenStore against a real Secret Service (gnome-keyring) and keyring's no-backend stand-ins."""

from __future__ import annotations

import logging
import secrets as random_tokens
import shutil
import subprocess
import uuid

import keyring.errors
import pytest
from keyring.backends import SecretService, fail, null

from desktop_auth.errors import DesktopAuthError, ProtocolError
from desktop_auth.secrets import (
    PARTS_SUFFIX,
    KeyringUnavailableError,
    TokenStore,
    service_name,
)

# Windows Credential Manager's limit, 2,560 bytes of UTF-16.
WINDOWS_MAX_CHARS = 1280


@pytest.fixture
def issuer() -> str:
    """An issuer no other test uses, so tests share the keyring without seeing each other."""
    return f"https://idp-{uuid.uuid4().hex[:8]}.example"


@pytest.fixture
def store(secret_service: SecretService.Keyring) -> TokenStore:
    return TokenStore(secret_service)


def _token(length: int) -> str:
    return random_tokens.token_urlsafe(length)[:length]


def _part_entries(backend: SecretService.Keyring, issuer: str, username: str) -> dict[str, str]:
    found = {}
    for slot in "ab":
        for number in range(1, 20):
            value = backend.get_password(
                service_name(issuer) + PARTS_SUFFIX, f"{username}#{slot}{number}"
            )
            if value is not None:
                found[f"{slot}{number}"] = value
    return found


def test_secret_service_is_available(store: TokenStore) -> None:
    assert store.available() == (True, "")


def test_short_token_round_trips(store: TokenStore, issuer: str) -> None:
    store.save(issuer, "alice", "short-refresh-token")
    assert store.load(issuer, "alice") == "short-refresh-token"


def test_nothing_stored_loads_as_none(store: TokenStore, issuer: str) -> None:
    assert store.load(issuer, "nobody") is None


def test_has_tells_which_accounts_have_a_kept_session(store: TokenStore, issuer: str) -> None:
    store.save(issuer, "alice", _token(4096))

    assert store.has(issuer, "alice")
    assert not store.has(issuer, "bob")
    assert not store.has(issuer + "/other", "alice")
    store.delete(issuer, "alice")
    assert not store.has(issuer, "alice")


def test_4kb_token_round_trips_in_entries_windows_can_hold(
    store: TokenStore, secret_service: SecretService.Keyring, issuer: str
) -> None:
    token = _token(4096)
    store.save(issuer, "alice", token)

    assert store.load(issuer, "alice") == token
    head = secret_service.get_password(service_name(issuer), "alice")
    parts = _part_entries(secret_service, issuer, "alice")
    assert head is not None
    assert len(parts) >= 3
    assert all(len(entry) <= WINDOWS_MAX_CHARS for entry in [head, *parts.values()])


def test_entry_is_in_the_secret_service_under_the_issuer_and_username(
    store: TokenStore, issuer: str
) -> None:
    secret_tool = shutil.which("secret-tool")
    if secret_tool is None:
        pytest.skip("secret-tool is not installed (libsecret-tools; `sudo make deps`)")
    store.save(issuer, "alice", "refresh-token-for-alice")

    # libsecret's own client, independent of keyring and of our code.
    lookup = subprocess.run(
        [secret_tool, "lookup", "service", f"desktop-auth:{issuer}", "username", "alice"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert lookup.stdout.startswith("dat1:")
    assert lookup.stdout.endswith(":refresh-token-for-alice")


def test_issuers_and_accounts_never_see_each_others_tokens(store: TokenStore, issuer: str) -> None:
    other_issuer = issuer + "/other"
    long_token = _token(3000)
    store.save(issuer, "alice", "alice-here")
    store.save(issuer, "bob", "bob-here")
    store.save(other_issuer, "alice", "alice-there")
    # A username that looks like one of alice's part entries names no part of alice's token.
    store.save(issuer, "carol", long_token)
    store.save(issuer, "carol#a1", "not-a-part")

    assert store.load(issuer, "alice") == "alice-here"
    assert store.load(issuer, "bob") == "bob-here"
    assert store.load(other_issuer, "alice") == "alice-there"
    assert store.load(other_issuer, "bob") is None
    assert store.load(issuer, "carol") == long_token
    assert store.load(issuer, "carol#a1") == "not-a-part"

    store.delete(issuer, "alice")
    assert store.load(issuer, "alice") is None
    assert store.load(other_issuer, "alice") == "alice-there"
    assert store.load(issuer, "bob") == "bob-here"


def test_rotating_between_long_and_short_tokens_leaves_no_old_parts(
    store: TokenStore, secret_service: SecretService.Keyring, issuer: str
) -> None:
    first, second = _token(4000), _token(2600)
    store.save(issuer, "alice", first)
    store.save(issuer, "alice", second)
    assert store.load(issuer, "alice") == second
    assert set(_part_entries(secret_service, issuer, "alice")) == {"b1", "b2"}

    store.save(issuer, "alice", "short")
    assert store.load(issuer, "alice") == "short"
    assert _part_entries(secret_service, issuer, "alice") == {}


def test_delete_removes_the_head_and_every_part(
    store: TokenStore, secret_service: SecretService.Keyring, issuer: str
) -> None:
    store.save(issuer, "alice", _token(4096))
    store.delete(issuer, "alice")

    assert secret_service.get_password(service_name(issuer), "alice") is None
    assert _part_entries(secret_service, issuer, "alice") == {}
    store.delete(issuer, "alice")  # Deleting what is not there is fine.


class _CrashOnHeadWrite:
    """Delegates to a backend, but 'crashes' when the head entry is written."""

    name = "crash-on-head-write"

    def __init__(self, backend: SecretService.Keyring) -> None:
        self._backend = backend
        self.priority = backend.priority
        self.get_password = backend.get_password
        self.delete_password = backend.delete_password

    def set_password(self, service: str, username: str, password: str) -> None:
        if not service.endswith(PARTS_SUFFIX):
            raise OSError("power cut")
        self._backend.set_password(service, username, password)


def test_a_save_interrupted_before_the_head_is_written_keeps_the_old_token(
    store: TokenStore, secret_service: SecretService.Keyring, issuer: str
) -> None:
    old = _token(4096)
    store.save(issuer, "alice", old)

    with pytest.raises(KeyringUnavailableError):
        TokenStore(_CrashOnHeadWrite(secret_service)).save(issuer, "alice", _token(4096))  # type: ignore[arg-type]

    assert store.load(issuer, "alice") == old
    newer = _token(3500)
    store.save(issuer, "alice", newer)  # The next save clears what the crash left behind.
    assert store.load(issuer, "alice") == newer


def test_corrupt_head_is_deleted_and_loads_as_none(
    store: TokenStore,
    secret_service: SecretService.Keyring,
    issuer: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret_service.set_password(service_name(issuer), "alice", "secret-garbage-value")

    with caplog.at_level(logging.WARNING, logger="desktop_auth.secrets"):
        assert store.load(issuer, "alice") is None

    assert secret_service.get_password(service_name(issuer), "alice") is None
    assert "alice" in caplog.text
    assert "secret-garbage-value" not in caplog.text


def test_altered_part_is_detected_and_everything_deleted(
    store: TokenStore,
    secret_service: SecretService.Keyring,
    issuer: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = _token(4096)
    store.save(issuer, "alice", token)
    part_service = service_name(issuer) + PARTS_SUFFIX
    part = secret_service.get_password(part_service, "alice#a2")
    assert part is not None
    secret_service.set_password(part_service, "alice#a2", part[::-1])

    with caplog.at_level(logging.WARNING, logger="desktop_auth.secrets"):
        assert store.load(issuer, "alice") is None

    assert secret_service.get_password(service_name(issuer), "alice") is None
    assert _part_entries(secret_service, issuer, "alice") == {}
    assert "checksum" in caplog.text
    assert token[:50] not in caplog.text


def test_missing_part_is_detected(
    store: TokenStore, secret_service: SecretService.Keyring, issuer: str
) -> None:
    store.save(issuer, "alice", _token(4096))
    secret_service.delete_password(service_name(issuer) + PARTS_SUFFIX, "alice#a3")

    assert store.load(issuer, "alice") is None
    assert secret_service.get_password(service_name(issuer), "alice") is None
    assert _part_entries(secret_service, issuer, "alice") == {}


def test_entry_that_is_not_text_is_deleted(
    store: TokenStore, secret_service: SecretService.Keyring, issuer: str
) -> None:
    secret_tool = shutil.which("secret-tool")
    if secret_tool is None:
        pytest.skip("secret-tool is not installed (libsecret-tools; `sudo make deps`)")
    subprocess.run(
        [
            secret_tool,
            "store",
            "--label=binary",
            "service",
            service_name(issuer),
            "username",
            "alice",
        ],
        input=b"\xff\xfe\x00binary",
        check=True,
        timeout=30,
    )

    assert store.load(issuer, "alice") is None
    lookup = subprocess.run(
        [secret_tool, "lookup", "service", service_name(issuer), "username", "alice"],
        capture_output=True,
        timeout=30,
    )
    assert lookup.stdout == b""


def test_token_with_characters_oauth_forbids_is_refused(store: TokenStore, issuer: str) -> None:
    with pytest.raises(ProtocolError):
        store.save(issuer, "alice", "line\nbreak")
    assert store.load(issuer, "alice") is None


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_keyring_backend_is_unavailable_with_a_reason(backend: object) -> None:
    available, reason = TokenStore(backend).available()  # type: ignore[arg-type]

    assert available is False
    assert "keyring" in reason
    assert "cannot keep you signed in" in reason


def test_fail_backend_raises_our_error_with_a_message() -> None:
    store = TokenStore(fail.Keyring())

    with pytest.raises(KeyringUnavailableError) as raised:
        store.save("https://idp.example", "alice", "token")
    assert isinstance(raised.value, DesktopAuthError)
    assert "keyring" in raised.value.message
    with pytest.raises(KeyringUnavailableError):
        store.load("https://idp.example", "alice")


def test_token_too_long_to_store_is_refused(store: TokenStore, issuer: str) -> None:
    with pytest.raises(ProtocolError):
        TokenStore(store.backend, max_entry_chars=200).save(issuer, "alice", "x" * 200 * 1001)
    assert store.load(issuer, "alice") is None


class _BrokenBackend:
    """A backend whose every operation fails the way a locked or broken keyring does."""

    name = "broken"
    priority = 1

    def __init__(self, error: Exception) -> None:
        self._error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self._error

    set_password = delete_password = get_password


def test_locked_keyring_is_unavailable_and_says_to_unlock_it() -> None:
    store = TokenStore(_BrokenBackend(keyring.errors.KeyringLocked("dismissed")))  # type: ignore[arg-type]

    assert store.available() == (
        False,
        "The system keyring is locked. Unlock it to stay signed in.",
    )
    with pytest.raises(KeyringUnavailableError, match="locked"):
        store.load("https://idp.example", "alice")


def test_backend_failure_becomes_our_error_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = TokenStore(_BrokenBackend(ConnectionError("bus gone")))  # type: ignore[arg-type]

    available, reason = store.available()
    assert available is False
    assert "ConnectionError" in reason
    with (
        caplog.at_level(logging.WARNING, logger="desktop_auth.secrets"),
        pytest.raises(KeyringUnavailableError, match="could not be used"),
    ):
        store.save("https://idp.example", "alice", "the-secret-token")
    assert "the-secret-token" not in caplog.text
