"""AuthController against a live server: signals in order, cancel, sign-out, lock, refresh."""

from __future__ import annotations

import logging

from PyQt5.QtCore import QThreadPool

from desktop_auth.qt.controller import AuthController
from tests.server.conftest import ALICE, BOB


def wait_for_pool():
    assert QThreadPool.globalInstance().waitForDone(15_000)


def test_sign_in_emits_started_then_succeeded_with_the_session_and_its_permissions(
    qtbot, server, controller
):
    events = controller.events
    seen = []
    events.login_started.connect(lambda name: seen.append(("started", name)))
    events.login_succeeded.connect(lambda session: seen.append(("succeeded", session)))
    events.permissions_changed.connect(
        lambda permissions: seen.append(("permissions", permissions))
    )

    with qtbot.waitSignal(events.permissions_changed, timeout=15_000):
        controller.sign_in(*ALICE)

    assert [kind for kind, _ in seen] == ["started", "succeeded", "permissions"]
    assert seen[0][1] == "alice"
    session = seen[1][1]
    assert session.username == "alice"
    assert session.issuer == server.url
    assert {"admin", "editor"} <= session.roles
    assert session.allows("users.manage")
    assert seen[2][1] == session.permissions
    assert controller.session == session
    assert not controller.signing_in


def test_wrong_password_fails_with_kind_credentials(qtbot, controller):
    with qtbot.waitSignal(controller.events.login_failed, timeout=15_000) as failed:
        controller.sign_in("alice", "not her password at all")

    assert failed.args[0].kind == "credentials"
    assert failed.args[0].message
    assert controller.session is None


def test_a_second_sign_in_while_one_runs_is_ignored(qtbot, controller):
    started = []
    controller.events.login_started.connect(started.append)

    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000):
        controller.sign_in(*BOB)
        controller.sign_in(*ALICE)

    wait_for_pool()
    assert started == ["bob"]
    assert controller.session.username == "bob"


def test_cancel_reports_cancelled_and_the_late_result_is_ignored(qtbot, controller):
    succeeded = []
    controller.events.login_succeeded.connect(succeeded.append)

    with qtbot.waitSignal(controller.events.login_failed) as failed:
        controller.sign_in(*ALICE)
        assert controller.cancel()
    wait_for_pool()
    qtbot.wait(100)  # let any late result arrive

    assert failed.args[0].kind == "cancelled"
    assert succeeded == []
    assert controller.session is None
    assert not controller.cancel()


def test_sign_out_reports_the_user_and_revokes_the_refresh_token(qtbot, server, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*ALICE)
    refresh_token = signed_in.args[0].tokens.refresh_token
    assert refresh_token

    with qtbot.waitSignals(
        [controller.events.logged_out, controller.events.permissions_changed]
    ) as both:
        controller.sign_out()
    wait_for_pool()

    assert both.all_signals_and_args[0].args == ("user",)
    assert both.all_signals_and_args[1].args == (frozenset(),)
    assert controller.session is None
    assert server.refresh(refresh_token).status_code == 400


def test_lock_then_signing_in_again_unlocks_with_a_new_session(qtbot, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000):
        controller.sign_in(*ALICE)
    with qtbot.waitSignal(controller.events.locked):
        controller.lock()
    assert controller.is_locked

    with qtbot.waitSignal(controller.events.unlocked, timeout=15_000) as unlocked:
        controller.sign_in(*ALICE)
    wait_for_pool()

    assert unlocked.args[0].username == "alice"
    assert not controller.is_locked


def test_refresh_renews_the_session_silently(qtbot, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*BOB)

    with qtbot.waitSignal(controller.events.session_refreshed, timeout=15_000) as refreshed:
        controller.refresh()
    wait_for_pool()

    assert refreshed.args[0].username == "bob"
    assert refreshed.args[0].tokens.access_token != signed_in.args[0].tokens.access_token
    assert controller.session is refreshed.args[0]


def test_a_refresh_the_server_refuses_expires_the_session_and_locks(qtbot, server, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*BOB)
    # Spend the refresh token elsewhere: the server then revokes its whole family.
    assert server.refresh(signed_in.args[0].tokens.refresh_token).status_code == 200
    assert server.refresh(signed_in.args[0].tokens.refresh_token).status_code == 400

    with qtbot.waitSignals(
        [controller.events.session_expired, controller.events.locked], timeout=15_000
    ):
        controller.refresh()
    wait_for_pool()

    assert controller.is_locked


def test_an_unexpected_error_is_a_protocol_failure_logged_without_its_message(qtbot, caplog):
    def broken_client():
        raise RuntimeError("password=hunter2 leaked into an exception")

    controller = AuthController(broken_client)
    with caplog.at_level(logging.ERROR), qtbot.waitSignal(controller.events.login_failed) as failed:
        controller.sign_in("alice", "hunter2")
    wait_for_pool()

    assert failed.args[0].kind == "protocol"
    assert "unexpected error" in failed.args[0].message
    assert "unexpected RuntimeError during sign-in" in caplog.text
    assert "hunter2" not in caplog.text


def test_a_stopped_server_fails_with_kind_network(qtbot, stopped_server_url, make_client):
    controller = AuthController(make_client(stopped_server_url, timeout=3.0))

    with qtbot.waitSignal(controller.events.login_failed, timeout=15_000) as failed:
        controller.sign_in(*ALICE)

    assert failed.args[0].kind == "network"
    assert "127.0.0.1" in failed.args[0].message
