"""What the example API accepts as a document: a JSON object of title, area and body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TITLE_MAX_CHARS = 200
AREA_MAX_CHARS = 60
BODY_MAX_BYTES = 64 * 1024
DEFAULT_AREA = "General"
FIELDS = ("title", "area", "body")


class InvalidDocument(ValueError):
    """A request body that is not a document; the message says what to change (the 400's)."""


@dataclass(frozen=True)
class DocumentInput:
    title: str
    area: str
    body: str


def _text(document: dict[str, Any], name: str, default: str) -> str:
    value = document.get(name, default)
    if not isinstance(value, str):
        raise InvalidDocument(f"'{name}' must be a string, not {type(value).__name__}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidDocument(f"'{name}' holds a lone surrogate; send valid Unicode.") from None
    return value


def parse_document(document: object) -> DocumentInput:
    """``document`` (parsed JSON) as a DocumentInput; InvalidDocument saying what is wrong."""
    if not isinstance(document, dict):
        raise InvalidDocument(
            "The body must be a JSON object with 'title' and optionally 'area' and 'body'."
        )
    unknown = sorted(set(document) - set(FIELDS))
    if unknown:
        raise InvalidDocument(
            f"Unknown field(s): {', '.join(map(repr, unknown))}; a document has "
            f"{', '.join(map(repr, FIELDS))}."
        )
    if "title" not in document:
        raise InvalidDocument("'title' is missing.")
    title = _text(document, "title", "").strip()
    area = _text(document, "area", DEFAULT_AREA).strip() or DEFAULT_AREA
    body = _text(document, "body", "")
    if not title:
        raise InvalidDocument("'title' must not be empty.")
    if len(title) > TITLE_MAX_CHARS:
        raise InvalidDocument(
            f"'title' is {len(title)} characters long; at most {TITLE_MAX_CHARS} are allowed."
        )
    if "\n" in title or "\r" in title:
        raise InvalidDocument("'title' must be one line.")
    if len(area) > AREA_MAX_CHARS:
        raise InvalidDocument(
            f"'area' is {len(area)} characters long; at most {AREA_MAX_CHARS} are allowed."
        )
    size = len(body.encode("utf-8"))
    if size > BODY_MAX_BYTES:
        raise InvalidDocument(
            f"'body' is {size} bytes long (UTF-8); at most {BODY_MAX_BYTES} are allowed."
        )
    return DocumentInput(title, area, body)
