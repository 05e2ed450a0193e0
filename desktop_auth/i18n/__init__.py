"""The user interface's languages without Qt: which are offered, which one to use, and their
Qt Linguist catalogues (the Qt layer installs them as translators: desktop_auth.qt.translation).

The catalogue names load on first use (PEP 562): choosing a language, as the command line does,
needs no XML parser, and English needs no catalogue at all until a plural is shown.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from desktop_auth.i18n.languages import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    UnknownLanguageError,
    choose_language,
    language_code,
    plural_form,
)

_CATALOGUE_EXPORTS = ("Catalogue", "Message", "parse_ts", "read_catalogue")

__all__ = [
    "LANGUAGES",
    "SOURCE_LANGUAGE",
    "Catalogue",
    "Message",
    "UnknownLanguageError",
    "choose_language",
    "language_code",
    "parse_ts",
    "plural_form",
    "read_catalogue",
]


def __getattr__(name: str) -> Any:
    if name not in _CATALOGUE_EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.catalogue"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from desktop_auth.i18n.catalogue import Catalogue, Message, parse_ts, read_catalogue
