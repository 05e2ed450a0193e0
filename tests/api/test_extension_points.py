"""The extension points of DesktopAuth, each through a constructor argument or an entry point,
seen where a user or developer notices them: widgets enabled, entries received, notices."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QLineEdit, QPushButton

from desktop_auth import Entry
from desktop_auth.qt import DesktopAuth, LoginWindow
from examples.minimal_app import build
from tests.api.conftest import sign_in_by_keyboard
from tests.server.conftest import ALICE, BOB, LiveServer

SIGN_IN_MS = 15_000


def signed_in_editor(qtbot, auth: DesktopAuth, account: tuple[str, str]) -> QPushButton:
    """Sign ``account`` in by keyboard; the example's Save button once the editor shows."""
    auth.show_login()
    sign_in_by_keyboard(qtbot, auth, account)
    qtbot.waitUntil(auth.main_window.isVisible, timeout=SIGN_IN_MS)
    return auth.main_window.findChild(QPushButton, "saveButton")


class ListSink:
    """A log sink keeping what it gets, and which thread gave it."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.threads: set[int] = set()
        self.closed = False

    def write(self, entry: Entry) -> None:
        self.threads.add(threading.get_ident())
        self.entries.append(entry)

    def close(self) -> None:
        self.closed = True


class BrokenSink:
    def write(self, entry: Entry) -> None:
        raise OSError("the remote endpoint is down")


# Role mapping


def staff_are_editors(claims: Mapping[str, Any]) -> Iterable[str]:
    """The app's own rule: bob edits; everybody else only reads."""
    return ["editor"] if claims.get("preferred_username") == "bob" else ["viewer"]


@pytest.mark.parametrize(("account", "can_save"), [(BOB, True), (ALICE, False)])
def test_a_role_mapper_decides_the_roles_and_so_which_buttons_are_enabled(
    qtbot, server: LiveServer, closing, account: tuple[str, str], can_save: bool
) -> None:
    auth = closing(build(server.url, role_mapper=staff_are_editors))

    save = signed_in_editor(qtbot, auth, account)

    assert save.isEnabled() is can_save  # the server says the opposite: alice admin, bob viewer
    assert auth.session.roles == {"editor" if can_save else "viewer"}


def test_a_role_mapper_that_fails_fails_the_sign_in_and_grants_nothing(
    qtbot, server: LiveServer, closing
) -> None:
    def broken(claims: Mapping[str, Any]) -> Iterable[str]:
        raise KeyError("department")

    auth = closing(build(server.url, role_mapper=broken))
    auth.show_login()
    with qtbot.waitSignal(auth.events.login_failed, timeout=SIGN_IN_MS) as failed:
        sign_in_by_keyboard(qtbot, auth, ALICE)

    assert failed.args[0].kind == "protocol"
    assert auth.session is None
    assert not auth.main_window.isVisible()
    assert auth.login_window.message_label.text() == failed.args[0].message


# Permission policies


class DocumentsForEveryone:
    """An app's own policy in code: every signed-in user may write documents."""

    def permissions_for(self, roles: Iterable[str]) -> frozenset[str]:
        return frozenset({"documents.read", "documents.write"})


def test_a_policy_object_grants_what_it_says(qtbot, server: LiveServer, closing) -> None:
    auth = closing(build(server.url, permissions=DocumentsForEveryone()))

    save = signed_in_editor(qtbot, auth, BOB)

    assert save.isEnabled()
    assert auth.allows("documents.write")
    assert not auth.allows("reports.view")


def test_a_toml_policy_file_is_read_and_a_bad_one_refused_at_once(
    qtbot, server: LiveServer, closing, tmp_path: Path
) -> None:
    policy = tmp_path / "permissions.toml"
    policy.write_text('[roles]\nviewer = ["documents.read", "documents.write"]\n')
    auth = closing(build(server.url, permissions=policy))

    assert signed_in_editor(qtbot, auth, BOB).isEnabled()

    policy.write_text("[roles]\nviewer = documents.read\n")
    with pytest.raises(ValueError, match=r"permissions\.toml"):
        DesktopAuth(server.url, permissions=policy)


# Activity-log sinks


def test_log_sinks_get_each_entry_off_the_ui_thread_without_secrets(
    qtbot, server: LiveServer, closing
) -> None:
    sink = ListSink()
    auth = closing(build(server.url, log_sinks=[BrokenSink(), sink]))
    save = signed_in_editor(qtbot, auth, BOB)
    tokens = auth.session.tokens
    qtbot.keyClick(save, Qt.Key_S, Qt.AltModifier)  # denied: nothing happens but the log

    auth.close()

    events = [entry.event for entry in sink.entries]
    assert events == ["app_started", "login_succeeded", "logged_out"]
    assert [entry.seq for entry in sink.entries] == [1, 2, 3]  # none missing (chained)
    assert sink.entries[1].username == "bob"
    assert sink.entries[2].detail == {"reason": "app quit"}
    assert threading.get_ident() not in sink.threads
    assert sink.closed
    exported = json.dumps([entry.to_json() for entry in sink.entries])
    for secret in (BOB[1], tokens.access_token, tokens.refresh_token, tokens.id_token):
        assert secret not in exported


def test_a_sink_gets_only_entries_from_now_on_and_the_log_keeps_every_one(
    qtbot, server: LiveServer, closing, data_dir: str
) -> None:
    first = closing(build(server.url))
    signed_in_editor(qtbot, first, ALICE)
    first.close()
    sink = ListSink()
    second = closing(build(server.url, log_sinks=[sink]))

    signed_in_editor(qtbot, second, BOB)
    qtbot.waitUntil(lambda: len(sink.entries) == 2)

    assert [(e.event, e.username) for e in sink.entries] == [
        ("app_started", None),
        ("login_succeeded", "bob"),
    ]
    assert sink.entries[0].seq == 4  # after the first run's three
    assert second.activity_log is not None
    assert second.activity_log.count() == 5


