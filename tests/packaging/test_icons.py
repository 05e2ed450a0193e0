"""The app icon: one SVG, PNGs rendered from it at every size, and the copies the app loads."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PyQt5.QtCore import QSize

import desktop_auth
from desktop_auth.qt.icons import ICON_SIZES, app_icon

REPO_ROOT = Path(__file__).resolve().parents[2]
ICONS = REPO_ROOT / "resources" / "icons"
PACKAGED_ICONS = Path(desktop_auth.__file__).parent / "resources" / "icons"
# What `make icons` renders and `make install-desktop` installs (hicolor/<n>x<n>/apps).
RENDERED_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ACCENT = "#2f6fed"  # the accent of the app's windows (desktop_auth/qt/style.py)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (the IHDR chunk comes first)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("size", RENDERED_SIZES)
def test_each_rendered_png_has_the_size_its_name_says(size):
    assert png_size(ICONS / f"desktop-auth-{size}.png") == (size, size)


def test_the_svg_is_square_and_drawn_in_the_apps_accent_colour():
    svg = ICONS / "desktop-auth.svg"
    root = ET.parse(svg).getroot()  # noqa: S314 - our own file

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _, _, width, height = (float(n) for n in root.attrib["viewBox"].split())
    assert width == height
    assert ACCENT in svg.read_text()


def test_the_packaged_icons_are_copies_of_the_resources_ones():
    """The app reads its icons from the package; `make icons` copies them there."""
    packaged = sorted(path.name for path in PACKAGED_ICONS.glob("*.png"))

    assert packaged == sorted(f"desktop-auth-{size}.png" for size in ICON_SIZES)
    for name in packaged:
        assert (PACKAGED_ICONS / name).read_bytes() == (ICONS / name).read_bytes(), name


def test_the_app_icon_offers_every_packaged_size(qapp):
    icon = app_icon()

    assert not icon.isNull()
    assert icon.availableSizes() == [QSize(size, size) for size in ICON_SIZES]
