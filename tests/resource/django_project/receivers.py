"""Receivers that write what they were given to SIGNAL_LOG (JSON lines) for the tests to read.

``slow``: on /slow an access_granted receiver sleeps 2 s first. ``failing``: an access_denied
receiver that raises, before the one that records (both run). ``core``: a blinker receiver of
the core's signal, heard for Django requests too.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from desktop_auth.resource import signals as core_signals
from desktop_auth.resource.django import access_denied, access_granted, token_rejected

_lock = threading.Lock()


def record(name: str, sender: Any, **kwargs: Any) -> None:
    kwargs.pop("signal", None)  # the Django Signal object
    entry: dict[str, Any] = {
        "signal": name,
        "sender": getattr(sender, "__qualname__", repr(sender)),
        "thread": threading.current_thread().name,
        "at": time.time(),
        "kwargs": sorted(kwargs),
        "repr": repr(kwargs),
        "str": [str(value) for value in kwargs.values()],
    }
    if "request" in kwargs:
        entry["request"] = asdict(kwargs["request"])
    if "principal" in kwargs:
        principal = kwargs["principal"]
        entry["principal"] = {
            "username": principal.username,
            "permissions": sorted(principal.permissions),
            "claims": repr(dict(principal.claims)),
        }
        entry["permission"] = kwargs["permission"]
    if "error" in kwargs:
        entry["error"] = [type(kwargs["error"]).__name__, kwargs["error"].description]
    with _lock, open(settings.SIGNAL_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


@receiver(access_granted)
def slow(sender: Any, request: Any, **kwargs: Any) -> None:
    if request.path == "/slow":
        time.sleep(2)
        record("slow", sender, request=request)


@receiver(access_granted)
def granted(sender: Any, **kwargs: Any) -> None:
    record("access_granted", sender, **kwargs)


@receiver(access_denied)
def failing(sender: Any, **kwargs: Any) -> None:
    raise RuntimeError("a receiver that fails")


@receiver(access_denied)
def denied(sender: Any, **kwargs: Any) -> None:
    record("access_denied", sender, **kwargs)


@receiver(token_rejected)
def rejected(sender: Any, **kwargs: Any) -> None:
    record("token_rejected", sender, **kwargs)


@core_signals.access_granted.connect
def core(sender: Any, **kwargs: Any) -> None:
    record("core_access_granted", sender, **kwargs)