def test_a_sink_installed_as_an_entry_point_is_found(
    qtbot, server: LiveServer, closing, tmp_path: Path, monkeypatch
) -> None:
    # An installed distribution, as pip would leave it, whose plug-in registers a sink.
    plugin_dir = tmp_path / "site"
    (plugin_dir / "audit_plugin-1.0.dist-info").mkdir(parents=True)
    (plugin_dir / "audit_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: audit-plugin\nVersion: 1.0\n"
    )
    (plugin_dir / "audit_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[desktop_auth.log_sinks]\naudit = audit_plugin:AuditSink\n"
    )
    (plugin_dir / "audit_plugin.py").write_text(
        "RECEIVED = []\n\n"
        "class AuditSink:\n"
        "    def write(self, entry):\n"
        "        RECEIVED.append(entry.event)\n"
    )
    monkeypatch.syspath_prepend(str(plugin_dir))
    monkeypatch.delitem(sys.modules, "audit_plugin", raising=False)
    auth = closing(build(server.url))

    signed_in_editor(qtbot, auth, ALICE)
    auth.close()

    assert sys.modules["audit_plugin"].RECEIVED == ["app_started", "login_succeeded", "logged_out"]


def test_entry_point_sinks_can_be_turned_off(qtbot, server: LiveServer, closing) -> None:
    auth = closing(build(server.url, entry_point_sinks=False, log_sinks=[ListSink()]))
    signed_in_editor(qtbot, auth, ALICE)
    auth.close()

    assert auth._forwarder is not None
    assert all(isinstance(sink, ListSink) for sink in auth._forwarder.sinks)


# Notifier


class RecordingNotifier:
    """The app's own notifier: its status bar, say; here a list."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, message: str = "") -> None:
        self.shown.append((title, message))


def test_a_custom_notifier_is_told_of_sign_in_denial_and_sign_out(
    qtbot, server: LiveServer, closing
) -> None:
    notifier = RecordingNotifier()
    auth = closing(build(server.url, notifier=notifier))
    save = signed_in_editor(qtbot, auth, ALICE)
    assert notifier.shown == [("Signed in", "Welcome, Alice.")]
    assert save.isEnabled()

    auth.sign_out()

    qtbot.waitUntil(auth.login_window.isActiveWindow)
    assert notifier.shown[-1] == ("Signed out", "")
    assert not auth.main_window.isVisible()
    assert auth.main_window.findChild(QPushButton, "saveButton").isEnabled() is False


# Login window


class WorkspaceLoginWindow(LoginWindow):
    """A login window with the app's own field: which workspace to open."""

    def __init__(self, controller, **kw: Any) -> None:
        super().__init__(controller, **kw)
        self.workspace = QLineEdit()
        self.workspace.setObjectName("workspace")
        self.add_form_field("Wor&kspace", self.workspace)  # Alt+W is "Show password"


def test_a_login_window_subclass_is_used_with_its_own_field_in_the_tab_order(
    qtbot, server: LiveServer, closing
) -> None:
    auth = closing(build(server.url, login_window_class=WorkspaceLoginWindow))
    window = auth.login_window
    assert isinstance(window, WorkspaceLoginWindow)
    assert not window.settings_button.isVisible()  # DesktopAuth has no settings to offer
    auth.show_login()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClicks(window.username, ALICE[0])
    qtbot.keyClick(window.username, Qt.Key_Tab)
    qtbot.keyClicks(window.password, ALICE[1])
    for _ in range(3):  # past "Show password" and "Stay signed in"
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
    assert QApplication.focusWidget() is window.workspace
    qtbot.keyClicks(window.workspace, "reports")
    qtbot.keyClick(window.workspace, Qt.Key_Tab)
    assert QApplication.focusWidget() is window.sign_in_button
    qtbot.keyClick(window.sign_in_button, Qt.Key_Tab, Qt.ShiftModifier)
    with qtbot.waitSignal(auth.events.login_succeeded, timeout=SIGN_IN_MS):
        qtbot.keyClick(window.workspace, Qt.Key_Return)  # Enter signs in from it too

    assert window.workspace.text() == "reports"


def test_alt_mnemonic_of_an_added_field_moves_the_focus_there(
    qtbot, server: LiveServer, closing
) -> None:
    auth = closing(build(server.url, login_window_class=WorkspaceLoginWindow))
    auth.show_login()
    qtbot.waitUntil(auth.login_window.isActiveWindow)

    qtbot.keyClick(auth.login_window, Qt.Key_K, Qt.AltModifier)

    assert QApplication.focusWidget() is auth.login_window.workspace


def test_the_login_window_carries_the_apps_own_name(qtbot, server: LiveServer, closing) -> None:
    auth = closing(build(server.url, app_name="Acme Notes"))
    auth.show_login()
    qtbot.waitUntil(auth.login_window.isActiveWindow)

    assert auth.login_window.windowTitle() == "Acme Notes — Sign in"
    assert auth.login_window.app_name.text() == "Acme Notes"
    with qtbot.waitSignal(auth.events.login_succeeded, timeout=SIGN_IN_MS):
        sign_in_by_keyboard(qtbot, auth, ALICE)
    auth.lock()
    assert auth.login_window.windowTitle() == "Acme Notes — Locked"
