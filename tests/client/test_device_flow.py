"""Sign-in on another device (RFC 8628) with the library and `login --device`, against the
bundled server; an HTTP client acting as the browser on the other device approves or denies."""

from __future__ import annotations

import json
import logging
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
import requests

from desktop_auth.errors import CancelledError, ProtocolError, ServerError
from desktop_auth.oidc import (
    CancelToken,
    DeviceAuthorizationDeniedError,
    DeviceCode,
    DeviceCodeExpiredError,
    DeviceFlowUnsupportedError,
    OIDCClient,
)
from desktop_auth.oidc.browser import AuthorizationDeniedError
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.models import DeviceCode as StoredDeviceCode
from desktop_auth.server.serve import ServedApp
from tests.client.conftest import JsonServer, RewritingProxy, console_script, discovery_document
from tests.http_browser import HttpBrowser
from tests.server.conftest import ALICE, BOB, LiveServer, LoginPage, wait_for

USER_CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")
WAIT_SECONDS = 60
DENIED_MESSAGE = "Sign-in was declined on the other device."


@pytest.fixture
def device_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """The bundled server with alice and bob, polled every second (not 5) to keep tests short."""
    live = start_server(device_poll_interval=1)
    live.add_user(
        *ALICE, roles=("admin", "editor"), email="alice@example.org", display_name="Alice"
    )
    live.add_user(*BOB, roles=("viewer",))
    return live


# --- the person at the other device -----------------------------------------------------------


def enter_code(browser: HttpBrowser, code: DeviceCode) -> requests.Response:
    """Open the verification address, type the code shown, continue."""
    page = browser.open(code.verification_uri)
    assert page.status_code == 200, page.text
    confirm = browser.submit(page, user_code=code.user_code, action="continue")
    assert "password" in LoginPage(confirm.text).fields, confirm.text
    return confirm


def approves(
    credentials: tuple[str, str] = ALICE,
) -> Callable[[HttpBrowser, DeviceCode], requests.Response]:
    def scenario(browser: HttpBrowser, code: DeviceCode) -> requests.Response:
        username, password = credentials
        return browser.submit(
            enter_code(browser, code), username=username, password=password, action="approve"
        )

    return scenario


def denies(browser: HttpBrowser, code: DeviceCode) -> requests.Response:
    return browser.submit(enter_code(browser, code), action="deny")


def does_nothing(browser: HttpBrowser, code: DeviceCode) -> None:
    return None


Scenario = Callable[[HttpBrowser, DeviceCode], requests.Response | None]


