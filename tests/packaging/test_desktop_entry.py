"""The menu entry: resources/desktop-auth.desktop validates, and `make install-desktop` installs
it (with an Exec that runs) and the icons for the current user; `uninstall-desktop` removes them."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DESKTOP_FILE = REPO_ROOT / "resources" / "desktop-auth.desktop"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

pytestmark = pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="needs desktop-file-validate (desktop-file-utils; make deps installs it)",
)


def validate(path: Path) -> str:
    """desktop-file-validate's complaints (errors, warnings and hints); empty when none."""
    result = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, timeout=30
    )
    complaints = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, complaints
    return complaints


def entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path)
    return parser["Desktop Entry"]


def user_environment(tmp_path: Path) -> dict[str, str]:
    """A make of our own (not the `make test` running us) for a user whose home is tmp_path."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    }
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_desktop_entry_validates_without_a_hint():
    assert validate(DESKTOP_FILE) == ""
    desktop = entry(DESKTOP_FILE)
    assert desktop["Icon"] == "desktop-auth"
    assert desktop["StartupWMClass"] == "desktop-auth"


def test_install_desktop_adds_the_entry_and_icons_and_uninstall_removes_them(tmp_path):
    env = user_environment(tmp_path)
    data = tmp_path / "data"
    installed = data / "applications" / "desktop-auth.desktop"
    hicolor = data / "icons" / "hicolor"
    icons = [hicolor / f"{n}x{n}" / "apps" / "desktop-auth.png" for n in ICON_SIZES]
    svg = hicolor / "scalable" / "apps" / "desktop-auth.svg"

    run(["make", "--no-print-directory", "install-desktop"], env)

    validate(installed)
    [program] = shlex.split(entry(installed)["Exec"])
    # The built folder when `make dist` has run, else the venv's command; absolute either way.
    assert program in {
        str(REPO_ROOT / "dist" / "desktop-auth" / "desktop-auth"),
        str(REPO_ROOT / ".venv" / "bin" / "desktop-auth"),
    }
    assert os.access(program, os.X_OK)
    for size, icon in zip(ICON_SIZES, icons, strict=True):
        source = REPO_ROOT / "resources" / "icons" / f"desktop-auth-{size}.png"
        assert icon.read_bytes() == source.read_bytes()
    assert svg.read_bytes() == (REPO_ROOT / "resources" / "icons" / "desktop-auth.svg").read_bytes()
    assert not (tmp_path / "home").exists()  # nothing outside XDG_DATA_HOME

    run(["make", "--no-print-directory", "uninstall-desktop"], env)

    assert not installed.exists()
    assert not any(icon.exists() for icon in [*icons, svg])


def test_a_program_path_with_spaces_is_quoted_in_exec(tmp_path):
    program = tmp_path / "My Apps" / "desktop-auth"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    env = user_environment(tmp_path)

    run([str(REPO_ROOT / "packaging" / "install-desktop.sh"), "install", str(program)], env)

    installed = tmp_path / "data" / "applications" / "desktop-auth.desktop"
    validate(installed)
    assert entry(installed)["Exec"] == f'"{program}"'
    assert shlex.split(entry(installed)["Exec"]) == [str(program)]
