"""The user interface in the user's language: the catalogue translator, installing a language
(with Qt's own translations of its standard dialogs), and the ``tr`` every user-visible string
goes through.

Each class that shows text has ``tr = TranslationContext("ClassName")`` and marks its strings
``ClassName.tr("Source text")``: pylupdate5 takes the context from the prefix, the call needs
no instance (module functions, workers and subclasses translate in the same context), and a
call of one argument is never given the trailing comma that makes pylupdate5 skip it (as ruff
does to ``translate("Context", "long " "text")`` split over lines). Values go in as named
fields afterwards (``ClassName.tr("Hello {name}").format(name=...)``, never an f-string, which
pylupdate5 cannot read); counts pass ``n`` so that the catalogue picks the plural form
(``ClassName.tr("Try again in %n second(s).", None, n)``). Strings built at import time are
marked ``QT_TRANSLATE_NOOP("ClassName", "...")`` and translated when shown. Write "—" and "…"
as they are: pylupdate5 misreads ``\\N{...}`` escapes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from PyQt5.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

from desktop_auth.i18n import SOURCE_LANGUAGE, choose_language

if TYPE_CHECKING:
    from desktop_auth.i18n.catalogue import Catalogue

log = logging.getLogger(__name__)


class CatalogueTranslator(QTranslator):
    """A QTranslator answering from a Qt Linguist catalogue read as it is (no .qm file)."""

    def __init__(self, catalogue: Catalogue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"catalogueTranslator_{catalogue.language}")
        self.catalogue = catalogue

    def translate(
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        # None (a null QString) lets the next translator, or the source text, answer.
        return self.catalogue.translation(context, source_text, disambiguation or "", n)

    def isEmpty(self) -> bool:
        return len(self.catalogue) == 0

    def language(self) -> str:
        return self.catalogue.language


def _read(language: str) -> Catalogue | None:
    """The shipped catalogue of ``language``; None, logged, when it cannot be read (a broken
    installation then shows English rather than not starting)."""
    from desktop_auth.i18n.catalogue import read_catalogue  # XML: read only when needed

    try:
        return read_catalogue(language)
    except (OSError, ValueError, SyntaxError) as exc:  # SyntaxError: XML ParseError
        log.warning("the %s translations cannot be read: %s", language, exc)
        return None


@lru_cache(maxsize=1)
def _source_plurals() -> Catalogue:
    from desktop_auth.i18n.catalogue import Catalogue

    return _read(SOURCE_LANGUAGE) or Catalogue(SOURCE_LANGUAGE)


def translate(
    context: str, source_text: str, disambiguation: str | None = None, n: int = -1
) -> str:
    """``QCoreApplication.translate``, in the language installed.

    With a count ``n`` and no installed translator knowing the message (the English default,
    or a window embedded in another app), the English catalogue's plural forms answer, so that
    "Try again in %n second(s)." still reads "1 second" and "2 seconds".
    """
    text = QCoreApplication.translate(context, source_text, disambiguation, n)
    if n >= 0 and text == source_text.replace("%n", str(n)):
        english = _source_plurals().translation(context, source_text, disambiguation or "", n)
        if english is not None:
            return english.replace("%n", str(n))
    return text


class TranslationContext:
    """The texts of one translation context (a class's name): call it, or its ``tr``, to
    translate; ``QT_TR_NOOP`` marks a text to be translated later, as pylupdate5 reads
    ``Context.QT_TR_NOOP("...")`` too."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"TranslationContext({self.name!r})"

    def __call__(self, source_text: str, disambiguation: str | None = None, n: int = -1) -> str:
        return translate(self.name, source_text, disambiguation, n)

    tr = __call__

    def QT_TR_NOOP(self, source_text: str) -> str:  # the name pylupdate5 reads
        return source_text


def format_number(value: int) -> str:
    """``value`` with the digit grouping of the language in use ("1,000,000", "1.000.000")."""
    locale = QLocale()
    if locale.language() == QLocale.C:  # no language chosen: the source language's
        locale = QLocale(QLocale.English, QLocale.UnitedStates)
    return locale.toString(value)


def system_language(requested: str | None = None) -> str:
    """The language to use: ``requested`` (--lang), else the system's (LANGUAGE, LC_ALL,
    LC_MESSAGES, LANG), else English."""
    return choose_language(requested, QLocale.system().uiLanguages())


@dataclass
class InstalledLanguage:
    """A language in use: its translators (installed on the application) and the default
    locale it replaced. ``remove()`` goes back to what was before."""

    language: str
    translators: tuple[QTranslator, ...]
    previous_locale: QLocale

    def remove(self) -> None:
        app = QCoreApplication.instance()
        for translator in self.translators:
            if app is not None:
                app.removeTranslator(translator)
            translator.deleteLater()
        QLocale.setDefault(self.previous_locale)


def _locale_for(language: str) -> QLocale:
    """The system's locale if it speaks ``language`` (de_AT stays de_AT), else the language's
    own: numbers and dates then match the words around them."""
    system = QLocale.system()
    if QLocale(language).language() == system.language():
        return system
    return QLocale(language)


def _qt_translator(language: str, parent: QObject) -> QTranslator | None:
    """Qt's translation of its own texts (standard buttons, file dialogs, context menus), as
    the PyQt5 wheel ships it; None where it is missing (then they stay English)."""
    if language == SOURCE_LANGUAGE:
        return None
    translator = QTranslator(parent)
    translator.setObjectName(f"qtTranslator_{language}")
    directory = QLibraryInfo.location(QLibraryInfo.TranslationsPath)
    if translator.load(f"qtbase_{language}", directory):
        return translator
    log.info("no Qt translations for %s in %s; standard dialogs stay English", language, directory)
    translator.deleteLater()
    return None


def install_language(language: str) -> InstalledLanguage:
    """Speak ``language`` (a code of desktop_auth.i18n.LANGUAGES) from now on: install its
    catalogue and Qt's own translations, and make its locale the default. Call it before any
    window is built; windows built earlier keep their texts."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_language needs a QApplication")
    previous = QLocale()
    QLocale.setDefault(_locale_for(language))
    translators: list[QTranslator] = []
    qt_translator = _qt_translator(language, app)
    if qt_translator is not None:
        translators.append(qt_translator)
    # English is the source text: its catalogue only has plural forms, which translate()
    # reads on first need, so start-up parses no XML for it.
    catalogue = _read(language) if language != SOURCE_LANGUAGE else None
    if catalogue is not None:
        translators.append(CatalogueTranslator(catalogue, app))
    for translator in translators:
        app.installTranslator(translator)
    log.info("user interface language: %s", language)
    return InstalledLanguage(language, tuple(translators), previous)
