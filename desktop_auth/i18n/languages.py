"""The languages the user interface speaks, and the choice among them: --lang, else the
system's preferred languages, else English (the language of the source texts)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

SOURCE_LANGUAGE = "en"
# Each with its name in itself, as --help and the usage error list them. A language is a
# catalogue resources/translations/desktop_auth_<code>.ts and a plural rule below.
LANGUAGES: Mapping[str, str] = {"de": "Deutsch", "en": "English"}


def _one_or_other(n: int) -> int:
    """English and German: the first form for exactly one, the second for anything else."""
    return 0 if n == 1 else 1


# Which numerus form of a catalogue message fits a count, by language (Qt Linguist's order).
PLURAL_RULES: Mapping[str, Callable[[int], int]] = {"de": _one_or_other, "en": _one_or_other}


class UnknownLanguageError(ValueError):
    """A language the user interface does not speak; the message lists those it does."""


def available() -> str:
    """'de (Deutsch), en (English)', for messages."""
    return ", ".join(f"{code} ({name})" for code, name in sorted(LANGUAGES.items()))


def language_code(text: str) -> str:
    """The code of an available language from 'de', 'DE', 'de_DE', 'de-AT' or 'de_DE.UTF-8';
    ``UnknownLanguageError`` naming the available ones otherwise."""
    code = re.split(r"[-_.@]", text.strip(), maxsplit=1)[0].lower()
    if code not in LANGUAGES:
        raise UnknownLanguageError(f"unknown language {text!r}; available: {available()}")
    return code


def choose_language(requested: str | None, preferred: Iterable[str] = ()) -> str:
    """``requested`` (--lang) if given, else the first available of the user's ``preferred``
    languages (QLocale.system().uiLanguages(): from LANGUAGE, LC_ALL, LC_MESSAGES, LANG),
    else English. "C" and "POSIX" name no language."""
    if requested:
        return language_code(requested)
    for name in preferred:
        try:
            return language_code(name)
        except UnknownLanguageError:
            continue
    return SOURCE_LANGUAGE


def plural_form(language: str, n: int) -> int:
    """The index of the numerus form that fits ``n`` things in ``language``."""
    return PLURAL_RULES.get(language, _one_or_other)(n)
