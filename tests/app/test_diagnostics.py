"""The diagnostic log (rotating, 0600, no secrets) and Help -> Copy diagnostics."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator

import pytest
from PyQt5.QtCore import Qt, QThreadPool
from PyQt5.QtWidgets import QApplication, QLabel

from desktop_auth.diagnostics import (
    LOG_FILENAME,
    REDACTED,
    DiagnosticLog,
    read_log_tail,
    redact,
    start_diagnostic_log,
)
from desktop_auth.settings import resolve_data_dir
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.server.conftest import ALICE

WRONG_PASSWORD = "Wrong-Horse-Battery-9317"
# A made-up JWT: header {"alg":"RS256"}, payload {"sub":"alice"}.
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


@pytest.fixture
def diagnostic_log(tmp_path) -> Iterator[DiagnosticLog]:
    """The diagnostic log of make_app's data dir, started as main() starts it."""
    diagnostic = start_diagnostic_log(resolve_data_dir(tmp_path / "data"))
    yield diagnostic
    diagnostic.close()


def logged_text(diagnostic: DiagnosticLog) -> str:
    """Everything in the log and its rotated files, once background work has logged."""
    assert QThreadPool.globalInstance().waitForDone(15_000)
    diagnostic.handler.flush()
    return "".join(
        path.read_text(encoding="utf-8") for path in diagnostic.path.parent.glob(f"{LOG_FILENAME}*")
    )


def secrets_of(*sessions) -> list[str]:
    tokens = [session.tokens for session in sessions]
    found = [t.access_token for t in tokens] + [t.refresh_token for t in tokens]
    found += [t.id_token for t in tokens if getattr(t, "id_token", None)]
    return [secret for secret in found if secret]


def sign_in_after_a_wrong_password_then_refresh(qtbot, app):
    """A wrong password, the right one, and a renewal: the sessions signed in and refreshed."""
    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as failed:
        sign_in_with_keyboard(qtbot, app, ALICE[0], WRONG_PASSWORD)
    assert failed.args[0].kind == "credentials"
    window = app.login_window
    qtbot.waitUntil(lambda: focused() is window.password)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        qtbot.keyClicks(window.password, ALICE[1])
        qtbot.keyClick(window.password, Qt.Key_Return)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    with qtbot.waitSignal(app.events.session_refreshed, timeout=20_000) as refreshed:
        app.controller.refresh()
    return signed_in.args[0], refreshed.args[0]


