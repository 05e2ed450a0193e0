"""Qt Linguist translation files (.ts) read as they are: the one source of each translation.

The app reads the XML that translators edit in Qt Linguist (and pylupdate5 updates), so no
compiled .qm file has to be kept in step with it. Only finished translations are used: an
unfinished, obsolete or vanished one leaves the English source text in place.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from desktop_auth.i18n.languages import SOURCE_LANGUAGE, plural_form

# Inside the desktop_auth package: resources/translations/desktop_auth_<code>.ts
CATALOGUE_DIR = "resources/translations"


def catalogue_name(language: str) -> str:
    return f"desktop_auth_{language}.ts"


@dataclass(frozen=True)
class Message:
    """One <message>: ``comment`` is its disambiguation, ``translations`` its translation (or
    its numerus forms, for a ``numerus`` message), ``state`` the <translation>'s type: "" when
    finished, else "unfinished", "obsolete" or "vanished"."""

    context: str
    source: str
    comment: str = ""
    numerus: bool = False
    translations: tuple[str, ...] = ()
    state: str = ""

    @property
    def finished(self) -> bool:
        return self.state == "" and bool(self.translations) and all(self.translations)


@dataclass(frozen=True)
class Catalogue:
    """The messages of one language's .ts file, looked up as Qt's QTranslator does."""

    language: str
    messages: tuple[Message, ...] = ()
    _index: Mapping[tuple[str, str, str], Message] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        index = {(m.context, m.source, m.comment): m for m in self.messages if m.finished}
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self._index)

    def translation(
        self, context: str, source: str, disambiguation: str = "", n: int = -1
    ) -> str | None:
        """The finished translation of ``source`` (the form for ``n`` things if it has
        numerus forms), or None. As in Qt, a message with a disambiguation is also found
        without it."""
        message = self._index.get((context, source, disambiguation))
        if message is None and disambiguation:
            message = self._index.get((context, source, ""))
        if message is None:
            return None
        if not message.numerus:
            return message.translations[0]
        index = min(plural_form(self.language, n), len(message.translations) - 1)
        return message.translations[index]


def _text(element: ET.Element | None) -> str:
    return "" if element is None else "".join(element.itertext())


def parse_ts(data: bytes, language: str = SOURCE_LANGUAGE) -> Catalogue:
    """The messages of a .ts document (every one, whatever its state)."""
    root = ET.fromstring(data)  # noqa: S314 - the package's own file, or one a test wrote
    if root.tag != "TS":
        raise ValueError(f"not a Qt Linguist file: the root element is <{root.tag}>, not <TS>")
    messages = []
    for context in root.iter("context"):
        name = _text(context.find("name"))
        for message in context.iter("message"):
            translation = message.find("translation")
            numerus = message.get("numerus") == "yes"
            if translation is None:
                forms: tuple[str, ...] = ()
            elif numerus:
                forms = tuple(_text(form) for form in translation.iter("numerusform"))
            else:
                forms = (_text(translation),)
            messages.append(
                Message(
                    context=name,
                    source=_text(message.find("source")),
                    comment=_text(message.find("comment")),
                    numerus=numerus,
                    translations=forms,
                    state="unfinished" if translation is None else translation.get("type", ""),
                )
            )
    return Catalogue(language, tuple(messages))


@cache
def read_catalogue(language: str) -> Catalogue:
    """The catalogue shipped for ``language`` (a code of LANGUAGES). Read once per process:
    about 300 messages take a few milliseconds."""
    path = resources.files("desktop_auth").joinpath(f"{CATALOGUE_DIR}/{catalogue_name(language)}")
    return parse_ts(path.read_bytes(), language)
