"""Command line and start-up of the reference desktop app (`desktop-auth`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desktop_auth.i18n.languages import UnknownLanguageError, available, language_code

if TYPE_CHECKING:
    from desktop_auth.diagnostics import DiagnosticLog

APP_NAME = "desktop-auth"


def _language(text: str) -> str:
    """--lang's value as a language code; a usage error naming the available ones."""
    try:
        return language_code(text)
    except UnknownLanguageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _api_url(text: str) -> str:
    """--api's value: an http(s) URL with a host (plain http only on loopback, checked when
    the pages call it)."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text.rstrip("/")


def build_parser() -> argparse.ArgumentParser:
    """The `desktop-auth` command line, as documented in DESIGN.md."""
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Sign in to an OAuth 2 / OpenID Connect identity server from the desktop.",
    )
    parser.add_argument(
        "--issuer",
        metavar="URL",
        help="identity server to sign in to; without it the bundled server is started "
        "on 127.0.0.1 with demo accounts",
    )
    parser.add_argument("--client-id", metavar="ID", help="OAuth client id registered for this app")
    parser.add_argument(
        "--api",
        metavar="URL",
        type=_api_url,
        help="the documents service (the example API, ending in /api) the documents and "
        "reports pages load from; without --issuer the one started beside the bundled "
        "server, else none: the pages show local sample content",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="where the activity log and settings live "
        "(default: $DESKTOP_AUTH_DATA_DIR, else the platform's user data dir)",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="PEM",
        type=Path,
        help="trust the CA certificates in this PEM file instead of the system's",
    )
    parser.add_argument(
        "--permissions",
        metavar="TOML",
        type=Path,
        help="roles-to-permissions policy to use instead of the bundled one",
    )
    parser.add_argument(
        "--allow-password-grant",
        action="store_true",
        help="allow the legacy password grant when the server offers no native sign-in",
    )
    parser.add_argument(
        "--lang",
        metavar="CODE",
        type=_language,
        help=f"language of the windows: {available()} "
        "(default: the system's, from LANGUAGE, LC_ALL, LC_MESSAGES or LANG; else English)",
    )
    return parser


def _report_crashes() -> None:
    """A crash in native code (Qt) prints every thread's Python stack to stderr, for a bug
    report; a windowed build may have no stderr at all."""
    import contextlib
    import faulthandler

    # No stderr, or one without a file descriptor: nothing to report to.
    with contextlib.suppress(AttributeError, ValueError, OSError):
        faulthandler.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Start the desktop app; returns the Qt event loop's exit code."""
    options = build_parser().parse_args(argv)
    _report_crashes()
    from desktop_auth.diagnostics import RedactSecrets

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    logging.getLogger("desktop_auth").setLevel(logging.INFO)
    # The file opens once the login window shows (logging.handlers is slow to import); what
    # is logged before is kept until then.
    diagnostic_log = DeferredDiagnosticLog()
    try:
        return _run(options, diagnostic_log)
    finally:
        diagnostic_log.close()


def _run(options: argparse.Namespace, diagnostic_log: DeferredDiagnosticLog) -> int:
    # Qt is imported only once the command line is valid, so --help and usage errors stay fast.
    from PyQt5.QtWidgets import QApplication

    from desktop_auth.app.application import DesktopApp, load_policy
    from desktop_auth.app.single_instance import ClaimResult, SingleInstance
    from desktop_auth.qt.first_paint import when_painted
    from desktop_auth.qt.icons import app_icon
    from desktop_auth.qt.style import apply_style
    from desktop_auth.qt.translation import install_language, system_language
    from desktop_auth.settings import DataDirError, resolve_data_dir

    # Qt gets only the program name: every option is ours, and argparse has checked them.
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)  # Wayland: the menu entry (resources/desktop-auth.desktop)
    app.setWindowIcon(app_icon())  # before the login window: its logo is the icon
    # Before any window is built: a window takes its texts when it is made.
    install_language(system_language(options.lang))
    apply_style(app)
    try:
        # The bundled policy is read at the first sign-in; a given one is checked now.
        policy = load_policy(options.permissions) if options.permissions else None
    except ValueError as exc:
        print(f"{APP_NAME}: {exc}", file=sys.stderr)
        return 2
    try:
        data_dir = resolve_data_dir(options.data_dir)
    except DataDirError as exc:
        print(f"{APP_NAME}: {exc.message}", file=sys.stderr)
        return 1
    diagnostic_log.data_dir = data_dir
    # Before the windows are built: a second start only raises the first one's window.
    instance = SingleInstance(data_dir)
    try:
        # It listens for other starts once the login window shows (DesktopApp.start).
        claim = instance.claim(listen=False)
        if claim is ClaimResult.RAISED_RUNNING:
            print(
                f"{APP_NAME} is already running for {data_dir}; raised its window.", file=sys.stderr
            )
            return 0
        if claim is ClaimResult.RUNNING_NOT_ANSWERING:
            print(
                f"{APP_NAME} is already running for {data_dir} but does not answer; "
                "close it (or end its process) and start again.",
                file=sys.stderr,
            )
            return 1
        try:
            desktop = DesktopApp(options, policy, single_instance=instance)
        except DataDirError as exc:
            print(f"{APP_NAME}: {exc.message}", file=sys.stderr)
            return 1
        desktop.start()
        when_painted(desktop.login_window, diagnostic_log.open)
        try:
            return app.exec_()
        finally:
            desktop.shutdown()
    finally:
        instance.close()


class _EarlyRecords(logging.Handler):
    """Keeps the records logged before the diagnostic log opens."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class DeferredDiagnosticLog:
    """The diagnostic log of ``data_dir`` (set once known), opened by ``open()`` or at the
    latest by ``close()``, with everything logged since this was made. No data dir, no file:
    the records are dropped (they went to stderr too)."""

    def __init__(self) -> None:
        self.data_dir: Path | None = None
        self.log: DiagnosticLog | None = None
        self._opened = False
        self._early: _EarlyRecords | None = _EarlyRecords()
        logging.getLogger().addHandler(self._early)

    def open(self) -> None:
        if self._opened:
            return
        self._opened = True
        if self.data_dir is not None:
            self.log = _start_diagnostic_log(self.data_dir)
        early, self._early = self._early, None
        assert early is not None
        logging.getLogger().removeHandler(early)
        if self.log is not None:
            for record in early.records:
                self.log.handler.handle(record)

    def close(self) -> None:
        self.open()  # an exit before the window showed: what was logged is still kept
        if self.log is not None:
            self.log.close()


def _start_diagnostic_log(data_dir: Path) -> DiagnosticLog | None:
    """The diagnostic log for bug reports; the app runs without one if it cannot be written."""
    from desktop_auth.diagnostics import start_diagnostic_log

    try:
        return start_diagnostic_log(data_dir)
    except OSError as exc:
        logging.getLogger(__name__).warning(
            "no diagnostic log in %s: %s", data_dir, exc.strerror or exc
        )
        return None
