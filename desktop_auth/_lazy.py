"""Names a package loads on first use (PEP 562), for the packages' ``__init__`` modules.

Importing a package then costs nothing beyond itself: ``desktop_auth`` never loads Qt,
``desktop_auth.qt`` not every widget module, ``desktop_auth.i18n`` no XML parser.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping


def lazy_names(
    package: str, exports: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``exports`` maps each name loaded
    on first use to the submodule (relative to ``package``) that defines it; ``dir()`` lists
    ``public``. A loaded name is kept in the package, so it is looked up once."""
    names = sorted(public)

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__
