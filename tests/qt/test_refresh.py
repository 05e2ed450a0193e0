"""Background renewal against live servers: when it is due, rotation, retrying through a network
blip, and ending the session when renewal is refused or the blip outlasts the access token."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PyQt5.QtCore import QThreadPool, QTimer

from desktop_auth.qt.controller import AuthController
from desktop_auth.session import Session
from tests.server.conftest import ALICE, BOB, LiveServer

SIGN_IN_MS = 15_000


def wait_for_pool() -> None:
    assert QThreadPool.globalInstance().waitForDone(15_000)


def refresh_timer(controller: AuthController) -> QTimer:
    timer = controller.findChild(QTimer, "refreshTimer")
    assert timer is not None
    return timer


@pytest.fixture
def short_lived_server(start_server: Callable[..., LiveServer]) -> Callable[[int], LiveServer]:
    """``short_lived_server(seconds)``: a server with alice and bob whose access tokens last
    that long."""

    def start(access_token_lifetime: int) -> LiveServer:
        live = start_server(access_token_lifetime=access_token_lifetime)
        live.add_user(*ALICE, roles=("admin", "editor"))
        live.add_user(*BOB, roles=("viewer",))
        return live

    return start


@pytest.fixture
def make_controller(
    start_server: Callable[..., LiveServer], make_client: Callable[..., object]
) -> Iterator[Callable[[LiveServer], AuthController]]:
    """Controllers for servers of ``start_server`` (on which this depends, so they are shut
    down before the servers stop)."""
    made: list[AuthController] = []

    def make(live: LiveServer) -> AuthController:
        controller = AuthController(make_client(live.url, timeout=3.0))  # type: ignore[arg-type]
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()
    wait_for_pool()


def sign_in(qtbot, controller: AuthController, credentials: tuple[str, str]) -> Session:
    with qtbot.waitSignal(controller.events.login_succeeded, timeout=SIGN_IN_MS) as signed_in:
        controller.sign_in(*credentials)
    session: Session = signed_in.args[0]
    return session


def record(signal) -> list[tuple]:
    seen: list[tuple] = []
    signal.connect(lambda *args: seen.append(args))
    return seen


# When renewal is due


def test_renewal_is_due_at_80_percent_of_the_access_token_lifetime(qtbot, server, controller):
    lifetime = server.served.config.access_token_lifetime
    sign_in(qtbot, controller, ALICE)

    timer = refresh_timer(controller)
    assert timer.isActive()
    assert 0.75 * lifetime <= timer.interval() / 1000 <= 0.85 * lifetime

    with qtbot.waitSignal(controller.events.session_refreshed, timeout=SIGN_IN_MS):
        controller.refresh()
    wait_for_pool()

    # Due again at 80% of the new access token's lifetime.
    assert timer.isActive()
    assert 0.75 * lifetime <= timer.interval() / 1000 <= 0.85 * lifetime


def test_the_session_is_renewed_by_itself_before_its_access_token_expires_and_rotates(
    qtbot, short_lived_server, make_controller
):
    live = short_lived_server(10)
    controller = make_controller(live)
    signed_in = sign_in(qtbot, controller, BOB)
    signed_in_at = time.monotonic()

    # Nobody calls refresh(): the controller's timer does, at about 8 s.
    with qtbot.waitSignal(controller.events.session_refreshed, timeout=15_000) as refreshed:
        pass
    after = time.monotonic() - signed_in_at
    wait_for_pool()

    assert 6 <= after < 10
    renewed = refreshed.args[0]
    assert renewed.username == "bob"
    assert controller.session is renewed
    assert renewed.expires_at > signed_in.expires_at
    old_token, new_token = signed_in.tokens.refresh_token, renewed.tokens.refresh_token
    assert new_token
    assert new_token != old_token
    assert live.refresh(old_token).status_code == 400  # spent by the rotation


def test_a_refresh_renews_the_session_silently(qtbot, controller):
    signed_in = sign_in(qtbot, controller, BOB)
    started = record(controller.events.login_started)

    with qtbot.waitSignal(controller.events.session_refreshed, timeout=SIGN_IN_MS) as refreshed:
        controller.refresh()
    wait_for_pool()

    assert refreshed.args[0].username == "bob"
    assert refreshed.args[0].tokens.access_token != signed_in.tokens.access_token
    assert controller.session is refreshed.args[0]
    assert started == []


def test_a_second_refresh_while_one_runs_is_ignored(qtbot, server, controller):
    # Two at once would spend the refresh token twice, and the server would end the session.
    sign_in(qtbot, controller, BOB)
    refreshed = record(controller.events.session_refreshed)
    expired = record(controller.events.session_expired)

    controller.refresh()
    controller.refresh()
    qtbot.waitUntil(lambda: bool(refreshed), timeout=SIGN_IN_MS)
    wait_for_pool()
    qtbot.wait(100)  # let any second result arrive

    assert len(refreshed) == 1
    assert expired == []
    assert server.refresh(controller.session.tokens.refresh_token).status_code == 200


# Refused renewals end the session at once


def test_a_refresh_the_server_refuses_expires_the_session_and_locks_without_retrying(
    qtbot, server, controller
):
    signed_in = sign_in(qtbot, controller, BOB)
    # Spend the refresh token elsewhere: the server then revokes its whole family.
    assert server.refresh(signed_in.tokens.refresh_token).status_code == 200
    assert server.refresh(signed_in.tokens.refresh_token).status_code == 400
    retrying = record(controller.refresh_retrying)

    with qtbot.waitSignals(
        [controller.events.session_expired, controller.events.locked], timeout=SIGN_IN_MS
    ):
        controller.refresh()
    wait_for_pool()

    assert retrying == []
    assert controller.is_locked
    assert controller.session is signed_in  # kept for the lock screen
    assert not refresh_timer(controller).isActive()


# Network blips


def test_a_network_blip_is_retried_with_growing_delays_until_the_server_is_back(
    qtbot, server, controller
):
    signed_in = sign_in(qtbot, controller, ALICE)
    retrying = record(controller.refresh_retrying)
    expired = record(controller.events.session_expired)
    server.served.stop()

    controller.refresh()
    qtbot.waitUntil(lambda: len(retrying) >= 3, timeout=15_000)  # after about 1 + 2 s
    server.restart()
    with qtbot.waitSignal(controller.events.session_refreshed, timeout=15_000) as refreshed:
        pass
    wait_for_pool()

    delays = [seconds for seconds, _ in retrying]
    assert delays == [1, 2, 4]
    assert retrying[0][1].startswith("Could not renew your session; trying again in 1 s.")
    message = retrying[-1][1]
    assert message.startswith("Could not renew your session; trying again in 4 s.")
    assert f"Cannot reach 127.0.0.1:{server.served.port}: connection refused" in message
    assert signed_in.tokens.refresh_token not in message
    assert expired == []
    assert not controller.is_locked
    assert refreshed.args[0].username == "alice"
    assert controller.session is refreshed.args[0]
    # Renewal is due at 80% of the new lifetime again, not at the next retry.
    assert refresh_timer(controller).interval() > 60_000


def test_a_blip_that_outlasts_the_access_token_expires_the_session_and_locks(
    qtbot, short_lived_server, make_controller
):
    live = short_lived_server(6)
    controller = make_controller(live)
    signed_in = sign_in(qtbot, controller, ALICE)
    retrying = record(controller.refresh_retrying)
    refreshed = record(controller.events.session_refreshed)
    live.served.stop()

    with qtbot.waitSignals(
        [controller.events.session_expired, controller.events.locked], timeout=15_000
    ):
        controller.refresh()
    expired_at = time.time()
    wait_for_pool()

    assert len(retrying) >= 2  # retried while the access token lasted...
    assert expired_at >= signed_in.expires_at.timestamp()  # ...and gave up only after
    assert refreshed == []
    assert controller.is_locked
    assert controller.session is signed_in
    assert not refresh_timer(controller).isActive()


# Nothing stale fires once the session is gone


def test_signing_out_cancels_the_retries(qtbot, server, controller):
    sign_in(qtbot, controller, ALICE)
    retrying = record(controller.refresh_retrying)
    server.served.stop()
    with qtbot.waitSignal(controller.refresh_retrying, timeout=SIGN_IN_MS):
        controller.refresh()

    controller.sign_out()
    later = [
        record(controller.refresh_retrying),
        record(controller.events.session_refreshed),
        record(controller.events.session_expired),
        record(controller.events.locked),
    ]
    qtbot.wait(2_500)  # past the retry that was due in 1 s
    wait_for_pool()

    assert len(retrying) == 1
    assert later == [[], [], [], []]
    assert not refresh_timer(controller).isActive()
    assert controller.session is None


def test_shutting_down_cancels_the_retries(qtbot, server, controller):
    sign_in(qtbot, controller, ALICE)
    server.served.stop()
    with qtbot.waitSignal(controller.refresh_retrying, timeout=SIGN_IN_MS):
        controller.refresh()

    controller.shutdown()
    later = [
        record(controller.refresh_retrying),
        record(controller.revocation_failed),
        record(controller.events.session_expired),
        record(controller.events.locked),
    ]
    qtbot.wait(2_500)
    wait_for_pool()

    assert later == [[], [], [], []]
    assert not refresh_timer(controller).isActive()


def test_another_sign_in_cancels_the_retries_of_the_session_it_replaces(qtbot, server, controller):
    sign_in(qtbot, controller, ALICE)
    retrying = record(controller.refresh_retrying)
    server.served.stop()
    controller.refresh()
    # The next retry of alice's session is then about 4 s away: time enough for bob.
    qtbot.waitUntil(lambda: len(retrying) >= 3, timeout=15_000)
    server.restart()

    bob = sign_in(qtbot, controller, BOB)
    after_bob = len(retrying)
    refreshed = record(controller.events.session_refreshed)
    qtbot.wait(5_000)  # past the retry alice's session had due
    wait_for_pool()

    assert controller.session is bob
    assert len(retrying) == after_bob
    assert refreshed == []
    assert refresh_timer(controller).interval() > 60_000
