"""Fault matrix, input (issue 8): what a user types or pastes into the login window, and what a
script pipes into `desktop-auth-cli login --password-stdin`, against the real bundled server.

Every cell ends in a sign-in or in a specific message with nothing sent; never a traceback,
never a frozen window. docs/reliability/input.md lists the cells and their results.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PyQt5.QtCore import QEvent, Qt, QThreadPool, QTimer
from PyQt5.QtGui import QInputMethodEvent, QKeyEvent
from PyQt5.QtWidgets import QApplication, QLineEdit, QWidget
from sqlalchemy import select

from desktop_auth.credentials import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.models import OutboxEvent
from desktop_auth.server.serve import ServedApp
from tests.app.conftest import focused, make_app, sign_in_with_keyboard, use_language  # noqa: F401
from tests.client.conftest import console_script
from tests.server.conftest import (  # noqa: F401
    ALICE,
    LiveServer,
    audit_events,
    postgres,
    postgres_database,
    start_server,
    wait_for,
)
from tests.server.test_postgres import pg_server  # noqa: F401

# Accounts on the module's server: (username, password), made with LiveServer.add_user.
PRINTABLE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))  # space to tilde
UNICODE_ACCOUNTS = {
    "right-to-left": ("שרה", "סיסמה ארוכה וסודית"),
    "arabic": ("مريم", "كلمة مرور طويلة جدا"),
    "combining": ("zoë", "crème brûlée à la carte"),
    "emoji": ("fox🦊", "🔑 unlock the 🦊 den"),
    "cjk": ("山田", "パスワードは秘密です"),
    "cyrillic": ("ivan", "очень длинный пароль"),
    "every printable ascii": ("ascii", PRINTABLE_ASCII),
}
NFKC_ACCOUNT = ("cafe-user", "Café au lait, 2 tasses")


def full_width(text: str) -> str:
    """``text`` in the full-width forms an East Asian input method types (NFKC: the same)."""
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


CREDENTIALS_MESSAGE = "The username or password is incorrect."
USERNAME_TOO_LONG = f"The username is too long: at most {MAX_USERNAME_LENGTH} characters."
PASSWORD_TOO_LONG = f"The password is too long: at most {MAX_PASSWORD_LENGTH} characters."
USERNAME_CONTROL = (
    "The username contains a control character (such as a tab or a line break), "
    "perhaps pasted with it. Type it again."
)
PASSWORD_CONTROL = (
    "The password contains a control character (such as a tab or a line break), "
    "perhaps pasted with it. Type it again."
)
# A paste must leave the window answering within this (a 2-core machine, shared).
RESPONSIVE_S = 2.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One bundled server for the module, with alice and the accounts above; the throttle is
    loosened, since the cells try wrong passwords on purpose (throttling is another area's)."""
    directory = tmp_path_factory.mktemp("input-server")
    assert server_cli(["--data-dir", str(directory), "init"]) == 0
    config = replace(
        load_config(directory),
        account_free_failures=1000,
        account_max_failures_per_hour=10_000,
        ip_max_failures=10_000,
    )
    live = LiveServer(ServedApp(config).start(), directory)
    live.add_user(*ALICE, roles=("admin",))
    for username, password in (*UNICODE_ACCOUNTS.values(), NFKC_ACCOUNT):
        live.add_user(username, password)
    yield live
    live.served.stop()
    live.http.close()


@pytest.fixture
def app(make_app, server):  # noqa: F811 - the fixture
    """The reference app signed in to nothing yet, its login window active."""
    return make_app("--issuer", server.url)


@pytest.fixture
def german_app(make_app, server, use_language):  # noqa: F811 - the fixtures
    """The app in German (as --lang de), its login window active."""
    use_language("de")
    return make_app("--issuer", server.url)


@pytest.fixture
def started(app) -> list[str]:
    """The usernames of every sign-in the window started (login_started)."""
    names: list[str] = []
    app.events.login_started.connect(names.append)
    return names