class OtherDevice:
    """``on_code`` for a device sign-in: acts out ``scenario(browser, code)`` in a thread, as
    the person does on a phone once the app shows the code. ``finish()`` returns the last
    page, or raises what went wrong."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.codes: list[DeviceCode] = []
        self.shown = threading.Event()
        self.browser = HttpBrowser()
        self._page: requests.Response | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, code: DeviceCode) -> None:
        self.codes.append(code)
        assert self._thread is None, "the code was shown twice"
        self._thread = threading.Thread(target=self._run, args=(code,), daemon=True)
        self._thread.start()
        self.shown.set()

    def _run(self, code: DeviceCode) -> None:
        try:
            self._page = self.scenario(self.browser, code)
        except BaseException as exc:  # re-raised in the test's thread by finish()
            self._error = exc

    @property
    def code(self) -> DeviceCode:
        (only,) = self.codes
        return only

    def finish(self) -> requests.Response | None:
        try:
            if self._thread is not None:
                self._thread.join(WAIT_SECONDS)
                assert not self._thread.is_alive(), "the other device is still busy"
            if self._error is not None:
                raise self._error
            return self._page
        finally:
            self.browser.close()


def stored_codes(server: LiveServer) -> list[StoredDeviceCode]:
    from sqlalchemy import select

    with server.state.db.session() as session:
        return list(session.scalars(select(StoredDeviceCode)))


# --- approve, deny, expire, cancel --------------------------------------------------------------


def test_approved_on_another_device_gives_alice_her_session(
    device_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(device_server.url)
    other = OtherDevice(approves())
    before = datetime.now(UTC)

    session = client.sign_in_with_device(other)
    page = other.finish()

    assert session.method == "device"
    assert session.username == "alice"
    assert session.display_name == "Alice"
    assert session.email == "alice@example.org"
    assert session.roles == frozenset({"admin", "editor"})
    assert session.allows("documents.write")
    assert session.issuer == device_server.url
    assert session.tokens is not None
    assert session.tokens.refresh_token
    assert page is not None
    assert page.status_code == 200
    code = other.code
    assert USER_CODE.fullmatch(code.user_code)
    assert code.verification_uri == device_server.url + "/device"
    assert code.verification_uri_complete == f"{code.verification_uri}?user_code={code.user_code}"
    assert code.interval == 1
    assert before + timedelta(seconds=590) < code.expires_at
    assert code.expires_at < datetime.now(UTC) + timedelta(seconds=610)
    # A device session renews like any other.
    assert client.refresh(session).username == "alice"


def test_the_person_who_signs_in_on_the_other_device_is_the_user(
    device_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    other = OtherDevice(approves(BOB))

    session = make_client(device_server.url).sign_in_with_device(other)
    other.finish()

    assert session.username == "bob"
    assert session.roles == frozenset({"viewer"})
    assert not session.allows("documents.write")


def test_the_device_code_is_kept_out_of_what_is_shown(
    device_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    other = OtherDevice(approves())

    make_client(device_server.url).sign_in_with_device(other)
    other.finish()

    assert set(vars(other.code)) == {
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_at",
        "interval",
    }


def test_declined_on_the_other_device_is_a_credentials_failure(
    device_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    other = OtherDevice(denies)

    with pytest.raises(DeviceAuthorizationDeniedError) as error:
        make_client(device_server.url).sign_in_with_device(other)
    other.finish()

    assert error.value.message == DENIED_MESSAGE
    assert error.value.kind == "credentials"
    assert isinstance(error.value, AuthorizationDeniedError)


def test_code_not_approved_in_time_expires_with_a_clear_message(
    start_server: Callable[..., LiveServer], make_client: Callable[..., OIDCClient]
) -> None:
    server = start_server(device_code_lifetime=2, device_poll_interval=1)
    other = OtherDevice(does_nothing)

    with pytest.raises(DeviceCodeExpiredError) as error:
        make_client(server.url).sign_in_with_device(other)
    other.finish()

    assert "expired" in error.value.message
    assert "Start again" in error.value.message
    assert error.value.kind == "cancelled"


def test_cancel_stops_the_wait_at_once(
    start_server: Callable[..., LiveServer], make_client: Callable[..., OIDCClient]
) -> None:
    # The server's 5 s interval: a cancel that waited for the next poll would take that long.
    server = start_server()
    client = make_client(server.url)
    cancel = CancelToken()
    other = OtherDevice(does_nothing)
    outcome: queue.Queue[BaseException | object] = queue.Queue()

    def worker() -> None:
        try:
            outcome.put(client.sign_in_with_device(other, cancel=cancel))
        except BaseException as exc:
            outcome.put(exc)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert other.shown.wait(WAIT_SECONDS)
    cancelled_at = time.monotonic()
    cancel.cancel()
    result = outcome.get(timeout=WAIT_SECONDS)
    stopped_after = time.monotonic() - cancelled_at
    thread.join(WAIT_SECONDS)
    other.finish()

    assert isinstance(result, CancelledError)
    assert result.message == "Sign-in cancelled."
    assert stopped_after < 4


def test_a_cancel_before_the_start_asks_the_server_for_nothing(
    device_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    cancel = CancelToken()
    cancel.cancel()
    other = OtherDevice(does_nothing)

    with pytest.raises(CancelledError):
        make_client(device_server.url).sign_in_with_device(other, cancel=cancel)

    assert other.codes == []
    assert stored_codes(device_server) == []


# --- polling ------------------------------------------------------------------------------------


@dataclass
class Poll:
    at: float
    status: int
    error: str | None


class PollWatchingProxy(RewritingProxy):
    """Stands between the client and the bundled server: tells the client the server's
    interval is 1 s (so it polls too fast for a server that wants 5) and records the token
    endpoint's answers."""

    def __init__(self) -> None:
        self.polls: list[Poll] = []
        super().__init__()

    def rewrite(self, path: str, response: requests.Response) -> bytes:
        if path == "/device_authorization" and response.ok:
            return json.dumps({**response.json(), "interval": 1}).encode()
        if path == "/token":
            error = None if response.ok else response.json().get("error")
            self.polls.append(Poll(time.monotonic(), response.status_code, error))
        return response.content

    def errors(self) -> list[str | None]:
        return [poll.error for poll in self.polls]