def test_the_log_tells_the_sign_in_story_without_a_secret(
    qtbot, server, make_app, diagnostic_log, tmp_path
):
    app = make_app("--issuer", server.url)

    session, renewed = sign_in_after_a_wrong_password_then_refresh(qtbot, app)

    text = logged_text(diagnostic_log)
    data_dir = tmp_path / "data"
    assert diagnostic_log.path == data_dir / "desktop-auth.log"
    assert stat.S_IMODE(diagnostic_log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert "INFO desktop_auth.app.application: sign-in failed (credentials)" in text
    assert f"INFO desktop_auth.oidc.client: alice signed in to {server.url} (native)" in text
    assert "INFO desktop_auth.oidc.client: session of alice renewed" in text
    for secret in [WRONG_PASSWORD, ALICE[1], *secrets_of(session, renewed)]:
        assert secret not in text


def test_secrets_that_slip_into_a_message_or_traceback_are_redacted(diagnostic_log):
    log = logging.getLogger("desktop_auth.tests")

    log.info("posting grant_type=refresh_token&refresh_token=%s&client_id=x", "r-123-PLUGH")
    log.info("form %s", {"username": "alice", "password": "hunter2-PLUGH"})
    log.info("answer %s", '{"access_token": "at-456-PLUGH", "token_type": "Bearer"}')
    log.info("redirected to /callback?code=code-789-PLUGH&state=s1")
    log.info("header Authorization: Bearer %s", "opaque-abc-PLUGH")
    log.info("id token %s", JWT)
    password = "pw-000-PLUGH"
    try:
        raise ValueError(f"bad token {JWT} for password={password}")
    except ValueError:
        log.exception("validation failed")

    text = logged_text(diagnostic_log)
    assert "PLUGH" not in text
    assert "eyJ" not in text
    assert "refresh_token=[redacted]&client_id=x" in text
    assert "'username': 'alice', 'password': '[redacted]'" in text
    assert '"access_token": "[redacted]", "token_type": "Bearer"' in text
    assert "code=[redacted]&state=s1" in text
    assert "Authorization: Bearer [redacted]" in text
    assert "ValueError: bad token [redacted] for password=[redacted]" in text


@pytest.mark.parametrize(
    "text",
    [
        "status_code=400 after 3 attempts (exit code 3)",
        "token_type_hint=refresh_token",
        "alice signed in to http://127.0.0.1:8765 (native)",
        "Basic authentication is not supported",
    ],
)
def test_redaction_leaves_ordinary_text_alone(text):
    assert redact(text) == text
    assert REDACTED not in redact(text)


def test_the_log_rotates_and_every_file_is_private(tmp_path):
    data_dir = resolve_data_dir(tmp_path / "data")
    diagnostic = start_diagnostic_log(data_dir, max_bytes=2_000, backup_count=2)
    log = logging.getLogger("desktop_auth.tests")
    try:
        for number in range(200):
            log.info("line %03d of the rotation test", number)
    finally:
        diagnostic.close()

    files = sorted(path.name for path in data_dir.glob(f"{LOG_FILENAME}*"))
    assert files == [LOG_FILENAME, f"{LOG_FILENAME}.1", f"{LOG_FILENAME}.2"]
    for name in files:
        path = data_dir / name
        assert path.stat().st_size <= 2_000
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    last = (data_dir / LOG_FILENAME).read_text().splitlines()[-1]
    assert last.endswith("line 199 of the rotation test")
    # The report's tail reaches into the rotated files when the current one is short.
    tail = read_log_tail(data_dir, 50)
    assert len(tail) == 50
    assert tail[-1].endswith("line 199 of the rotation test")
    assert tail[0].endswith("line 150 of the rotation test")


def test_an_existing_log_is_made_private(tmp_path):
    data_dir = resolve_data_dir(tmp_path / "data")
    path = data_dir / LOG_FILENAME
    path.write_text("an older line\n")
    path.chmod(0o644)

    start_diagnostic_log(data_dir).close()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def copy_diagnostics_with_the_keyboard(qtbot, app) -> str:
    """Alt+H opens the Help menu, D its "Copy &diagnostics"."""
    clipboard = QApplication.clipboard()
    clipboard.clear()
    qtbot.keyClick(focused() or app.workspace, Qt.Key_H, Qt.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    menu = QApplication.activePopupWidget()
    assert menu.objectName() == "helpMenu"
    qtbot.keyClick(menu, Qt.Key_D)
    qtbot.waitUntil(lambda: bool(clipboard.text()))
    assert QApplication.activePopupWidget() is None
    return clipboard.text()


# The offscreen platform says so for every popup menu; Qt's menu code asks, not ours.
@pytest.mark.qt_log_ignore(
    r"^This plugin does not support raise\(\)$",
    r"^This plugin does not support grabbing the keyboard$",
)
def test_copy_diagnostics_puts_a_report_without_secrets_on_the_clipboard(
    qtbot, server, make_app, diagnostic_log, tmp_path
):
    app = make_app("--issuer", server.url)
    session, renewed = sign_in_after_a_wrong_password_then_refresh(qtbot, app)
    assert QThreadPool.globalInstance().waitForDone(15_000)

    report = copy_diagnostics_with_the_keyboard(qtbot, app)

    lines = report.splitlines()
    assert lines[0].startswith("desktop-auth diagnostics (")
    end_of_facts = lines.index("", 2)
    facts = dict(line.split(": ", 1) for line in lines[2:end_of_facts])
    assert {"desktop-auth", "Python", "Platform", "Qt", "PyQt"} <= facts.keys()
    assert facts["desktop-auth"].strip()[0].isdigit()  # a version from the package metadata
    assert facts["Platform plugin"].strip() == QApplication.platformName()
    assert facts["Data dir"].strip() == str(tmp_path / "data")
    assert facts["Issuer"].strip() == server.url
    assert facts["Sign-in method"].strip() == "native"
    assert facts["Session"].strip() == "signed in"
    assert facts["Keyring"].strip() == "fail Keyring (not usable)"
    assert facts["Setting idle_lock_minutes"].strip() == "15"
    assert facts["Remembered accounts"].strip() == "1"
    assert lines[end_of_facts + 1].endswith(f"lines of {tmp_path / 'data' / LOG_FILENAME}:")
    assert "sign-in failed (credentials)" in report
    assert "session of alice renewed" in report
    for secret in [WRONG_PASSWORD, ALICE[1], *secrets_of(session, renewed)]:
        assert secret not in report
    assert "alice" not in "\n".join(lines[:end_of_facts])  # usernames only in the log part
    # The user is told it worked.
    if not app.notifier.uses_tray:
        notice = app.workspace.findChild(QLabel, "notice")
        assert notice is not None
        assert notice.isVisible()
        assert "Diagnostics copied" in notice.text()