@pytest.fixture
def clipboard() -> Iterator[None]:
    yield
    QApplication.clipboard().clear()  # no multi-megabyte text left for the next test


def type_key(widget: QWidget, text: str) -> None:
    """One key of a keyboard layout that types ``text`` (Hebrew, Cyrillic, a control key...):
    QTest's keyClicks knows only Latin-1 letters."""
    for kind in (QEvent.KeyPress, QEvent.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.NoModifier, text))


def enter_text(field: QLineEdit, text: str, qtbot) -> None:
    """Type ``text`` as a user does: key by key, or, for characters beyond the keyboard's
    (emoji), committed by an input method, as an emoji picker does."""
    for ch in text:
        if ord(ch) > 0xFFFF:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(field, event)
        elif " " <= ch <= "~":
            qtbot.keyClicks(field, ch)
        else:
            type_key(field, ch)


def sign_in_typing(qtbot, app, username: str, password: str) -> None:
    """sign_in_with_keyboard for any script: username, Tab, password, Enter."""
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: focused() is window.username)
    enter_text(window.username, username, qtbot)
    qtbot.keyClick(window.username, Qt.Key_Tab)
    assert focused() is window.password
    enter_text(window.password, password, qtbot)
    qtbot.keyClick(window.password, Qt.Key_Return)


def paste(field: QLineEdit, text: str, qtbot) -> float:
    """Paste ``text`` into ``field`` with Ctrl+V; return how long the window was busy with it
    (asserting that a timer still fires soon after: the window keeps responding)."""
    QApplication.clipboard().setText(text)
    field.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: focused() is field)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    begin = time.monotonic()
    qtbot.keyClick(field, Qt.Key_V, Qt.ControlModifier)
    took = time.monotonic() - begin
    qtbot.waitUntil(lambda: bool(ticks) and ticks[-1] > begin, timeout=int(RESPONSIVE_S * 1000))
    timer.stop()
    return took


def press_enter(qtbot, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(focused(), Qt.Key_Return)


def attempts(server: LiveServer, event: str, username: str | None = None) -> int:
    """How many sign-ins the server recorded with ``event`` (user_logged_in, login_failed):
    its outbox rows, written in the sign-in's own transaction (the audit follows from them)."""
    with server.state.db.session() as session:
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.name == event))
        return sum(1 for e in events if username is None or e.payload["username"] == username)


# --- empty fields and spaces ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "message", "field"),
    [
        ("", "", "Enter your username.", "username"),
        ("", "some password", "Enter your username.", "username"),
        ("   ", "some password", "Enter your username.", "username"),
        ("alice", "", "Enter your password.", "password"),
    ],
    ids=["both empty", "username empty", "username only spaces", "password empty"],
)
def test_an_empty_field_is_asked_for_and_nothing_is_sent(
    qtbot, app, started, username, password, message, field
):
    window = app.login_window
    enter_text(window.username, username, qtbot)
    enter_text(window.password, password, qtbot)

    press_enter(qtbot)

    assert window.message == message
    assert focused() is getattr(window, field)
    assert started == []
    assert not window.busy


@pytest.mark.parametrize(
    "typed", ["  alice  ", "\u3000alice\u00a0"], ids=["spaces", "ideographic and no-break spaces"]
)
def test_spaces_around_the_username_are_trimmed_and_the_sign_in_works(
    qtbot, app, started, server, typed
):
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_typing(qtbot, app, typed, ALICE[1])

    assert started == ["alice"]  # trimmed before it was sent
    assert signed_in.args[0].username == "alice"
    # The server trims as well, for clients that do not.
    assert server.challenge(typed, ALICE[1]).status_code == 200


def test_a_username_pasted_with_its_line_end_is_trimmed_and_signs_in(
    qtbot, app, started, clipboard
):
    window = app.login_window
    paste(window.username, "alice\n", qtbot)
    assert window.message == ""  # a line end at the edge is trimmed, not refused
    window.password.setFocus(Qt.OtherFocusReason)
    enter_text(window.password, ALICE[1], qtbot)

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        press_enter(qtbot)
    assert started == ["alice"]


