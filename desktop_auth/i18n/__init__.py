"""The user interface's languages without Qt: which are offered, which one to use, and their
Qt Linguist catalogues (the Qt layer installs them as translators: desktop_auth.qt.translation)."""

from desktop_auth.i18n.catalogue import Catalogue, Message, parse_ts, read_catalogue
from desktop_auth.i18n.languages import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    UnknownLanguageError,
    choose_language,
    language_code,
    plural_form,
)

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