@pytest.fixture
def impatient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PollWatchingProxy]:
    """The bundled server (interval 5 s) with alice, behind a PollWatchingProxy whose URL is
    the issuer."""
    proxy = PollWatchingProxy()
    directory = tmp_path_factory.mktemp("server")
    assert server_cli(["--data-dir", str(directory), "init", "--issuer", proxy.url]) == 0
    served = ServedApp(load_config(directory), fixed_issuer=True).start()
    proxy.target = served.url
    live = LiveServer(served, directory)
    live.add_user(*ALICE, roles=("admin", "editor"))
    try:
        yield proxy
    finally:
        proxy.close()
        served.stop()
        live.http.close()


def test_slow_down_makes_the_client_poll_5_seconds_less_often(
    impatient_server: PollWatchingProxy, make_client: Callable[..., OIDCClient]
) -> None:
    proxy = impatient_server

    def approve_once_slowed_down(browser: HttpBrowser, code: DeviceCode) -> requests.Response:
        wait_for(lambda: "slow_down" in proxy.errors(), timeout=WAIT_SECONDS)
        return approves()(browser, code)

    other = OtherDevice(approve_once_slowed_down)

    session = make_client(proxy.url).sign_in_with_device(other)
    other.finish()

    assert session.username == "alice"
    errors = proxy.errors()
    slowed = errors.index("slow_down")
    assert errors[:slowed] == ["authorization_pending"] * slowed
    # (The approval may even miss a poll on a busy machine: still too fast for the server.)
    assert set(errors[slowed + 1 : -1]) <= {"slow_down"}
    assert errors[-1] is None
    assert proxy.polls[-1].status == 200
    # 1 s as told, then 1 + 5 s after slow_down (RFC 8628 §3.5).
    assert proxy.polls[slowed + 1].at - proxy.polls[slowed].at >= 5.5


def test_polling_goes_on_through_a_network_blip(
    device_server: LiveServer,
    make_client: Callable[..., OIDCClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def server_restarts_then_alice_approves(
        browser: HttpBrowser, code: DeviceCode
    ) -> requests.Response:
        stopped = device_server.served
        stopped.stop()
        wait_for(
            lambda: any("could not poll" in r.getMessage() for r in caplog.records),
            timeout=WAIT_SECONDS,
        )
        # The same data on the same port: the same issuer, back again.
        device_server.served = ServedApp(stopped.config, port=stopped.port).start()
        return approves()(browser, code)

    other = OtherDevice(server_restarts_then_alice_approves)

    with caplog.at_level(logging.WARNING, logger="desktop_auth.oidc.device"):
        session = make_client(device_server.url).sign_in_with_device(other)
    other.finish()

    assert session.username == "alice"


# --- servers that say otherwise -----------------------------------------------------------------


def test_a_server_without_a_device_endpoint_is_a_specific_error(
    json_server: JsonServer, make_client: Callable[..., OIDCClient]
) -> None:
    json_server.answer(
        "GET", "/.well-known/openid-configuration", body=discovery_document(json_server.base)
    )
    other = OtherDevice(does_nothing)

    with pytest.raises(DeviceFlowUnsupportedError) as error:
        make_client(json_server.base).sign_in_with_device(other)

    assert "device_authorization_endpoint" in error.value.message
    assert error.value.kind == "protocol"
    assert other.codes == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_code", "\x1b]0;pwned\x07WDJB-MJHT"),
        ("user_code", None),
        ("verification_uri", "javascript:alert(1)"),
        ("expires_in", "soon"),
    ],
)
def test_a_malformed_device_authorization_is_refused_before_anything_is_shown(
    json_server: JsonServer,
    make_client: Callable[..., OIDCClient],
    field: str,
    value: object,
) -> None:
    base = json_server.base
    json_server.answer(
        "GET",
        "/.well-known/openid-configuration",
        body=discovery_document(base, device_authorization_endpoint=f"{base}/device/code"),
    )
    answer: dict[str, object] = {
        "device_code": "a-device-code",
        "user_code": "WDJB-MJHT",
        "verification_uri": f"{base}/device",
        "expires_in": 600,
        "interval": 5,
        field: value,
    }
    json_server.answer(
        "POST", "/device/code", body={k: v for k, v in answer.items() if v is not None}
    )
    other = OtherDevice(does_nothing)

    with pytest.raises(ServerError) as error:
        make_client(base).sign_in_with_device(other)

    assert field in error.value.message
    assert other.codes == []


