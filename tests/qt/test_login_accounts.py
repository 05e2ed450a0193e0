"""The login window's remembered accounts: listed, chosen and forgotten with the keyboard."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.login_window import LoginWindow
from tests.qt.conftest import focused_name, no_server
from tests.server.conftest import ALICE

ACCOUNTS = ("alice", "bob", "carol")

# The offscreen platform says so for every pop-up shown; it is not our warning.
pytestmark = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (raise\(\)|grabbing the keyboard|grabbing the mouse)$"
)


def press(qtbot, key, modifier=Qt.NoModifier) -> None:
    """A key press where Qt would deliver it: to the open pop-up list, else to the focus."""
    qtbot.keyClick(QApplication.activePopupWidget() or QApplication.focusWidget(), key, modifier)


def type_text(qtbot, text: str) -> None:
    for char in text:
        qtbot.keyClicks(QApplication.activePopupWidget() or QApplication.focusWidget(), char)


def listed(window: LoginWindow) -> list[str]:
    """The rows of the open list as shown."""
    model = window.accounts_list.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def highlighted(window: LoginWindow) -> str:
    return window.accounts_list.currentIndex().data()


def list_is_open(window: LoginWindow) -> bool:
    return window.accounts_list.isVisible() and QApplication.activePopupWidget() is not None


def with_accounts(qtbot, window: LoginWindow, kept=("bob",)) -> LoginWindow:
    window.set_remembered_accounts(ACCOUNTS, kept=kept)
    qtbot.waitUntil(lambda: focused_name() == "username")
    return window


def test_down_lists_the_remembered_accounts_most_recent_first_marking_those_kept(
    qtbot, offline_window
):
    window = with_accounts(qtbot, offline_window)
    assert window.accounts_button.isVisible()
    assert window.accounts_button.isEnabled()
    assert window.accounts_button.toolTip() == "Remembered accounts (Alt+Down)"

    press(qtbot, Qt.Key_Down)

    qtbot.waitUntil(lambda: list_is_open(window))
    assert listed(window) == ["alice", "bob \N{EM DASH} stays signed in", "carol"]
    assert highlighted(window) == "alice"
    assert window.remembered_accounts == ACCOUNTS
    press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())


def test_down_down_enter_chooses_bob_clears_the_password_and_goes_to_it(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)
    window.password.setText("half a password")
    window.show_message("The username or password is wrong.")

    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Down)
    assert highlighted(window) == "bob \N{EM DASH} stays signed in"
    with (
        qtbot.waitSignal(window.account_chosen) as chosen,
        qtbot.assertNotEmitted(window.sign_in_requested),
    ):
        press(qtbot, Qt.Key_Return)

    assert chosen.args == ["bob"]
    assert not window.accounts_list.isVisible()
    assert window.username.text() == "bob"
    assert window.password.text() == ""
    assert window.message == ""
    qtbot.waitUntil(lambda: focused_name() == "password")


def test_tab_in_the_list_closes_it_and_moves_on_to_the_password(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)
    qtbot.keyClicks(window.username, "dave")
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Down)

    with qtbot.assertNotEmitted(window.account_chosen):
        press(qtbot, Qt.Key_Tab)

    qtbot.waitUntil(lambda: focused_name() == "password")
    assert not window.accounts_list.isVisible()
    assert window.username.text() == "dave"


def test_alt_down_and_the_button_open_the_list_and_a_click_chooses(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)

    press(qtbot, Qt.Key_Down, Qt.AltModifier)
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())

    window.password.setFocus()
    qtbot.waitUntil(lambda: focused_name() == "password")
    qtbot.mouseClick(window.accounts_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: list_is_open(window))
    assert focused_name() == "username"  # typed keys go where the list is

    carol = window.accounts_list.visualRect(window.accounts_list.model().index(2, 0))
    with qtbot.waitSignal(window.account_chosen) as chosen:
        qtbot.mouseClick(window.accounts_list.viewport(), Qt.LeftButton, pos=carol.center())

    assert chosen.args == ["carol"]
    assert window.username.text() == "carol"
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())
    qtbot.waitUntil(lambda: focused_name() == "password")


def test_the_list_starts_on_the_account_in_the_field(qtbot, show_login_window):
    window = show_login_window(AuthController(no_server), last_username="carol")
    window.set_remembered_accounts(ACCOUNTS)
    window.username.setFocus()
    qtbot.waitUntil(lambda: focused_name() == "username")

    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))

    assert highlighted(window) == "carol"
    press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())


def test_new_accounts_given_while_the_list_is_open_refresh_it_in_place(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window, kept=())
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Down)

    # As when the keyring, checked in the background, says which sessions are kept.
    window.set_remembered_accounts(ACCOUNTS, kept=("alice", "bob"))

    assert list_is_open(window)
    assert listed(window) == [
        "alice \N{EM DASH} stays signed in",
        "bob \N{EM DASH} stays signed in",
        "carol",
    ]
    assert highlighted(window) == "bob \N{EM DASH} stays signed in"
    with qtbot.waitSignal(window.account_chosen) as chosen:
        press(qtbot, Qt.Key_Return)
    assert chosen.args == ["bob"]


def test_typing_with_the_list_open_narrows_it_and_enter_chooses_the_first_match(
    qtbot, offline_window
):
    window = with_accounts(qtbot, offline_window)
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))

    type_text(qtbot, "C")

    assert listed(window) == ["carol"]
    assert highlighted(window) == "carol"
    assert window.username.text() == "C"
    with qtbot.waitSignal(window.account_chosen) as chosen:
        press(qtbot, Qt.Key_Return)
    assert chosen.args == ["carol"]
    assert window.username.text() == "carol"


def test_typing_a_name_not_in_the_list_closes_it_and_enter_signs_in_as_before(
    qtbot, offline_window
):
    window = with_accounts(qtbot, offline_window)
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))

    type_text(qtbot, "dave")

    assert not window.accounts_list.isVisible()
    assert window.username.text() == "dave"
    with qtbot.assertNotEmitted(window.account_chosen):
        press(qtbot, Qt.Key_Return)
    assert window.message == "Enter your password."
    assert focused_name() == "password"


def test_delete_forgets_the_highlighted_account_and_the_list_stays_open(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)
    qtbot.keyClicks(window.username, "someone")
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Down)

    with (
        qtbot.waitSignal(window.forget_account_requested) as forgotten,
        qtbot.assertNotEmitted(window.account_chosen),
    ):
        press(qtbot, Qt.Key_Delete)

    assert forgotten.args == ["bob"]
    assert window.remembered_accounts == ("alice", "carol")
    assert list_is_open(window)
    assert listed(window) == ["alice", "carol"]
    assert highlighted(window) == "carol"  # the next one, where bob was
    assert window.username.text() == "someone"  # Delete did not edit the field
    assert window.message == "bob is no longer remembered on this computer."
    assert window.message_label.accessibleDescription() == window.message

    with qtbot.waitSignal(window.forget_account_requested) as forgotten:
        press(qtbot, Qt.Key_Delete, Qt.ShiftModifier)
    assert forgotten.args == ["carol"]
    assert listed(window) == ["alice"]
    assert highlighted(window) == "alice"

    with qtbot.waitSignal(window.forget_account_requested) as forgotten:
        press(qtbot, Qt.Key_Delete)
    assert forgotten.args == ["alice"]
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())
    assert not window.accounts_button.isVisible()
    assert window.remembered_accounts == ()
    assert focused_name() == "username"


def test_without_remembered_accounts_there_is_no_button_and_down_does_nothing(
    qtbot, offline_window
):
    window = offline_window
    qtbot.waitUntil(lambda: focused_name() == "username")
    assert not window.accounts_button.isVisible()

    press(qtbot, Qt.Key_Down)
    press(qtbot, Qt.Key_Down, Qt.AltModifier)

    assert QApplication.activePopupWidget() is None
    assert not window.accounts_list.isVisible()
    assert focused_name() == "username"

    window.set_remembered_accounts(["alice"])
    assert window.accounts_button.isVisible()
    window.set_remembered_accounts([])
    assert not window.accounts_button.isVisible()
    assert window.username.accessibleDescription() == ""


def test_esc_closes_only_the_list(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)
    qtbot.keyClicks(window.username, "al")
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))

    with (
        qtbot.assertNotEmitted(window.cancel_requested),
        qtbot.assertNotEmitted(window.account_chosen),
        qtbot.assertNotEmitted(window.sign_in_requested),
    ):
        press(qtbot, Qt.Key_Escape)
        qtbot.waitUntil(lambda: not window.accounts_list.isVisible())

    assert window.isVisible()
    assert window.username.text() == "al"
    assert focused_name() == "username"
    press(qtbot, Qt.Key_Down)  # and it opens again
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())


def test_while_signing_in_the_list_closes_and_esc_still_cancels(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)
    qtbot.keyClicks(window.username, "alice")
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))

    window.controller.events.login_started.emit("alice")

    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())
    assert not window.accounts_button.isEnabled()
    window.show_remembered_accounts()
    assert not window.accounts_list.isVisible()
    with qtbot.waitSignal(window.cancel_requested):
        qtbot.keyClick(window, Qt.Key_Escape)


def test_tab_skips_the_accounts_button_and_enter_in_the_field_still_signs_in(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)
    seen = []
    for _ in range(7):
        press(qtbot, Qt.Key_Tab)
        seen.append(focused_name())
    assert seen == [
        "password",
        "showPassword",
        "staySignedIn",
        "signInButton",
        "browserButton",
        "deviceButton",
        "username",
    ]

    requests = []
    window.sign_in_requested.connect(lambda user, password: requests.append(user))
    window.sign_in_requested.disconnect(window.controller.sign_in)
    qtbot.keyClicks(window.username, "alice")
    window.password.setText("secret words")
    press(qtbot, Qt.Key_Return)
    assert requests == ["alice"]
    assert not window.accounts_list.isVisible()


def test_the_new_controls_have_names_for_screen_readers(qtbot, offline_window):
    window = with_accounts(qtbot, offline_window)

    assert window.accounts_button.objectName() == "rememberedAccountsButton"
    assert window.accounts_button.accessibleName() == "Remembered accounts"
    assert "Alt+Down" in window.accounts_button.accessibleDescription()
    assert window.accounts_button.focusPolicy() == Qt.NoFocus
    assert window.accounts_list.objectName() == "rememberedAccountsList"
    assert window.accounts_list.accessibleName() == "Remembered accounts"
    assert "Delete" in window.accounts_list.accessibleDescription()
    assert "Alt+Down" in window.username.accessibleDescription()
    model = window.accounts_list.model()
    assert model.index(1, 0).data(Qt.AccessibleTextRole) == "bob, stays signed in"


def test_the_lock_screen_offers_no_other_accounts(qtbot, controller, show_login_window):
    window = show_login_window(controller)
    window.set_remembered_accounts(ACCOUNTS, kept=("alice",))
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000):
        controller.sign_in(*ALICE)
    window.username.setFocus()
    qtbot.waitUntil(lambda: focused_name() == "username")
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))

    with qtbot.waitSignal(controller.events.locked):  # as when the computer is left idle
        controller.lock()

    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())
    assert window.username.isReadOnly()
    assert not window.accounts_button.isVisible()
    window.username.setFocus()
    qtbot.waitUntil(lambda: focused_name() == "username")
    press(qtbot, Qt.Key_Down, Qt.AltModifier)
    press(qtbot, Qt.Key_Down)
    assert QApplication.activePopupWidget() is None
    assert window.username.text() == "alice"

    # "Sign in as another user" leaves the lock screen: the accounts are offered again.
    with qtbot.waitSignal(controller.events.logged_out, timeout=15_000):
        qtbot.mouseClick(window.switch_user_button, Qt.LeftButton)
    assert window.accounts_button.isVisible()
    press(qtbot, Qt.Key_Down)
    qtbot.waitUntil(lambda: list_is_open(window))
    press(qtbot, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.accounts_list.isVisible())
