"""The Qt layer: AuthEvents signals, background workers and the sign-in widgets."""

from desktop_auth.qt.events import AuthEvents
from desktop_auth.qt.workers import (
    BackgroundSlot,
    Worker,
    WorkerSignals,
    connect_in_background,
    run_in_background,
)

__all__ = [
    "AuthEvents",
    "BackgroundSlot",
    "Worker",
    "WorkerSignals",
    "connect_in_background",
    "run_in_background",
]
