"""AuthController against a live server: signals in order, cancel, sign-out, lock and unlock.

Renewal is tested in test_refresh.py."""

from __future__ import annotations

import logging

from PyQt5.QtCore import QThreadPool
from sqlalchemy import select

from desktop_auth.qt.controller import AuthController
from desktop_auth.server.models import Token, User
from tests.server.conftest import ALICE, BOB, LiveServer


def wait_for_pool():
    assert QThreadPool.globalInstance().waitForDone(15_000)


def userinfo_status(server: LiveServer, access_token: str) -> int:
    """What the server's userinfo endpoint answers to ``access_token``: 200 while it is live."""
    return server.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"}).status_code


def live_tokens_of(server: LiveServer, username: str) -> int:
    """How many of ``username``'s tokens the server has not revoked."""
    with server.state.db.session() as session:
        return len(
            session.scalars(
                select(Token)
                .join(User, Token.user_id == User.id)
                .where(User.username == username, Token.revoked_at.is_(None))
            ).all()
        )


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


def test_sign_out_reports_the_user_and_revokes_the_tokens_at_the_server(qtbot, server, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*ALICE)
    tokens = signed_in.args[0].tokens
    assert tokens.refresh_token
    assert userinfo_status(server, tokens.access_token) == 200
    revocation_failed = []
    controller.revocation_failed.connect(revocation_failed.append)

    with qtbot.waitSignals(
        [controller.events.logged_out, controller.events.permissions_changed]
    ) as both:
        controller.sign_out()
    wait_for_pool()
    qtbot.wait(50)  # let the revocation's result arrive

    assert both.all_signals_and_args[0].args == ("user",)
    assert both.all_signals_and_args[1].args == (frozenset(),)
    assert controller.session is None
    assert revocation_failed == []
    assert server.refresh(tokens.refresh_token).status_code == 400
    assert userinfo_status(server, tokens.access_token) == 401


def test_sign_out_with_the_server_unreachable_ends_the_session_here_and_says_so(
    qtbot, server, controller
):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*ALICE)
    tokens = signed_in.args[0].tokens
    server.served.stop()
    logged_out = []
    controller.events.logged_out.connect(logged_out.append)

    with qtbot.waitSignal(controller.revocation_failed, timeout=15_000) as failed:
        controller.sign_out()
        # Signed out here at once, before the server could have answered.
        assert logged_out == ["user"]
        assert controller.session is None
    wait_for_pool()

    message = failed.args[0]
    assert message.startswith(
        "You are signed out on this computer, but the identity server could not be told; "
        "your session there ends when it expires."
    )
    assert f"Cannot reach 127.0.0.1:{server.served.port}: connection refused" in message
    assert tokens.refresh_token not in message
    assert tokens.access_token not in message
    assert ALICE[1] not in message


def test_lock_then_signing_in_again_unlocks_with_a_new_session(qtbot, server, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*ALICE)
    with qtbot.waitSignal(controller.events.locked):
        controller.lock()
    assert controller.is_locked

    with qtbot.waitSignal(controller.events.unlocked, timeout=15_000) as unlocked:
        controller.sign_in(*ALICE)
    wait_for_pool()

    assert unlocked.args[0].username == "alice"
    assert controller.session is unlocked.args[0]
    assert not controller.is_locked
    # The locked session's grant is replaced by the new one, not left alive at the server.
    assert server.refresh(signed_in.args[0].tokens.refresh_token).status_code == 400


def test_unlock_signs_in_again_as_the_locked_user(qtbot, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000):
        controller.sign_in(*BOB)
    assert not controller.unlock(BOB[1])  # nothing is locked
    controller.lock()
    started = []
    controller.events.login_started.connect(started.append)

    with qtbot.waitSignal(controller.events.unlocked, timeout=15_000) as unlocked:
        assert controller.unlock(BOB[1])
    wait_for_pool()

    assert started == ["bob"]
    assert unlocked.args[0].username == "bob"
    assert not controller.is_locked


def test_unlock_with_a_wrong_password_fails_and_stays_locked(qtbot, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*BOB)
    controller.lock()

    with qtbot.waitSignal(controller.events.login_failed, timeout=15_000) as failed:
        controller.unlock("not his password")
    wait_for_pool()

    assert failed.args[0].kind == "credentials"
    assert controller.is_locked
    assert controller.session is signed_in.args[0]


def test_another_user_cannot_sign_in_at_the_lock_screen(qtbot, server, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000) as signed_in:
        controller.sign_in(*ALICE)
    alice = signed_in.args[0]
    controller.lock()
    seen = []
    for name in ("login_succeeded", "unlocked", "logged_out", "permissions_changed"):
        getattr(controller.events, name).connect(lambda *args, name=name: seen.append(name))

    with qtbot.waitSignal(controller.events.login_failed, timeout=15_000) as failed:
        controller.sign_in(*BOB)
    wait_for_pool()
    qtbot.wait(50)  # let the revocation's result arrive

    failure = failed.args[0]
    assert failure.kind == "credentials"
    assert "Only alice can unlock here" in failure.message
    assert '"Sign in as another user"' in failure.message
    assert seen == []
    assert controller.is_locked
    assert controller.session is alice
    # Bob's sign-in got tokens; they are revoked at once. Alice's session is untouched.
    assert live_tokens_of(server, "bob") == 0
    assert userinfo_status(server, alice.tokens.access_token) == 200

    # Alice can still unlock.
    with qtbot.waitSignal(controller.events.unlocked, timeout=15_000):
        controller.unlock(ALICE[1])
    wait_for_pool()


def test_signing_in_as_another_user_when_not_locked_signs_the_first_one_out(qtbot, controller):
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=15_000):
        controller.sign_in(*ALICE)
    revocation_failed = []
    controller.revocation_failed.connect(revocation_failed.append)

    with qtbot.waitSignals(
        [controller.events.logged_out, controller.events.login_succeeded], timeout=15_000
    ) as both:
        controller.sign_in(*BOB)
    wait_for_pool()

    assert both.all_signals_and_args[0].args == ("another user signed in",)
    assert controller.session.username == "bob"
    assert revocation_failed == []


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
