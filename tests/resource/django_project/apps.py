"""The test project's app: connects its receivers, and exits when the test's pipe closes."""

from __future__ import annotations

import os
import sys
import threading

from django.apps import AppConfig


def _exit_when_stdin_closes() -> None:
    while sys.stdin.buffer.read(4096):
        pass  # nothing is sent on stdin; only its end matters
    os._exit(0)


class ApiTestConfig(AppConfig):
    name = "tests.resource.django_project"
    label = "api_test"

    def ready(self) -> None:
        from tests.resource.django_project import receivers  # noqa: F401

        # A test run that is killed leaves no server behind.
        threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