# --- huge pastes ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10_000, 3 * 1024 * 1024], ids=["10,000 characters", "3 MB"])
@pytest.mark.parametrize("field", ["username", "password"])
def test_a_huge_paste_is_refused_as_too_long_without_freezing(
    qtbot, app, started, clipboard, field, size
):
    window = app.login_window
    if field == "password":
        enter_text(window.username, "alice", qtbot)

    took = paste(getattr(window, field), "x" * size, qtbot)

    assert took < RESPONSIVE_S
    expected = USERNAME_TOO_LONG if field == "username" else PASSWORD_TOO_LONG
    assert window.message == expected  # said at once, before any Enter
    if field == "username":
        enter_text(window.password, "some password", qtbot)
    press_enter(qtbot, 2)
    assert window.message == expected
    assert focused() is getattr(window, field)
    assert started == []
    # Put right, the message goes.
    getattr(window, field).selectAll()
    qtbot.keyClick(getattr(window, field), Qt.Key_Backspace)
    assert window.message == ""


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("x" * 10_000, "Der Benutzername ist zu lang: höchstens 256 Zeichen."),
        ("ali\x00ce", "Der Benutzername enthält ein Steuerzeichen"),
    ],
    ids=["too long", "control character"],
)
def test_the_input_messages_speak_german(qtbot, german_app, clipboard, pasted, message):
    app = german_app

    paste(app.login_window.username, pasted, qtbot)

    assert app.login_window.message.startswith(message)


def test_a_huge_paste_on_the_lock_screen_is_refused_and_the_password_still_unlocks(
    qtbot, app, started, clipboard
):
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *ALICE)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    with qtbot.waitSignal(app.events.locked):
        qtbot.keyClick(focused(), Qt.Key_L, Qt.ControlModifier)
    window = app.login_window
    qtbot.waitUntil(window.isActiveWindow)

    assert paste(window.password, "z" * (3 * 1024 * 1024), qtbot) < RESPONSIVE_S
    press_enter(qtbot)

    assert window.message == PASSWORD_TOO_LONG
    assert app.controller.is_locked
    assert started == ["alice"]
    window.password.clear()
    qtbot.keyClicks(window.password, ALICE[1])
    with qtbot.waitSignal(app.events.unlocked, timeout=20_000):
        press_enter(qtbot)


@pytest.mark.parametrize(
    ("field", "length", "sent"),
    [
        ("username", MAX_USERNAME_LENGTH, True),
        ("username", MAX_USERNAME_LENGTH + 1, False),
        ("password", MAX_PASSWORD_LENGTH, True),
        ("password", MAX_PASSWORD_LENGTH + 1, False),
    ],
    ids=["username at the limit", "username over it", "password at the limit", "password over it"],
)
def test_the_length_limits_are_exact(qtbot, app, started, clipboard, field, length, sent):
    window = app.login_window
    other = window.password if field == "username" else window.username
    enter_text(other, "some password" if field == "username" else "alice", qtbot)
    paste(getattr(window, field), "y" * length, qtbot)

    if sent:
        with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as failed:
            press_enter(qtbot)
        assert failed.args[0].message == CREDENTIALS_MESSAGE  # sent, and refused as wrong
    else:
        press_enter(qtbot)
        assert window.message in (USERNAME_TOO_LONG, PASSWORD_TOO_LONG)
    assert len(started) == int(sent)