def test_a_client_the_server_refuses_gets_its_reason(
    device_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    assert device_server.cli("client", "add", "kiosk") == 0
    other = OtherDevice(does_nothing)

    with pytest.raises(ProtocolError) as error:
        make_client(device_server.url, client_id="kiosk").sign_in_with_device(other)

    assert "unauthorized_client" in error.value.message
    assert "'kiosk'" in error.value.message
    assert other.codes == []


# --- desktop-auth-cli login --device ------------------------------------------------------------

INSTRUCTION = re.compile(r"^To sign in, open (\S+) and enter the code (\S+)$")


class StderrReader:
    """Reads a process's stderr in a thread, line by line, to the end (so that nothing the
    process prints is lost to a buffer)."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []

        def read() -> None:
            for line in stream:
                self._lines.put(line)
            self._lines.put(None)

        self._thread = threading.Thread(target=read, daemon=True)
        self._thread.start()

    def until(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """The first line that matches ``pattern`` (waiting for it)."""
        while True:
            line = self._lines.get(timeout=WAIT_SECONDS)
            assert line is not None, f"not on stderr: {pattern.pattern!r} in {self.text!r}"
            self.seen.append(line)
            found = pattern.match(line.strip())
            if found:
                return found

    def rest(self) -> str:
        """Everything printed, once the process has closed its stderr."""
        while (line := self._lines.get(timeout=WAIT_SECONDS)) is not None:
            self.seen.append(line)
        return self.text

    @property
    def text(self) -> str:
        return "".join(self.seen)


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    uri: str
    user_code: str


def login_device(server: LiveServer, data_dir: Path, scenario: Scenario) -> CliRun:
    """`desktop-auth-cli login --device`, with ``scenario`` acted out on the other device with
    the address and code it prints."""
    process = subprocess.Popen(
        [
            console_script(),
            "login",
            "--issuer",
            server.url,
            "--device",
            "--data-dir",
            str(data_dir),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr = StderrReader(process.stderr)
    try:
        uri, user_code = stderr.until(INSTRUCTION).groups()
        browser = HttpBrowser()
        try:
            scenario(browser, DeviceCode(user_code, uri, None, datetime.now(UTC), 1))
        finally:
            browser.close()
        process.wait(WAIT_SECONDS)
        assert process.stdout is not None
        stdout = process.stdout.read()
    finally:
        process.kill()
        process.wait()
        told = stderr.rest()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    return CliRun(process.returncode, stdout, told, uri, user_code)


@pytest.mark.slow
def test_cli_login_device_prints_the_code_waits_and_prints_the_json(
    device_server: LiveServer, tmp_path: Path
) -> None:
    run = login_device(device_server, tmp_path, approves())

    assert run.returncode == 0, run.stderr
    assert run.uri == device_server.url + "/device"
    assert USER_CODE.fullmatch(run.user_code)
    assert f"(or open {run.uri}?user_code={run.user_code}, which has the code in it)" in (
        run.stderr
    )
    assert "the code expires in 10 minutes" in run.stderr
    assert run.stdout.count("\n") == 1
    signed_in = json.loads(run.stdout)
    assert signed_in["issuer"] == device_server.url
    assert signed_in["username"] == "alice"
    assert signed_in["roles"] == ["admin", "editor"]
    assert signed_in["permissions"] == ["*"]
    assert "eyJ" not in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    exported = subprocess.run(
        [console_script(), "log", "export", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=True,
    )
    (entry,) = [json.loads(line) for line in exported.stdout.splitlines()]
    assert entry["event"] == "login_succeeded"
    assert entry["detail"]["method"] == "device"


@pytest.mark.slow
def test_cli_login_device_declined_exits_1(device_server: LiveServer, tmp_path: Path) -> None:
    run = login_device(device_server, tmp_path, denies)

    assert run.returncode == 1
    assert run.stdout == ""
    assert DENIED_MESSAGE in run.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--device", "--browser"), "choose one"),
        (("--device", "--username", "alice"), "--device takes no username or password"),
        (("--device", "--password-stdin"), "--device takes no username or password"),
        (("--device", "--no-open"), "--no-open go with --browser"),
    ],
)
def test_cli_login_device_usage_errors_exit_2(options: tuple[str, ...], expected: str) -> None:
    result = subprocess.run(
        [console_script(), "login", "--issuer", "https://id.example.com", *options],
        input="a-password\n",
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert expected in result.stderr
