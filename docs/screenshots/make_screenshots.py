"""Screenshots of the login window and the workspace (light, dark, 200%) for the README.

Runs the real app (`python main.py` on a temporary --data-dir) on a private Xvfb screen, signs
alice in with xdotool keystrokes as a user would, and saves each window, cropped to itself, in
this folder: login-light.png, workspace-light.png, login-dark.png, workspace-dark.png,
login-200.png and workspace-200.png. The theme is forced with DESKTOP_AUTH_THEME, the scale
with QT_SCALE_FACTOR.

    make screenshots                    # or: .venv/bin/python docs/screenshots/make_screenshots.py

Needs Xvfb, xdotool and ImageMagick (`make deps` installs them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from keyring.backend import KeyringBackend

if TYPE_CHECKING:
    from tests.virtual_display import VirtualDisplay

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Room for the workspace at 200% (1960x1280) in the middle of the screen.
SCREEN = "2560x1600x24"
# The embedded server starts in the background; its address replaces "Starting…" by then.
SERVER_START_S = 4.0
# The "Signed in" notice covers the bottom of the workspace for NOTICE_MS (4 s).
NOTICE_GONE_S = 5.0
# Typing in the editor: a document being written, as in real use.
EDITOR_TEXT = "Q4 plan: hire two engineers, ship 0.2 in November."


@dataclass(frozen=True)
class Variant:
    suffix: str  # login-<suffix>.png, workspace-<suffix>.png
    theme: str
    scale: int


VARIANTS = (Variant("light", "light", 1), Variant("dark", "dark", 1), Variant("200", "light", 2))


class ScreenshotKeyring(KeyringBackend):
    """A keyring in the app's memory: Xvfb has no Secret Service, and without a keyring the
    login window would show "Stay signed in" disabled, as it does on such a computer.
    The app uses it through keyring's own PYTHON_KEYRING_BACKEND setting."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._passwords.pop((service, username), None)


def capture(display: VirtualDisplay, window: str, path: Path) -> None:
    """``window`` alone (no desktop around it), as a small PNG: lossless, metadata stripped."""
    time.sleep(1.0)  # let it paint
    raw = path.with_suffix(".raw.png")
    subprocess.run(["import", "-window", window, str(raw)], env=display.env, check=True)
    subprocess.run(
        ["convert", str(raw), "-strip", "-define", "png:compression-level=9", str(path)],
        check=True,
    )
    raw.unlink()
    print(f"{path}: {path.stat().st_size // 1024} KiB")


def shoot(variant: Variant, out_dir: Path) -> None:
    from desktop_auth.app.embedded import DEMO_ACCOUNTS
    from tests.virtual_display import VirtualDisplay, start_xvfb

    alice = DEMO_ACCOUNTS[0]
    xvfb, name = start_xvfb(SCREEN)
    display = VirtualDisplay(name)
    with tempfile.TemporaryDirectory(prefix="desktop-auth-screenshots-") as tmp:
        runtime_dir = Path(tmp, "xdg-runtime")
        runtime_dir.mkdir(mode=0o700)
        env = {
            **display.env,
            "QT_QPA_PLATFORM": "xcb",
            "XDG_RUNTIME_DIR": str(runtime_dir),
            "DESKTOP_AUTH_THEME": variant.theme,
            "QT_SCALE_FACTOR": str(variant.scale),
            "QT_FONT_DPI": "96",  # 100%, whatever Xvfb's screen size makes of its DPI
            "PYTHON_KEYRING_BACKEND": "docs.screenshots.make_screenshots.ScreenshotKeyring",
        }
        app = subprocess.Popen(
            [sys.executable, "main.py", "--data-dir", str(Path(tmp, "data"))],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            login = display.wait_for_window("Sign in")
            time.sleep(SERVER_START_S)
            # The username typed, the focus (and its ring) in the password field.
            display.xdotool("type", "--delay", "40", alice.username)
            display.xdotool("key", "Tab")
            display.xdotool("type", "--delay", "20", alice.password)
            capture(display, login, out_dir / f"login-{variant.suffix}.png")

            display.xdotool("key", "Return")
            workspace = display.wait_for_window("Workspace", timeout=60)
            # A document chosen in the table and being written in the editor (focus ring).
            display.xdotool("key", "Tab", "Down", "Tab")
            display.xdotool("type", "--delay", "10", EDITOR_TEXT)
            time.sleep(NOTICE_GONE_S)
            capture(display, workspace, out_dir / f"workspace-{variant.suffix}.png")

            display.xdotool("key", "ctrl+q")
            app.wait(30)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait(10)
            xvfb.terminate()
            xvfb.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNGs")
    parser.add_argument(
        "--only", choices=[v.suffix for v in VARIANTS], action="append", help="just these"
    )
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        if not options.only or variant.suffix in options.only:
            shoot(variant, options.out.resolve())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))  # desktop_auth, and tests.virtual_display's helpers
    sys.exit(main())