# --- control characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    "character",
    ["\x00", "\t", "\r", "\x1b", "\x7f", "\x85", "\u2028"],
    ids=["NUL", "tab", "carriage return", "escape", "delete", "C1 next line", "line separator"],
)
@pytest.mark.parametrize("field", ["username", "password"])
def test_a_pasted_control_character_is_refused_and_nothing_is_sent(
    qtbot, app, started, clipboard, field, character
):
    window = app.login_window
    if field == "username":
        paste(window.username, f"ali{character}ce", qtbot)
        enter_text(window.password, ALICE[1], qtbot)
    else:
        enter_text(window.username, "alice", qtbot)
        paste(window.password, ALICE[1][:5] + character + ALICE[1][5:], qtbot)
    expected = USERNAME_CONTROL if field == "username" else PASSWORD_CONTROL

    assert window.message == expected
    press_enter(qtbot)

    assert window.message == expected
    assert focused() is getattr(window, field)
    assert started == []
    assert not window.busy


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_server_takes_a_nul_in_a_username_as_wrong_credentials_not_a_500(request, database):
    """For clients that send what this one refuses: PostgreSQL stores no NUL."""
    live = request.getfixturevalue("server" if database == "sqlite" else "pg_server")

    refused = live.challenge("ali\x00ce", ALICE[1])

    assert refused.status_code == 400
    assert refused.json()["error_description"] == CREDENTIALS_MESSAGE
    wait_for(lambda: any(e.username == "ali\ufffdce" for e in audit_events(live, "login_failed")))
    assert live.challenge(*ALICE).status_code == 200


def test_control_keys_typed_in_the_fields_insert_nothing(qtbot, app, started):
    window = app.login_window
    window.password.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: focused() is window.password)
    for key, modifier in ((Qt.Key_At, Qt.ControlModifier), (Qt.Key_Escape, Qt.NoModifier)):
        qtbot.keyClick(window.password, key, modifier)
    for text in ("\x00", "\x07", "\x1b", "\x7f"):  # NUL, BEL, Esc, Delete as typed text
        type_key(window.password, text)

    assert window.password.text() == ""
    assert started == []


@pytest.mark.parametrize(
    ("pasted", "hint"),
    [("  alice\n", "alice"), ("ali\x00ce", ""), ("x" * (MAX_USERNAME_LENGTH + 1), "")],
    ids=["trimmed", "control character", "too long"],
)
def test_the_browser_is_given_the_username_as_a_hint_only_if_it_could_be_sent(
    qtbot, app, clipboard, pasted, hint
):
    window = app.login_window
    window.browser_sign_in_requested.disconnect(app.controller.sign_in_with_browser)
    paste(window.username, pasted, qtbot)

    with qtbot.waitSignal(window.browser_sign_in_requested) as requested:
        qtbot.keyClick(window.username, Qt.Key_B, Qt.AltModifier)

    assert requested.args == [hint]


# --- scripts, emoji and printable ASCII ----------------------------------------------------


@pytest.mark.parametrize("account", list(UNICODE_ACCOUNTS), ids=list(UNICODE_ACCOUNTS))
def test_an_account_named_and_protected_in_any_script_signs_in(qtbot, app, started, account):
    username, password = UNICODE_ACCOUNTS[account]

    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_typing(qtbot, app, username, password)

    assert signed_in.args[0].username == username
    assert started == [username]


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (NFKC_ACCOUNT[0], NFKC_ACCOUNT[1]),
        (NFKC_ACCOUNT[0], "Cafe\u0301 au lait, 2 tasses"),  # e + combining acute
        (NFKC_ACCOUNT[0], full_width(NFKC_ACCOUNT[1])),
        (full_width(NFKC_ACCOUNT[0]), NFKC_ACCOUNT[1]),
        ("CAFE-USER", NFKC_ACCOUNT[1]),  # usernames are not case-sensitive
    ],
    ids=["precomposed", "decomposed e-acute", "full-width password", "full-width username", "case"],
)
def test_nfkc_equivalent_forms_sign_in_alike(qtbot, app, username, password):
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000) as signed_in:
        sign_in_typing(qtbot, app, username, password)

    assert signed_in.args[0].username == NFKC_ACCOUNT[0]


