"""Password policy and argon2id hashing (OWASP: m >= 19 MiB, t >= 2, p >= 1)."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 1024


class PasswordRejected(ValueError):
    """The password does not meet the policy; the message says why and is safe to show."""


@dataclass(frozen=True)
class HashParameters:
    time_cost: int = 2
    memory_cost: int = 19 * 1024  # KiB
    parallelism: int = 1


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the most common passwords from real leaks, ranked; we use it as a blocklist.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_policy(password: str, username: str | None = None) -> str:
    """Return the normalised password, or raise PasswordRejected saying what is wrong."""
    normalised = normalise(password)
    length = len(normalised)
    if length < MIN_LENGTH:
        raise PasswordRejected(f"The password must have at least {MIN_LENGTH} characters.")
    if length > MAX_LENGTH:
        raise PasswordRejected(f"The password must have at most {MAX_LENGTH} characters.")
    folded = normalised.casefold()
    if folded in _common_passwords():
        raise PasswordRejected("This password is on a list of commonly used passwords.")
    if username and folded == normalise(username).casefold():
        raise PasswordRejected("The password must not be the username.")
    return normalised


class PasswordHashing:
    """argon2id hashing, verification with rehash detection, and a dummy for unknown users."""

    def __init__(self, params: HashParameters | None = None) -> None:
        p = params or HashParameters()
        self._hasher = PasswordHasher(
            time_cost=p.time_cost, memory_cost=p.memory_cost, parallelism=p.parallelism
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalise(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)

    def burn_time(self, password: str) -> None:
        """Spend the time a real verification takes, so unknown users can't be told apart."""
        if self._dummy is None:
            self._dummy = self._hasher.hash("not a real password, only here for timing")
        self.verify(self._dummy, password)
