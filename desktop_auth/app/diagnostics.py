"""Help -> Copy diagnostics: a plain-text report of the app's state for a bug report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PyQt5.QtCore import PYQT_VERSION_STR, QT_VERSION_STR, QLocale, qVersion
from PyQt5.QtWidgets import QApplication, QSystemTrayIcon

from desktop_auth.diagnostics import format_report, log_path, read_log_tail, runtime_facts

if TYPE_CHECKING:
    from desktop_auth.app.application import DesktopApp

# Who used this computer is not the bug report's business: these are counted, not listed.
PERSONAL_SETTINGS = frozenset({"remembered_usernames", "last_username"})


def qt_facts() -> list[tuple[str, str]]:
    return [
        ("Qt", f"{qVersion()} (built with {QT_VERSION_STR})"),
        ("PyQt", PYQT_VERSION_STR),
        ("Platform plugin", QApplication.platformName()),
        ("System tray", "yes" if QSystemTrayIcon.isSystemTrayAvailable() else "no"),
        # The user interface's language and locale (--lang or the system's; C: none chosen).
        ("Locale", QLocale().name()),
    ]


def _session_facts(app: DesktopApp) -> list[tuple[str, str]]:
    controller = app.controller
    session = controller.session
    if session is None:
        state = "signing in" if controller.signing_in else "signed out"
        method = "not chosen yet (from the server's discovery document at sign-in)"
    else:
        state = "locked" if controller.is_locked else "signed in"
        method = session.method
    return [("Session", state), ("Sign-in method", method)]


def _keyring_fact(app: DesktopApp) -> str:
    store = app.token_store
    if store is None:
        return "not checked yet"
    usable = "usable" if app.keyring_available else "not usable"
    return f"{store.backend.name} ({usable})"


def _settings_facts(app: DesktopApp) -> list[tuple[str, str]]:
    """The options and settings that say how the app behaves. The settings file holds no
    secrets; the usernames it remembers are counted, not listed."""
    options = app.options
    facts = [
        ("Client id", options.client_id or "desktop-auth (default)"),
        ("CA bundle", str(options.ca_bundle) if options.ca_bundle else "system trust store"),
        ("Permissions", str(options.permissions) if options.permissions else "bundled policy"),
        ("--allow-password-grant", "yes" if options.allow_password_grant else "no"),
    ]
    for name, value in sorted(app.settings.to_json().items()):
        if name in PERSONAL_SETTINGS:
            continue
        facts.append((f"Setting {name}", json.dumps(value)))
    remembered = sum(len(names) for names in app.settings.remembered_usernames.values())
    facts.append(("Remembered accounts", str(remembered)))
    return facts


def diagnostic_report(app: DesktopApp) -> str:
    """What a bug report needs: versions, platform, data dir, issuer, sign-in method, settings
    that are not secret, the keyring backend and the diagnostic log's last lines. No secrets:
    no tokens or passwords are read, and every line passes through the redaction rules."""
    if app.embedded is not None:
        issuer = f"bundled demo server at {app.issuer or '(starting)'}"
    else:
        issuer = app.issuer or "(none)"
    facts = [
        *runtime_facts(),
        *qt_facts(),
        ("Data dir", str(app.data_dir)),
        ("Issuer", issuer),
        *_session_facts(app),
        ("Keyring", _keyring_fact(app)),
        *_settings_facts(app),
    ]
    return format_report(facts, read_log_tail(app.data_dir), log_path(app.data_dir))
