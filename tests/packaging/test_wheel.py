"""The sdist and wheel (`python -m build`): their metadata passes `twine check`, the wheel
carries every file the installed package reads at run time, and it installs into a clean venv
where the library imports without Qt and examples/minimal_app.py signs in on Xvfb."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_auth.qt.notifications import NOTICE_MS
from tests.packaging.conftest import REPO_ROOT, desktop_environment
from tests.server.conftest import ALICE, BOB, LiveServer
from tests.virtual_display import VirtualDisplay

BUILD_TIMEOUT_S = 300
# The label of an enabled button is drawn near black, a disabled one's grey: the darkest pixel
# of the example's editor (only the button) is below the first for alice, above the second
# for bob (0.14 and 0.52 in the bundled style).
ENABLED_LABEL_AT_MOST = 0.35
DISABLED_LABEL_AT_LEAST = 0.45
SIGN_IN_TITLE = "Sign in"


@dataclass(frozen=True)
class Distribution:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def distribution(tmp_path_factory: pytest.TempPathFactory) -> Distribution:
    """The sdist, and the wheel `build` makes from it, as a release is made."""
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert build.returncode == 0, f"python -m build failed:\n{build.stdout}\n{build.stderr}"
    (sdist,) = out.glob("desktop_auth-*.tar.gz")
    (wheel,) = out.glob("desktop_auth-*.whl")
    return Distribution(sdist, wheel)


def test_the_sdist_and_the_wheel_pass_twine_check(distribution: Distribution) -> None:
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "twine",
            "check",
            "--strict",
            distribution.sdist,
            distribution.wheel,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_wheel_has_the_migrations_templates_and_resources(distribution: Distribution) -> None:
    names = set(zipfile.ZipFile(distribution.wheel).namelist())

    # Alembic reads the migration scripts from disk: without them `init` cannot create tables.
    for migration in (REPO_ROOT / "desktop_auth/server/migrations/versions").glob("*.py"):
        assert f"desktop_auth/server/migrations/versions/{migration.name}" in names
    for expected in (
        "desktop_auth/server/migrations/env.py",
        "desktop_auth/server/migrations/script.py.mako",
        "desktop_auth/resources/permissions.toml",
        "desktop_auth/py.typed",
    ):
        assert expected in names
    assert any(name.startswith("desktop_auth/server/templates/") for name in names)
    assert any(name.startswith("desktop_auth/resources/icons/") for name in names)


# --- installed into a clean venv ----------------------------------------------------------------


@pytest.fixture(scope="module")
def venv_python(distribution: Distribution, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv (no system site-packages) with the wheel and its dependencies installed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(distribution.wheel)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert install.returncode == 0, f"pip install failed:\n{install.stdout}\n{install.stderr}"
    return python


# The non-Qt parts, then what they loaded, as JSON.
WHAT_THE_LIBRARY_LOADS = """
import json, sys
import desktop_auth, desktop_auth.permissions, desktop_auth.oidc, desktop_auth.session
policy = desktop_auth.permissions.PermissionPolicy.default()
print(json.dumps({
    "file": desktop_auth.__file__,
    "qt": sorted(name for name in sys.modules if name.split(".")[0] in ("PyQt5", "sip")),
    "editor": sorted(policy.permissions_for(["editor"])),
}))
"""


def run_isolated(python: Path, code: str, cwd: Path) -> str:
    """Run ``code`` with -I (no PYTHONPATH, no script or current directory on sys.path), away
    from the checkout, so only what the venv installed can be imported."""
    result = subprocess.run(
        [python, "-I", "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_the_installed_library_imports_without_qt(venv_python: Path, tmp_path: Path) -> None:
    loaded = json.loads(run_isolated(venv_python, WHAT_THE_LIBRARY_LOADS, tmp_path))

    assert Path(loaded["file"]).is_relative_to(venv_python.parent.parent)
    assert loaded["qt"] == []
    # The bundled policy is read from the installed package's data.
    assert loaded["editor"] == ["documents.read", "documents.write", "reports.view"]
    for script in ("desktop-auth", "desktop-auth-cli", "desktop-auth-server"):
        assert (venv_python.parent / script).exists()


def app_windows(display: VirtualDisplay, pid: int) -> dict[str, str]:
    """The visible normal windows of process ``pid`` (not its tooltips or pop-ups), by id,
    with their titles: what a task bar lists."""
    try:
        found = display.xdotool("search", "--onlyvisible", "--pid", str(pid)).split()
    except subprocess.CalledProcessError:  # xdotool says 1 when nothing matches
        return {}
    return {
        window: display.xdotool("getwindowname", window)
        for window in found
        if "_NET_WM_WINDOW_TYPE_NORMAL" in display.window_property(window, "_NET_WM_WINDOW_TYPE")
    }


def wait_for_main_window(display: VirtualDisplay, app: subprocess.Popen[bytes]) -> str:
    """The example's main window, once it has taken the login window's place."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert app.poll() is None, f"the example exited with {app.returncode}"
        windows = app_windows(display, app.pid)
        if windows and not any(SIGN_IN_TITLE in title for title in windows.values()):
            (main_window,) = windows
            return main_window
        time.sleep(0.2)
    raise AssertionError("no window took the login window's place")


def darkest_pixel(display: VirtualDisplay, window: str, path: Path) -> float:
    """The darkest grey level (0 black, 1 white) in a screenshot of ``window``."""
    time.sleep(1.0)  # painted
    subprocess.run(["import", "-window", window, str(path)], env=display.env, check=True)
    level = subprocess.run(
        ["convert", str(path), "-colorspace", "gray", "-format", "%[fx:minima]", "info:"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(level)


@pytest.mark.slow
@pytest.mark.parametrize(("account", "can_save"), [(ALICE, True), (BOB, False)])
def test_the_minimal_example_signs_in_with_the_installed_wheel_on_xvfb(
    venv_python: Path,
    server: LiveServer,
    virtual_display: VirtualDisplay,
    tmp_path: Path,
    account: tuple[str, str],
    can_save: bool,
) -> None:
    # As a user would: the example copied out of the checkout, run by the venv's Python.
    example = tmp_path / "minimal_app.py"
    shutil.copy(REPO_ROOT / "examples" / "minimal_app.py", example)
    output_path = tmp_path / "example-output.txt"
    with output_path.open("w") as output:
        app = subprocess.Popen(
            [venv_python, "-I", example, "--issuer", server.url, "--client-id", "desktop-auth"],
            cwd=tmp_path,
            env=desktop_environment(tmp_path, virtual_display.name),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        login = virtual_display.wait_for_window(SIGN_IN_TITLE)
        assert login in app_windows(virtual_display, app.pid)
        virtual_display.sign_in(*account)

        editor = wait_for_main_window(virtual_display, app)
        # The "Signed in" notice shows over the window for a while: let it go, so that the
        # screenshot shows the button.
        time.sleep(NOTICE_MS / 1000 + 1.0)
        darkest = darkest_pixel(virtual_display, editor, tmp_path / "editor.png")
        if can_save:
            assert darkest <= ENABLED_LABEL_AT_MOST, "Save is drawn disabled"
        else:
            assert darkest >= DISABLED_LABEL_AT_LEAST, "Save is drawn enabled"
    finally:
        app.terminate()
        app.wait(30)
        print(output_path.read_text())
