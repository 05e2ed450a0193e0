"""The public API is exactly ``__all__`` of desktop_auth, desktop_auth.qt and
desktop_auth.resource: each name importable and documented, and importing any of them stays
cheap (no Qt, nothing heavy)."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest

import desktop_auth

PUBLIC_PACKAGES = ("desktop_auth", "desktop_auth.qt", "desktop_auth.resource")


def own_doc(obj: object) -> str:
    """``obj``'s own docstring: for a class, not one inherited from a base class."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return (doc or "").strip()


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_the_public_names_are_exactly_all(package: str) -> None:
    module = importlib.import_module(package)
    names = module.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n)), "keep __all__ sorted"
    assert len(set(names)) == len(names)
    assert dir(module) == sorted(names)
    for name in names:
        getattr(module, name)
    # Anything else the package holds is private by name, or a submodule (to be made private
    # in a later change), or the TYPE_CHECKING constant.
    others = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name not in names
        and name != "TYPE_CHECKING"
        and not isinstance(value, types.ModuleType)
    }
    assert others == set()


@pytest.mark.parametrize(
    ("package", "name"),
    [
        (package, name)
        for package in PUBLIC_PACKAGES
        for name in importlib.import_module(package).__all__
    ],
)
def test_each_public_name_imports_and_has_a_docstring(package: str, name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {package} import {name} as value", namespace)  # noqa: S102 - a fixed statement

    assert own_doc(namespace["value"]), f"{package}.{name} has no docstring"


def test_desktop_auth_qt_public_methods_are_documented() -> None:
    from desktop_auth.qt import DesktopAuth

    undocumented = [
        name
        for name, member in vars(DesktopAuth).items()
        if not name.startswith("_") and callable(member) and not own_doc(member)
    ]
    assert undocumented == []


def test_the_package_is_typed() -> None:
    assert (Path(desktop_auth.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_importing_a_public_package_loads_no_qt_and_nothing_heavy(package: str) -> None:
    heavy = ("PyQt5", "requests", "joserfc", "cryptography", "sqlite3", "tomllib", "typing")
    code = (
        f"import sys\nimport {package}\nprint(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == ""


def test_using_the_qt_free_names_loads_no_qt() -> None:
    code = (
        "import sys\n"
        "import desktop_auth\n"
        "for name in desktop_auth.__all__:\n"
        "    getattr(desktop_auth, name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'PyQt5'))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "[]"
