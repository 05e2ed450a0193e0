"""Browser sign-in (RFC 8252) against the bundled server, an HTTP client acting as the browser:
the login page, the loopback listener, the checks on the way back, and `login --browser`."""

from __future__ import annotations

import json
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import requests

from desktop_auth.errors import CancelledError, CredentialsError
from desktop_auth.oidc import OIDCClient
from desktop_auth.oidc.browser import (
    AuthorizationDeniedError,
    IssuerMismatchError,
    StateMismatchError,
)
from desktop_auth.oidc.cancel import CancelToken
from desktop_auth.oidc.loopback import BrowserTimeoutError, LoopbackError
from desktop_auth.oidc.methods import BrowserRequiredError
from tests.client.conftest import LEGACY_CLIENT, console_script
from tests.http_browser import BrowserRobot, HttpBrowser, alice_signs_in, query_params
from tests.server.conftest import ALICE, LiveServer, free_port

URL_TIMEOUT_SECONDS = 60


# --- what the person at the browser does ------------------------------------------------------


def redirect_location(browser: HttpBrowser, url: str) -> str:
    """Where the server sends the browser after alice signs in (not followed)."""
    page = browser.open(url)
    response = browser.submit(
        page, follow=False, username=ALICE[0], password=ALICE[1], action="login"
    )
    assert response.status_code in (302, 303), response.text
    return response.headers["Location"]


def with_params(url: str, **changes: str | None) -> str:
    """``url`` with query parameters replaced, added, or (None) removed."""
    parts = urlsplit(url)
    params: dict[str, str | None] = {**query_params(url), **changes}
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return urlunsplit(parts._replace(query=query))


def tampered_redirect(**changes: str | None) -> Callable[[HttpBrowser, str], requests.Response]:
    """A browser that follows the server's redirect with its parameters changed."""

    def scenario(browser: HttpBrowser, url: str) -> requests.Response:
        return browser.open(with_params(redirect_location(browser, url), **changes))

    return scenario


def never_comes_back(browser: HttpBrowser, url: str) -> None:
    """The person closes the browser without signing in."""


def assert_not_listening(redirect_uri: str) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get(redirect_uri, timeout=10)


def assert_page(page: requests.Response | None, status: int, *texts: str) -> None:
    assert page is not None
    assert page.status_code == status, page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "desktop-auth" in page.text  # the app's name
    assert "You can close this tab." in page.text
    for text in texts:
        assert text in page.text, page.text


# --- signing in -------------------------------------------------------------------------------


def test_alice_signs_in_in_the_browser_and_gets_the_native_flows_session(
    client: OIDCClient,
) -> None:
    robot = BrowserRobot(alice_signs_in)

    session = client.sign_in_with_browser(robot)

    assert_page(robot.finish(), 200, "Signed in", "You are signed in to desktop-auth as alice.")
    native = client.sign_in(*ALICE)
    assert session.method == "browser"
    for name in ("issuer", "subject", "username", "display_name", "email", "roles", "permissions"):
        assert getattr(session, name) == getattr(native, name)
    assert session.roles == frozenset({"admin", "editor"})
    assert session.allows("anything")
    assert session.tokens is not None
    assert session.tokens.refresh_token
    assert_not_listening(robot.redirect_uri)


def test_the_request_has_a_loopback_redirect_pkce_s256_and_fresh_state_and_nonce(
    client: OIDCClient,
) -> None:
    robots = [BrowserRobot(alice_signs_in), BrowserRobot(alice_signs_in)]
    for robot in robots:
        client.sign_in_with_browser(robot, login_hint="alice")
        robot.finish()

    first, second = (robot.params for robot in robots)
    for sent in (first, second):
        redirect = urlsplit(sent["redirect_uri"])
        assert (redirect.scheme, redirect.hostname, redirect.path) == (
            "http",
            "127.0.0.1",
            "/callback",
        )
        assert redirect.port
        assert sent["response_type"] == "code"
        assert sent["client_id"] == "desktop-auth"
        assert sent["code_challenge_method"] == "S256"
        assert len(sent["code_challenge"]) == 43
        assert "openid" in sent["scope"].split()
        assert sent["login_hint"] == "alice"
        assert len(sent["state"]) >= 32
        assert len(sent["nonce"]) >= 32
    for name in ("state", "nonce", "code_challenge", "redirect_uri"):
        assert first[name] != second[name]


