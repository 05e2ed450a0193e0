"""examples/server_receiver.py: another system hears of every sign-in, and no sign-in waits
for it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examples import server_receiver
from tests.server.conftest import (
    ALICE,
    LiveServer,
    ServerClient,
    ServerProcess,
    WebhookSink,
    free_port,
    server_command,
    wait_for,
)

SCRIPT = Path(server_receiver.__file__)


class OtherSystem(WebhookSink):
    """The system being notified: an HTTP endpoint on 127.0.0.1 that records each notice
    (``received``), answering ``fail_first`` of them 503 first, as a system that is down would.

    ``hold()`` keeps it from answering until ``release()``, as a slow system would.
    """

    def __init__(self) -> None:
        super().__init__()
        self.url += "?key=chat-hook-key"
        self.arrived = threading.Event()
        self.answer = threading.Event()
        self.answer.set()
        system = self

        class Holding(self.httpd.RequestHandlerClass):
            def do_POST(self) -> None:
                system.arrived.set()
                system.answer.wait(30)
                super().do_POST()

        self.httpd.RequestHandlerClass = Holding

    def hold(self) -> None:
        self.answer.clear()

    def release(self) -> None:
        self.answer.set()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]

    def close(self) -> None:
        self.release()
        super().close()


@pytest.fixture
def other_system() -> Iterator[OtherSystem]:
    system = OtherSystem()
    yield system
    system.close()


@pytest.fixture
def notifying_server(server: LiveServer, other_system: OtherSystem) -> Iterator[LiveServer]:
    """The bundled server with the example's receiver connected to ``other_system``."""
    server_receiver.connect(server.served.app, other_system.url)
    yield server
    server_receiver.disconnect(server.served.app)


def assert_no_secrets(raw: bytes, *secrets: str) -> None:
    text = raw.decode()
    for secret in secrets:
        assert secret not in text


def test_the_other_system_is_told_who_signed_in_and_never_the_password_or_tokens(
    notifying_server: LiveServer, other_system: OtherSystem
) -> None:
    tokens = notifying_server.sign_in(*ALICE)

    wait_for(lambda: other_system.received)
    [(headers, raw)] = other_system.received
    notice = json.loads(raw)
    assert notice["username"] == ALICE[0]
    assert notice["method"] == "challenge"
    assert notice["client_id"] == "desktop-auth"
    assert headers["Idempotency-Key"] == notice["event_id"]
    assert set(notice) == {"event_id", "username", "signed_in_at", "method", "client_id"}
    assert_no_secrets(raw, ALICE[1], tokens["access_token"], tokens["refresh_token"])
    assert_no_secrets(raw, tokens["id_token"])


def test_sign_ins_finish_while_the_other_system_is_still_answering(
    notifying_server: LiveServer, other_system: OtherSystem
) -> None:
    other_system.hold()
    notifying_server.sign_in(*ALICE)
    assert other_system.arrived.wait(10)

    # The outbox worker is held in the receiver; were the receiver on the request path, this
    # sign-in would hang until the release below.
    notifying_server.sign_in(*ALICE)
    assert other_system.received == []

    other_system.release()
    wait_for(lambda: len(other_system.received) == 2)
    assert [n["username"] for n in other_system.bodies()] == [ALICE[0], ALICE[0]]


def test_a_refused_notice_is_sent_again_and_a_wrong_password_is_not_announced(
    notifying_server: LiveServer, other_system: OtherSystem
) -> None:
    other_system.fail_first = 1
    assert notifying_server.challenge(ALICE[0], "not the password at all").status_code == 400
    notifying_server.sign_in(*ALICE)

    # The first try was answered 503; the worker retries after its backoff (1 s).
    wait_for(lambda: other_system.received, timeout=15)
    [notice] = other_system.bodies()
    assert notice["username"] == ALICE[0]


@pytest.mark.slow
def test_the_script_serves_the_data_dir_and_notifies(
    tmp_path: Path, other_system: OtherSystem
) -> None:
    data_dir = tmp_path / "server"
    subprocess.run(server_command(data_dir, "init"), check=True, capture_output=True)
    subprocess.run(
        server_command(data_dir, "user", "add", ALICE[0], "--password-stdin", "--roles", "admin"),
        input=ALICE[1] + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    script = ServerProcess(
        [
            sys.executable,
            str(SCRIPT),
            "--data-dir",
            str(data_dir),
            "--notify-url",
            other_system.url,
            "--port",
            str(free_port()),
        ]
    )
    try:
        url = script.start()
        ServerClient(url).sign_in(*ALICE)
        wait_for(lambda: other_system.received, timeout=15)
    finally:
        script.kill()
    [notice] = other_system.bodies()
    assert notice["username"] == ALICE[0]
