"""Only desktop_auth.qt and desktop_auth.app may use Qt (DESIGN.md, "Layering")."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import desktop_auth

PACKAGE_DIR = Path(desktop_auth.__file__).resolve().parent
QT_LAYERS = ("desktop_auth.qt", "desktop_auth.app")
QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2", "PySide6", "sip", "qtpy")
DYNAMIC_IMPORTERS = ("import_module", "__import__")


def _is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _module_name(path: Path, package_dir: Path) -> str:
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The absolute module names an ImportFrom can load (the module, or its submodules)."""
    if node.level == 0:
        base = node.module or ""
    else:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, node.module] if node.module else anchor)
    # `from desktop_auth import qt` loads desktop_auth.qt.
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def qt_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Each import in source that loads a Qt binding or the Qt layer, as 'line N: name'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = _absolute(node, module, is_package)
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id in DYNAMIC_IMPORTERS)
                or (isinstance(node.func, ast.Attribute) and node.func.attr in DYNAMIC_IMPORTERS)
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        else:
            continue
        offending = [
            name for name in names if _is_within(name, QT_BINDINGS) or _is_within(name, QT_LAYERS)
        ]
        if offending:
            found.append(f"line {node.lineno}: {offending[0]}")
    return found


def _library_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if not _is_within(_module_name(path, PACKAGE_DIR), QT_LAYERS)
    ]


def test_the_walk_sees_the_library_and_skips_the_qt_layers():
    names = {_module_name(path, PACKAGE_DIR) for path in _library_modules()}
    assert {"desktop_auth", "desktop_auth.cli"} <= names
    assert not any(_is_within(name, QT_LAYERS) for name in names)


def test_no_module_outside_qt_and_app_imports_qt():
    violations = []
    for path in _library_modules():
        module = _module_name(path, PACKAGE_DIR)
        source = path.read_text(encoding="utf-8")
        for found in qt_imports(source, module, is_package=path.name == "__init__.py"):
            violations.append(f"{path.relative_to(PACKAGE_DIR.parent)} {found}")
    assert violations == [], "Qt imported below desktop_auth.qt:\n" + "\n".join(violations)


def _imports_of(source: str, module: str, is_package: bool) -> list[str]:
    """Every module name an import in ``source`` can load, with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [(node.lineno, name) for name in _absolute(node, module, is_package)]
    return [f"line {line}: {name}" for line, name in found]


def test_the_qt_library_layer_does_not_use_the_reference_app():
    """desktop_auth.qt is the library developers build on; desktop_auth.app, the reference
    app, is built on it and never the other way round."""
    violations = []
    for path in sorted((PACKAGE_DIR / "qt").rglob("*.py")):
        module = _module_name(path, PACKAGE_DIR)
        source = path.read_text(encoding="utf-8")
        for found in _imports_of(source, module, path.name == "__init__.py"):
            if _is_within(found.split(": ", 1)[1], ("desktop_auth.app",)):
                violations.append(f"{path.relative_to(PACKAGE_DIR.parent)} {found}")
    assert violations == [], "desktop_auth.qt imports the app:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("import PyQt5.QtCore", "desktop_auth.oidc.flows", False),
        ("from PyQt5 import QtCore", "desktop_auth.oidc.flows", False),
        ("from PyQt5.QtCore import QObject", "desktop_auth.oidc.flows", False),
        ("def f():\n    import PyQt5.QtWidgets", "desktop_auth.settings", False),
        ("from desktop_auth.qt import AuthEvents", "desktop_auth.settings", False),
        ("from desktop_auth import qt", "desktop_auth.settings", False),
        ("from ..qt.events import AuthEvents", "desktop_auth.oidc.flows", False),
        ("from . import app", "desktop_auth.cli", False),
        ("from .qt import AuthEvents", "desktop_auth", True),
        ("importlib.import_module('PyQt5.QtCore')", "desktop_auth.secrets", False),
        ("__import__('PyQt5')", "desktop_auth.secrets", False),
    ],
)
def test_checker_catches_qt_imports(source, module, is_package):
    assert qt_imports(source, module, is_package)


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("import requests", "desktop_auth.oidc.flows", False),
        ("from .discovery import Discovery", "desktop_auth.oidc.flows", False),
        ("from ..permissions import Policy", "desktop_auth.oidc.flows", False),
        ("from desktop_auth import permissions", "desktop_auth.cli", False),
        ("import sipsmith  # shares a prefix with sip", "desktop_auth.cli", False),
        ("text = 'import PyQt5'", "desktop_auth.cli", False),
    ],
)
def test_checker_allows_other_imports(source, module, is_package):
    assert qt_imports(source, module, is_package) == []


def test_cli_runs_without_loading_qt():
    script = textwrap.dedent(
        """
        import sys
        from desktop_auth import cli
        try:
            cli.main(["--help"])
        except SystemExit:
            pass
        print(sorted(name for name in sys.modules if name.split(".")[0] == "PyQt5"))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"
