"""Sphinx configuration for the desktop-auth documentation (``make docs``)."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from docutils.nodes import Element, Node
from docutils.statemachine import StringList
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext.autosummary import Autosummary

# Autodoc imports desktop_auth.qt, which needs no display with the offscreen platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

project = "desktop-auth"
author = "the desktop-auth authors"
copyright = "the desktop-auth authors"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "screenshots/*.py"]

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# The tables link to the autodoc entries on the same page; no stub pages are written.
autosummary_generate = False
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"

# Nitpicky (-n) checks every cross-reference. There is no intersphinx (the build must not need
# the network), so the standard library's and PyQt5's classes, named in type hints and base
# classes, have nothing to link to.
_EXTERNAL_MODULES = [
    "PyQt5",
    "blinker",
    "django",
    "fastapi",
    "flask",
    "rest_framework",
    "starlette",
    r"collections\.abc",
    "contextlib",
    "datetime",
    "enum",
    "logging",
    "pathlib",
    "sqlite3",
    "ssl",
    "types",
    "typing",
]
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_EXTERNAL_MODULES)})\..*"),
    (r"py:.*", r"Q[A-Z]\w*|Path|datetime"),
]
# Internal types that public signatures name; documented where they are defined, not here.
nitpick_ignore = [
    ("py:class", "desktop_auth.oidc.browser.AuthorizationDeniedError"),
    ("py:class", "desktop_auth.oidc.http.JsonResponse"),
    ("py:class", "desktop_auth.oidc.server_clock.ServerClock"),
    ("py:class", "desktop_auth.qt.notifications.Notice"),
    ("py:class", "desktop_auth.qt.style.Scheme"),
    ("py:class", "desktop_auth.resource.flask.View"),
    ("py:class", "desktop_auth.resource.django.View"),
    # Django's request and response, as desktop_auth.resource.django's signatures name them.
    ("py:class", "HttpRequest"),
    ("py:class", "HttpResponse"),
]

html_theme = "alabaster"
html_title = "desktop-auth"


def _documented_name(module: ModuleType, name: str) -> str:
    """``name`` of ``module`` as the reference documents it: under ``desktop_auth`` when that
    exports the same object (see ``skip_names_documented_at_the_top``)."""
    import desktop_auth

    value = getattr(module, name)
    exported = module is not desktop_auth and name in getattr(desktop_auth, "__all__", ())
    if exported and getattr(desktop_auth, name) is value:
        return f"desktop_auth.{name}"
    return name


class AutosummaryAll(Autosummary):
    """``.. autosummary-all::``: a table of the current module's public names.

    The names are the module's ``__all__`` or, without one, what it defines itself and does
    not start with an underscore; so the table follows the code without a hand-kept list.
    """

    required_arguments = 0
    has_content = False

    def run(self) -> list[Node]:
        module = importlib.import_module(self.env.ref_context["py:module"])
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                name
                for name, value in vars(module).items()
                if not name.startswith("_")
                and getattr(value, "__module__", None) == module.__name__
            ]
        self.content = StringList([_documented_name(module, name) for name in names])
        self.options.setdefault("nosignatures", True)
        return super().run()


def _signal_source(qualified_name: str) -> tuple[str, list[str]]:
    """How the signal ``qualified_name`` is declared in its class (``pyqtSignal(Session)``),
    and the comments on it: the lines just above and the rest of its line."""
    module_name, class_name, signal_name = qualified_name.rsplit(".", 2)
    owner = getattr(importlib.import_module(module_name), class_name)
    lines, _ = inspect.getsourcelines(owner)
    for index, line in enumerate(lines):
        match = re.match(rf"\s*{signal_name}\s*=\s*(pyqtSignal\([^#]*?\))\s*(?:#\s*(.*))?$", line)
        if match:
            comments = []
            for above in reversed(lines[:index]):
                if not above.strip().startswith("#"):
                    break
                comments.insert(0, above.strip().lstrip("#").strip())
            if match.group(2):
                comments.append(match.group(2))
            return match.group(1), comments
    return "pyqtSignal(...)", []


def describe_value(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Replace the docstrings a value only inherits from its type.

    A signal's is PyQt's help on ``pyqtSignal``: show how the signal is declared and the
    comments on it instead. A constant's (``str``, ``tuple``) says nothing about it: drop it.
    """
    from PyQt5.QtCore import pyqtSignal

    if isinstance(obj, pyqtSignal):
        declaration, comments = _signal_source(name)
        lines[:] = [f"Qt signal: ``{declaration}``.", "", *comments]
    elif what in ("data", "attribute") and not isinstance(obj, type):
        inherited = getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None)
        if inherited:
            lines.clear()


def skip_translation_helper(
    app: Sphinx, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """``tr``, the Qt classes' translation helper, is not part of their API."""
    return True if what == "class" and name == "tr" else None


def skip_names_documented_at_the_top(
    app: Sphinx, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """A name ``desktop_auth`` exports is documented there, under its public name, and not
    again in the module that defines it (whose page links to it)."""
    if what != "module" or app.env.temp_data.get("autodoc:module") == "desktop_auth":
        return None
    import desktop_auth

    exported = getattr(desktop_auth, "__all__", ())
    if name in exported and getattr(desktop_auth, name) is obj:
        return True
    return None


def resolve_short_names(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: Element
) -> Element | None:
    """Resolve a bare class name (``RoleMapper``), as type hints written under
    ``TYPE_CHECKING`` leave them, when exactly one documented object has that name."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target or "." in target:
        return None
    domain = env.get_domain("py")
    matches = {
        full_name
        for full_name, entry in domain.objects.items()  # type: ignore[attr-defined]
        if full_name.rpartition(".")[2] == target and not entry.aliased
    }
    if len(matches) != 1:
        return None
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], matches.pop(), node, contnode
    )


def setup(app: Sphinx) -> None:
    app.connect("autodoc-skip-member", skip_names_documented_at_the_top)
    app.connect("missing-reference", resolve_short_names)
    app.add_directive("autosummary-all", AutosummaryAll)
    app.connect("autodoc-process-docstring", describe_value)
    app.connect("autodoc-skip-member", skip_translation_helper)
