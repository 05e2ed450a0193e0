"""The documentation builds without a warning, and documents every public name."""

from __future__ import annotations

import importlib
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = ("desktop_auth", "desktop_auth.qt", "desktop_auth.resource")
# As `make docs` builds them: every page read (-E), every reference checked (-n), and any
# warning an error (-W), all reported (--keep-going).
SPHINX_BUILD = (sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-n", "-q")


def documented_names(inventory: Path) -> set[str]:
    """The Python object names in a Sphinx ``objects.inv`` (four header lines, then zlib)."""
    header, _, body = inventory.read_bytes().partition(b"zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2"), header
    names = set()
    for line in zlib.decompress(body).decode("utf-8").splitlines():
        name, role = line.split(" ", 2)[:2]
        if role.startswith("py:"):
            names.add(name)
    return names


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    result = subprocess.run(
        [*SPHINX_BUILD, "-b", "html", str(ROOT / "docs"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"make docs fails:\n{result.stderr}{result.stdout}"
    return out


@pytest.mark.slow
def test_docs_build_without_warnings(built_docs: Path) -> None:
    for page in ("quickstart", "signals", "permissions", "security", "admin", "SERVER"):
        assert (built_docs / f"{page}.html").is_file(), page


@pytest.mark.slow
@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_in_the_api_reference(built_docs: Path, module_name: str) -> None:
    module = importlib.import_module(module_name)
    documented = documented_names(built_docs / "objects.inv")
    missing = [name for name in module.__all__ if f"{module_name}.{name}" not in documented]
    assert not missing, f"{module_name}.__all__ names missing from the API reference: {missing}"