def test_a_password_differing_only_in_a_combining_mark_is_refused(qtbot, app):
    with qtbot.waitSignal(app.events.login_failed, timeout=20_000) as failed:
        sign_in_typing(qtbot, app, NFKC_ACCOUNT[0], "Cafe\u0300 au lait, 2 tasses")

    assert failed.args[0].kind == "credentials"
    assert app.login_window.message == CREDENTIALS_MESSAGE


# --- Enter pressed again, typing while signing in ------------------------------------------


@pytest.mark.parametrize("right_password", [True, False], ids=["right", "wrong"])
@pytest.mark.parametrize("presses", [2, 3], ids=["double Enter", "triple Enter"])
def test_repeated_enter_starts_exactly_one_sign_in(
    qtbot, app, started, server, presses, right_password
):
    event = "user_logged_in" if right_password else "login_failed"
    before = attempts(server, event, "alice")
    signal = app.events.login_succeeded if right_password else app.events.login_failed

    with qtbot.waitSignal(signal, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, "alice", ALICE[1] if right_password else "wrong one")
        press_enter(qtbot, presses - 1)

    assert started == ["alice"]
    assert QThreadPool.globalInstance().waitForDone(15_000)  # no request still in flight
    assert attempts(server, event, "alice") == before + 1


def test_typing_during_a_sign_in_is_ignored_and_the_window_is_usable_after_it_fails(
    qtbot, app, started
):
    window = app.login_window
    with qtbot.waitSignal(app.events.login_failed, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, "alice", "not her password")
        # Still signing in: the result comes back only through the event loop.
        assert window.busy
        assert not window.username.isEnabled()
        assert not window.password.isEnabled()
        for widget in (focused(), window.username, window.password):
            if widget is not None:
                qtbot.keyClicks(widget, "typed meanwhile")
                qtbot.keyClick(widget, Qt.Key_Return)
        assert window.username.text() == "alice"

    assert started == ["alice"]
    assert window.message == CREDENTIALS_MESSAGE
    assert window.username.isEnabled()
    assert window.password.isEnabled()
    assert window.password.text() == ""
    qtbot.waitUntil(lambda: focused() is window.password)
    qtbot.keyClicks(window.password, ALICE[1])
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        press_enter(qtbot)
    assert started == ["alice", "alice"]


# --- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "stdin", "message"),
    [
        ("alice", b"\n", "no password on standard input"),
        ("alice", b"", "no password on standard input"),
        ("alice", b"x" * (2 * 1024 * 1024) + b"\n", PASSWORD_TOO_LONG),
        ("alice", b"correct horse\x00battery staple\n", "The password contains a control"),
        ("alice", b"correct horse\tbattery staple\n", "The password contains a control"),
        ("u" * 10_000, ALICE[1].encode() + b"\n", USERNAME_TOO_LONG),
        ("ali\x1bce", ALICE[1].encode() + b"\n", "The username contains a control"),
    ],
    ids=[
        "empty line",
        "nothing",
        "2 MB password",
        "NUL in the password",
        "tab in the password",
        "10,000-character username",
        "escape in the username",
    ],
)
def test_cli_refuses_unsendable_input_with_exit_2_and_sends_nothing(
    server, tmp_path, username, stdin, message
):
    before = attempts(server, "login_failed")
    result = subprocess.run(
        [
            console_script(),
            "login",
            "--issuer",
            server.url,
            "--username",
            username,
            "--password-stdin",
            "--data-dir",
            str(tmp_path / "cli"),
        ],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )

    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert message in stderr
    assert "Traceback" not in stderr
    assert result.stdout == b""
    assert attempts(server, "login_failed") == before


def test_cli_signs_in_with_a_password_of_every_printable_ascii_character(server, tmp_path):
    username, password = UNICODE_ACCOUNTS["every printable ascii"]
    result = subprocess.run(
        [
            console_script(),
            "login",
            "--issuer",
            server.url,
            "--username",
            f"  {username} ",
            "--password-stdin",
            "--data-dir",
            str(tmp_path / "cli"),
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert '"username": "ascii"' in result.stdout
