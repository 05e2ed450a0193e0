"""Whether Caps Lock is on, where the platform can tell (X11 through Xkb), else unknown.

ctypes and libX11 are loaded when the state is first asked (the first focus in a field),
not when the module is imported on the path that shows the login window.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import TYPE_CHECKING, Any

from PyQt5.QtGui import QGuiApplication

if TYPE_CHECKING:
    import ctypes

log = logging.getLogger(__name__)

XKB_USE_CORE_KBD = 0x0100
LOCK_MASK = 0x02  # X11's Lock modifier, which Caps Lock locks


@functools.cache
def _xkb_state() -> Any:
    """The XkbStateRec structure of X11/XKBlib.h."""
    import ctypes

    class XkbState(ctypes.Structure):
        _fields_ = [
            ("group", ctypes.c_ubyte),
            ("locked_group", ctypes.c_ubyte),
            ("base_group", ctypes.c_ushort),
            ("latched_group", ctypes.c_ushort),
            ("mods", ctypes.c_ubyte),
            ("base_mods", ctypes.c_ubyte),
            ("latched_mods", ctypes.c_ubyte),
            ("locked_mods", ctypes.c_ubyte),
            ("compat_state", ctypes.c_ubyte),
            ("grab_mods", ctypes.c_ubyte),
            ("compat_grab_mods", ctypes.c_ubyte),
            ("lookup_mods", ctypes.c_ubyte),
            ("compat_lookup_mods", ctypes.c_ubyte),
            ("ptr_buttons", ctypes.c_ushort),
        ]

    return XkbState


@functools.cache
def _x11() -> tuple[ctypes.CDLL, int] | None:
    """libX11 and a display connection of our own, or None where there is no X11."""
    if QGuiApplication.platformName() != "xcb" or not os.environ.get("DISPLAY"):
        return None
    import ctypes

    try:
        lib = _load_x11()
        if lib is None:
            return None
        lib.XOpenDisplay.restype = ctypes.c_void_p
        lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        lib.XkbGetState.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.POINTER(_xkb_state()),
        ]
        display = lib.XOpenDisplay(None)
    except (OSError, AttributeError) as exc:
        log.info("Caps Lock state unavailable: %s", exc)
        return None
    return (lib, display) if display else None


def _load_x11() -> ctypes.CDLL | None:
    """libX11 by its stable soname; only where that fails, ``find_library``, which runs
    ldconfig in a subprocess (some 10 ms, too slow for the first focus in the login window)."""
    import ctypes

    try:
        return ctypes.CDLL("libX11.so.6")
    except OSError:
        pass
    from ctypes.util import find_library

    name = find_library("X11")
    return ctypes.CDLL(name) if name is not None else None


def caps_lock_on() -> bool | None:
    """True or False where the platform says; None where it cannot (then letters tell)."""
    x11 = _x11()
    if x11 is None:
        return None
    import ctypes

    lib, display = x11
    state = _xkb_state()()
    if lib.XkbGetState(display, XKB_USE_CORE_KBD, ctypes.byref(state)) != 0:
        return None
    return bool(state.locked_mods & LOCK_MASK)
