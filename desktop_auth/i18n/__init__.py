"""The user interface's languages without Qt: which are offered, which one to use, and their
Qt Linguist catalogues (the Qt layer installs them as translators: desktop_auth.qt.translation).

The catalogue names load on first use (PEP 562): choosing a language, as the command line does,
needs no XML parser, and English needs no catalogue at all until a plural is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_auth._lazy import lazy_names
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


__getattr__, __dir__ = lazy_names(__name__, dict.fromkeys(_CATALOGUE_EXPORTS, "catalogue"), __all__)


if TYPE_CHECKING:
    from desktop_auth.i18n.catalogue import Catalogue, Message, parse_ts, read_catalogue