def test_a_fixed_redirect_port_and_path_are_used_when_configured(
    server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    assert server.cli("client", "add", "fixed", "--redirect-uri", "http://127.0.0.1/done") == 0
    port = free_port()
    client = make_client(server.url, client_id="fixed", redirect_path="/done", redirect_port=port)
    robot = BrowserRobot(alice_signs_in)

    session = client.sign_in_with_browser(robot)

    assert robot.redirect_uri == f"http://127.0.0.1:{port}/done"
    assert_page(robot.finish(), 200, "Signed in")
    assert session.username == "alice"


def test_stray_requests_get_404_and_the_wait_goes_on(client: OIDCClient) -> None:
    strays: list[requests.Response] = []

    def scenario(browser: HttpBrowser, url: str) -> requests.Response:
        redirect_uri = query_params(url)["redirect_uri"]
        listener = urlsplit(redirect_uri)
        base = f"http://{listener.netloc}"
        strays.append(browser.open(base + "/favicon.ico"))
        strays.append(browser.open(base + "/other?code=a-code&state=a-state"))
        strays.append(browser.open(redirect_uri))  # no code, no error: not a response
        # The right path by another host name: a web page reaching the port by DNS rebinding.
        strays.append(
            browser.open(redirect_uri + "?code=x&state=y", headers={"Host": "evil.example"})
        )
        return alice_signs_in(browser, url)

    robot = BrowserRobot(scenario)

    session = client.sign_in_with_browser(robot)

    assert_page(robot.finish(), 200, "Signed in")
    assert [page.status_code for page in strays] == [404, 404, 400, 404]
    assert session.username == "alice"


def test_a_second_redirect_after_success_gets_a_page_saying_so(client: OIDCClient) -> None:
    spare: dict[str, object] = {}

    def scenario(browser: HttpBrowser, url: str) -> requests.Response:
        listener = urlsplit(query_params(url)["redirect_uri"])
        # Browsers keep spare connections open; the second redirect comes over one, since
        # the listener takes no new connections once it has its answer.
        spare["socket"] = socket.create_connection(
            (listener.hostname, listener.port), timeout=URL_TIMEOUT_SECONDS
        )
        page = alice_signs_in(browser, url)
        spare["url"] = page.url
        return page

    robot = BrowserRobot(scenario)
    session = client.sign_in_with_browser(robot)
    assert_page(robot.finish(), 200, "Signed in")

    again = urlsplit(str(spare["url"]))
    with spare["socket"] as connection:  # type: ignore[attr-defined]
        connection.sendall(
            f"GET {again.path}?{again.query} HTTP/1.1\r\nHost: {again.netloc}\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk

    assert answer.startswith(b"HTTP/1.0 409 ")
    assert b"already received a sign-in response" in answer
    assert session.username == "alice"
    assert_not_listening(robot.redirect_uri)


# --- refused responses ------------------------------------------------------------------------


def test_a_redirect_with_another_state_fails_the_sign_in_as_a_forgery(client: OIDCClient) -> None:
    robot = BrowserRobot(tampered_redirect(state="not-the-state-the-app-sent"))

    with pytest.raises(StateMismatchError) as error:
        client.sign_in_with_browser(robot)

    assert "state does not match" in error.value.message
    assert error.value.kind == "protocol"
    assert_page(robot.finish(), 400, "Sign-in failed", "state does not match")
    assert_not_listening(robot.redirect_uri)


def test_a_redirect_naming_another_issuer_is_refused(client: OIDCClient) -> None:
    robot = BrowserRobot(tampered_redirect(iss="https://impostor.example"))

    with pytest.raises(IssuerMismatchError) as error:
        client.sign_in_with_browser(robot)

    assert "https://impostor.example" in error.value.message
    assert_page(robot.finish(), 400, "Sign-in failed")


def test_a_redirect_without_iss_is_refused_when_the_server_promises_it(
    client: OIDCClient,
) -> None:
    assert client.discover().authorization_response_iss_parameter_supported
    robot = BrowserRobot(tampered_redirect(iss=None))

    with pytest.raises(IssuerMismatchError, match=r"does not name its issuer"):
        client.sign_in_with_browser(robot)

    robot.finish()


def test_cancel_on_the_servers_page_is_access_denied_shown_in_the_browser(
    client: OIDCClient,
) -> None:
    def scenario(browser: HttpBrowser, url: str) -> requests.Response:
        return browser.submit(browser.open(url), action="cancel")

    robot = BrowserRobot(scenario)

    with pytest.raises(AuthorizationDeniedError) as error:
        client.sign_in_with_browser(robot)

    assert isinstance(error.value, CredentialsError)
    assert error.value.kind == "credentials"
    assert error.value.message.startswith("Sign-in was declined in the browser (access_denied")
    assert_page(robot.finish(), 400, "Sign-in failed", "declined in the browser")


def test_an_error_description_is_shown_as_text_not_markup(client: OIDCClient) -> None:
    description = '<script>alert("x")</script>\x07 Bad <b>news</b>'
    # An error response as the server would send it: this sign-in's state, the issuer (RFC 9207).
    issuer = client.discover().issuer

    def scenario(browser: HttpBrowser, url: str) -> requests.Response:
        sent = query_params(url)
        params = {
            "error": "access_denied",
            "error_description": description,
            "state": sent["state"],
            "iss": issuer,
        }
        return browser.open(sent["redirect_uri"] + "?" + urlencode(params))

    robot = BrowserRobot(scenario)

    with pytest.raises(AuthorizationDeniedError) as error:
        client.sign_in_with_browser(robot)

    assert "\x07" not in error.value.message
    assert '<script>alert("x")</script>' in error.value.message  # text, shown as text
    page = robot.finish()
    assert page is not None
    assert "<script>" not in page.text
    assert "<b>news" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text


# --- stopping ---------------------------------------------------------------------------------


def test_no_answer_within_the_timeout_stops_the_wait_and_the_listener(client: OIDCClient) -> None:
    robot = BrowserRobot(never_comes_back)

    with pytest.raises(BrowserTimeoutError) as error:
        client.sign_in_with_browser(robot, timeout=0.5)

    assert "within 1 second" in error.value.message
    assert error.value.kind == "cancelled"
    robot.finish()
    assert_not_listening(robot.redirect_uri)


def test_cancel_from_another_thread_stops_the_wait_at_once(client: OIDCClient) -> None:
    token = CancelToken()
    robot = BrowserRobot(never_comes_back)
    cancelled_at: list[float] = []

    def user_presses_cancel() -> None:
        assert robot.opened.wait(URL_TIMEOUT_SECONDS)
        cancelled_at.append(time.monotonic())
        token.cancel()

    threading.Thread(target=user_presses_cancel, daemon=True).start()

    with pytest.raises(CancelledError) as error:
        client.sign_in_with_browser(robot, cancel=token, timeout=600)

    # Well before the timeout: the cancel woke the wait.
    assert time.monotonic() - cancelled_at[0] < 60
    assert type(error.value) is CancelledError
    assert error.value.message == "Sign-in cancelled."
    robot.finish()
    assert_not_listening(robot.redirect_uri)


def test_a_token_cancelled_beforehand_stops_the_sign_in_at_once(client: OIDCClient) -> None:
    token = CancelToken()
    token.cancel()
    robot = BrowserRobot(never_comes_back)

    with pytest.raises(CancelledError):
        client.sign_in_with_browser(robot, cancel=token, timeout=600)

    robot.finish()
    assert_not_listening(robot.redirect_uri)


def test_a_busy_fixed_redirect_port_is_a_clear_error_before_the_browser_opens(
    server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    robot = BrowserRobot(alice_signs_in)
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        client = make_client(server.url, redirect_port=port)

        with pytest.raises(LoopbackError) as error:
            client.sign_in_with_browser(robot)

    assert f"port {port}" in error.value.message
    assert "another program uses it" in error.value.message
    assert robot.url is None


LISTENER_WITHOUT_IPV4 = """
import json, threading, requests
from desktop_auth.oidc.loopback import LoopbackListener

with LoopbackListener() as listener:
    pages = []
    response_uri = listener.redirect_uri + "?code=c&state=s"
    browser = threading.Thread(target=lambda: pages.append(requests.get(response_uri, timeout=30)))
    browser.start()
    params = listener.wait(timeout=30)
    listener.answer(True, "Signed in over IPv6.")
    browser.join()
print(json.dumps([listener.redirect_uri, params, pages[0].status_code, pages[0].text]))
"""


def test_without_ipv4_the_listener_takes_the_redirect_on_ipv6_loopback() -> None:
    # A network namespace whose loopback interface has ::1 but not 127.0.0.1.
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare (util-linux) and ip (iproute2) to take IPv4 away")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.decode().strip()}")
    setup = 'ip link set lo up && ip addr del 127.0.0.1/8 dev lo && exec "$0" -c "$1"'

    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", setup, sys.executable, LISTENER_WITHOUT_IPV4],
        capture_output=True,
        text=True,
        timeout=URL_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    redirect_uri, params, status, text = json.loads(result.stdout)
    assert redirect_uri.startswith("http://[::1]:")
    assert redirect_uri.endswith("/callback")
    assert params == {"code": "c", "state": "s"}
    assert status == 200
    assert "Signed in over IPv6." in text


# --- when only the browser will do ------------------------------------------------------------


def test_redirect_to_web_is_a_browser_required_error_and_the_browser_works(
    server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    from desktop_auth.server.models import Client

    assert server.cli("client", "add", "web-only") == 0
    with server.state.db.session() as db:
        db.query(Client).filter_by(client_id="web-only").one().first_party = False
    client = make_client(server.url, client_id="web-only")

    with pytest.raises(BrowserRequiredError, match="redirect_to_web"):
        client.sign_in(*ALICE)
    robot = BrowserRobot(alice_signs_in)
    session = client.sign_in_with_browser(robot)

    robot.finish()
    assert session.username == "alice"
    assert session.method == "browser"


def test_a_server_without_native_sign_in_is_a_browser_required_error(
    password_server: LiveServer, make_client: Callable[..., OIDCClient]
) -> None:
    client = make_client(password_server.served.issuer, client_id=LEGACY_CLIENT)

    with pytest.raises(BrowserRequiredError) as error:
        client.sign_in(*ALICE)

    assert error.value.message.endswith("Sign in with the browser instead.")


# --- desktop-auth-cli login --browser ---------------------------------------------------------


def first_url(stream: IO[str] | None) -> str:
    """The first line of ``stream`` that is an address (the CLI prints it alone on a line)."""
    assert stream is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
            if line.startswith("http"):
                return
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    seen = []
    while True:
        line = lines.get(timeout=URL_TIMEOUT_SECONDS)
        seen.append(line)
        if line.startswith("http"):
            return line.strip()
        assert line, f"no address on stderr: {''.join(seen)!r}"


def browser_login(server: LiveServer, data_dir: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            console_script(),
            "login",
            "--issuer",
            server.url,
            "--browser",
            "--no-open",
            "--data-dir",
            str(data_dir),
            *options,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], stderr_so_far: str = "") -> tuple[str, str]:
    stdout, stderr = process.communicate(timeout=URL_TIMEOUT_SECONDS)
    return stdout, stderr_so_far + stderr


@pytest.mark.slow
def test_cli_login_browser_no_open_prints_the_address_and_prints_the_json(
    server: LiveServer, tmp_path: Path
) -> None:
    process = browser_login(server, tmp_path)
    try:
        url = first_url(process.stderr)
        browser = HttpBrowser()
        page = alice_signs_in(browser, url)
        browser.close()
        stdout, stderr = finish(process)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 0, stderr
    assert_page(page, 200, "Signed in")
    assert stdout.count("\n") == 1
    signed_in = json.loads(stdout)
    assert signed_in["issuer"] == server.url
    assert signed_in["username"] == "alice"
    assert signed_in["roles"] == ["admin", "editor"]
    assert signed_in["permissions"] == ["*"]
    assert "eyJ" not in stdout + stderr
    assert "Traceback" not in stderr
    assert query_params(url)["redirect_uri"].startswith("http://127.0.0.1:")


@pytest.mark.slow
def test_cli_login_browser_declined_exits_1(server: LiveServer, tmp_path: Path) -> None:
    process = browser_login(server, tmp_path)
    try:
        url = first_url(process.stderr)
        browser = HttpBrowser()
        browser.submit(browser.open(url), action="cancel")
        browser.close()
        stdout, stderr = finish(process)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 1
    assert stdout == ""
    assert "declined in the browser (access_denied" in stderr


@pytest.mark.slow
def test_cli_login_browser_timeout_exits_3(server: LiveServer, tmp_path: Path) -> None:
    process = browser_login(server, tmp_path, "--timeout", "1")
    try:
        stdout, stderr = finish(process)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 3
    assert stdout == ""
    assert "No sign-in came back from the browser within 1 second" in stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--browser", "--password-stdin"), "--browser takes no password"),
        (("--no-open",), "--no-open go with --browser"),
        (("--browser", "--timeout", "0"), "not a number of seconds"),
        (("--browser", "--redirect-path", "callback"), "must start with a single '/'"),
        (("--browser", "--redirect-port", "70000"), "not a port number"),
        (("--username", "alice"), "--password-stdin"),
    ],
)
def test_cli_login_browser_usage_errors_exit_2(
    tmp_path: Path, options: tuple[str, ...], expected: str
) -> None:
    result = subprocess.run(
        [console_script(), "login", "--issuer", "https://id.example.com", *options],
        input="a-password\n",
        capture_output=True,
        text=True,
        timeout=URL_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_password_login_to_a_server_without_native_sign_in_suggests_browser(
    password_server: LiveServer, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            console_script(),
            "login",
            "--issuer",
            password_server.served.issuer,
            "--username",
            "alice",
            "--password-stdin",
            "--data-dir",
            str(tmp_path),
        ],
        input=ALICE[1] + "\n",
        capture_output=True,
        text=True,
        timeout=URL_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 3
    assert result.stderr.endswith("Sign in with the browser instead. Add --browser to do so.\n")
