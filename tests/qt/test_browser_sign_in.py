"""AuthController's browser sign-in: the same events as any sign-in, cancellable by Esc."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from PyQt5.QtCore import QThreadPool

from desktop_auth.qt.controller import AuthController
from desktop_auth.server.models import Client
from tests.http_browser import BrowserRobot, HttpBrowser, alice_signs_in
from tests.server.conftest import ALICE


def test_a_browser_sign_in_emits_the_sign_in_events_with_a_browser_session(qtbot, controller):
    robot = BrowserRobot(alice_signs_in)
    controller.browser_url_ready.connect(robot)

    with qtbot.waitSignals(
        [controller.events.login_started, controller.events.login_succeeded], timeout=30_000
    ) as signals:
        controller.sign_in_with_browser("alice")

    page = robot.finish()
    session = signals.all_signals_and_args[1].args[0]
    assert session.username == "alice"
    assert session.method == "browser"
    assert robot.params["login_hint"] == "alice"
    assert page is not None
    assert "Signed in" in page.text
    assert not controller.signing_in


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_cancel_stops_waiting_for_the_browser_and_closes_the_listener(qtbot, controller):
    def reads_the_page_and_walks_away(browser: HttpBrowser, url: str) -> None:
        browser.open(url)

    robot = BrowserRobot(reads_the_page_and_walks_away)
    controller.browser_url_ready.connect(robot)
    with qtbot.waitSignal(controller.browser_url_ready, timeout=30_000):
        controller.sign_in_with_browser()
    robot.finish()
    port = urlsplit(robot.redirect_uri).port
    assert port is not None
    assert listening(port)

    with qtbot.waitSignal(controller.events.login_failed) as failed:
        assert controller.cancel()

    assert failed.args[0].kind == "cancelled"
    assert QThreadPool.globalInstance().waitForDone(10_000)  # the worker ends promptly
    assert not listening(port)


def test_a_server_that_wants_its_own_pages_continues_in_the_browser(qtbot, server, make_client):
    assert server.cli("client", "add", "web-only") == 0
    with server.state.db.session() as db:
        db.query(Client).filter_by(client_id="web-only").one().first_party = False
    controller = AuthController(make_client(server.url, client_id="web-only"))
    robot = BrowserRobot(alice_signs_in)
    controller.browser_url_ready.connect(robot)

    with qtbot.waitSignal(controller.events.login_succeeded, timeout=30_000) as signed_in:
        controller.sign_in(*ALICE)

    robot.finish()
    assert signed_in.args[0].method == "browser"
    controller.shutdown()
    assert QThreadPool.globalInstance().waitForDone(10_000)
