"""What a typed or pasted username and password may hold before either is sent to a server."""

from __future__ import annotations

import enum
import unicodedata

# Generous for any identity server, yet refused before anything is sent: e-mail addresses,
# often the username, have at most 254 characters (RFC 5321), and no person or password
# manager makes a password over 1,024 characters (the bundled server's own limit,
# desktop_auth.server.passwords.MAX_LENGTH). Counted in characters (code points).
MAX_USERNAME_LENGTH = 256
MAX_PASSWORD_LENGTH = 1024

# Control characters (NUL, tab, line breaks, DEL, the C1 set), lone surrogates and the
# Unicode line and paragraph separators: no keyboard types them, they arrive only pasted by
# accident, and servers read them differently (NUL ends a C string) or cannot be sent them
# at all (a lone surrogate has no UTF-8 form).
REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


class InputProblem(enum.Enum):
    """Why a username or password cannot be sent as it is."""

    EMPTY = "empty"
    TOO_LONG = "too long"
    CONTROL_CHARACTER = "control character"


def clean_username(username: str) -> str:
    """The username to send: without the spaces around it (the bundled server trims too)."""
    return username.strip()


def _problem(text: str, max_length: int) -> InputProblem | None:
    if not text:
        return InputProblem.EMPTY
    if len(text) > max_length:  # first, so that a huge paste is not scanned
        return InputProblem.TOO_LONG
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in text):
        return InputProblem.CONTROL_CHARACTER
    return None


def username_problem(username: str) -> InputProblem | None:
    """What is wrong with ``username`` (trimmed first), or None if it can be sent."""
    return _problem(clean_username(username), MAX_USERNAME_LENGTH)


def password_problem(password: str) -> InputProblem | None:
    """What is wrong with ``password`` (never trimmed: spaces count), or None."""
    return _problem(password, MAX_PASSWORD_LENGTH)


def describe_problem(field: str, problem: InputProblem) -> str:
    """An English sentence for ``problem`` with the ``field`` ("username" or "password")."""
    limit = MAX_USERNAME_LENGTH if field == "username" else MAX_PASSWORD_LENGTH
    if problem is InputProblem.EMPTY:
        return f"The {field} is empty."
    if problem is InputProblem.TOO_LONG:
        return f"The {field} is too long: at most {limit} characters."
    return (
        f"The {field} contains a control character (such as NUL, a tab or a line break), "
        "perhaps pasted with it."
    )
