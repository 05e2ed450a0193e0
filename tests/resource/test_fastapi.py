"""The FastAPI integration served for real by uvicorn on 127.0.0.1, called over HTTP with
tokens from the bundled server and from an issuer whose keys the test holds; the API is the
one in examples/resource_fastapi.py."""

from __future__ import annotations

import asyncio
import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, ClassVar

import pytest
import requests
import uvicorn
from fastapi import Depends, FastAPI, HTTPException

import desktop_auth.resource.fastapi
from desktop_auth.resource import Issuer, Principal, TokenVerifier
from desktop_auth.resource.fastapi import (
    DesktopAuthBearer,
    access_granted,
    install,
    require_permission,
)
from examples.resource_fastapi import create_app
from tests.client.conftest import Answer
from tests.resource.api_contract import ApiContract, started_servers, wait_until
from tests.resource.conftest import (
    ALICE,
    BOB,
    CLIENT_ID,
    REALM,
    LiveServer,
    OpaqueIssuer,
    Recorder,
    assert_forbidden,
    assert_never_shows,
    issuer_config,
)
from tests.server.conftest import free_port

pytestmark = pytest.mark.usefixtures("settled_signals")

EXAMPLE = Path(__file__).parents[2] / "examples" / "resource_fastapi.py"


class UvicornServer:
    """An ASGI app served by uvicorn in a thread on 127.0.0.1 (a random port)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=0, log_config=None, log_level="warning", lifespan="off"
            )
        )
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.http.request(method, self.url + path, headers=headers, timeout=30)

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve() -> Iterator[Callable[[FastAPI], UvicornServer]]:
    yield from started_servers(UvicornServer)


@pytest.fixture
def api_verifier(
    server: LiveServer, issuer: OpaqueIssuer, make_verifier: Callable[..., TokenVerifier]
) -> TokenVerifier:
    """Trusting the bundled server and the test's issuer (opaque tokens too)."""
    return make_verifier(
        Issuer(server.url, CLIENT_ID),
        issuer_config(issuer),
        introspection_cache_seconds=0,
        realm=REALM,
    )


@pytest.fixture
def serve_api(
    serve: Callable[[FastAPI], UvicornServer],
) -> Callable[[TokenVerifier], UvicornServer]:
    """The example's documents-and-reports API, served with a verifier of the test's."""
    return lambda verifier: serve(create_app(verifier))


@pytest.fixture
def api(
    api_verifier: TokenVerifier, serve_api: Callable[[TokenVerifier], UvicornServer]
) -> UvicornServer:
    """The example's API, trusting the bundled server and the test's issuer."""
    return serve_api(api_verifier)


# --- answers ---------------------------------------------------------------------------------


class TestAnswers(ApiContract):
    """The answers every integration gives (tests/resource/api_contract.py), from FastAPI."""

    framework: ClassVar[str] = "fastapi"
    integration: ClassVar[ModuleType] = desktop_auth.resource.fastapi


def test_a_slow_issuer_does_not_hold_up_the_event_loop(
    issuer: OpaqueIssuer, api: UvicornServer
) -> None:
    token = issuer.opaque()
    introspect = issuer.server.answers[("POST", issuer.introspection_path)]
    assert callable(introspect)

    def slowly(body: bytes) -> Answer:
        time.sleep(1.5)
        return introspect(body)

    issuer.server.answers[("POST", issuer.introspection_path)] = slowly
    slow: list[requests.Response] = []
    caller = threading.Thread(
        target=lambda: slow.append(
            requests.get(
                api.url + "/documents", headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
        )
    )
    caller.start()
    while issuer.introspections == 0:
        time.sleep(0.01)

    started = time.monotonic()
    assert api.call("GET", "/health").json() == {"status": "ok"}
    assert time.monotonic() - started < 0.5
    caller.join(10)
    assert slow[0].status_code == 200


# --- FastAPI's own ---------------------------------------------------------------------------


def test_two_authorization_headers_get_400(issuer: OpaqueIssuer, api: UvicornServer) -> None:
    token = issuer.sign(issuer.claims())
    connection = http.client.HTTPConnection(api.url.removeprefix("http://"), timeout=30)
    connection.putrequest("GET", "/documents")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.endheaders()
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    assert response.status == 400
    assert body == {
        "error": "invalid_request",
        "error_description": "The Authorization header holds more than one token.",
    }


def test_a_router_and_its_operation_verify_the_token_once(
    issuer: OpaqueIssuer, api: UvicornServer
) -> None:
    editor = issuer.opaque(roles=["editor"])

    assert_forbidden(api.call("POST", "/reports/", editor), "reports.write")
    assert issuer.introspections == 1  # three checks in one request: one introspection


def test_the_openapi_schema_shows_the_bearer_scheme_on_protected_operations(
    api: UvicornServer,
) -> None:
    schema = api.call("GET", "/openapi.json").json()

    assert schema["components"]["securitySchemes"] == {
        "DesktopAuthBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the desktop app's identity server.",
        }
    }
    paths = schema["paths"]
    assert paths["/documents"]["post"]["security"] == [{"DesktopAuthBearer": []}]
    assert paths["/reports/"]["get"]["security"] == [{"DesktopAuthBearer": []}]
    assert "security" not in paths["/health"]["get"]


def test_a_route_on_an_app_without_install_says_what_is_missing(
    serve: Callable[[FastAPI], UvicornServer], caplog: pytest.LogCaptureFixture
) -> None:
    app = FastAPI()

    @app.get("/me")
    def me(principal: Annotated[Principal, Depends(require_permission())]) -> str:
        return principal.username

    assert serve(app).call("GET", "/me", "token").status_code == 500
    deadline = time.monotonic() + 10  # uvicorn logs the error once the 500 has gone out
    while not [record for record in caplog.records if record.exc_info]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    [error] = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert isinstance(error, RuntimeError)
    assert "install(app, verifier)" in str(error)


# --- signals ---------------------------------------------------------------------------------


class AsyncRecorder(Recorder):
    """An ``async def`` receiver that records its calls, after ``asyncio.sleep(delay)``."""

    async def __call__(self, sender: Any, **kwargs: Any) -> None:  # type: ignore[override]
        await asyncio.sleep(self.delay)
        self.threads.append(threading.current_thread().name)
        self.calls.append((sender, kwargs))
        self.finished_at = time.monotonic()


def test_sleeping_receivers_do_not_delay_the_response(
    server: LiveServer, api: UvicornServer
) -> None:
    sleeper, async_sleeper = Recorder(delay=2.0), AsyncRecorder(delay=2.0)
    token = server.sign_in(*ALICE)["access_token"]
    api.call("GET", "/me", token)  # keys fetched, connection open: time the request alone

    with (
        access_granted.connected_to(sleeper, sender=api.app),
        access_granted.connected_to(async_sleeper, sender=api.app),
    ):
        started = time.monotonic()
        response = api.call("GET", "/me", token)
        answered_at = time.monotonic()
        # The same connection is free for the next request while the receivers sleep.
        assert api.call("GET", "/health").status_code == 200
        assert time.monotonic() - answered_at < 1.0
        assert sleeper.calls == []
        assert async_sleeper.calls == []
        wait_until(lambda: bool(sleeper.calls and async_sleeper.calls))

    assert response.status_code == 200
    assert answered_at - started < 1.0
    assert sleeper.finished_at is not None
    assert sleeper.finished_at > answered_at
    assert async_sleeper.finished_at is not None
    assert async_sleeper.finished_at > answered_at
    # Blocking receivers run in the threadpool; async ones on the server's event loop.
    assert sleeper.threads[0].startswith("AnyIO worker thread")
    assert async_sleeper.threads == [api.thread.name]


def test_a_failing_receiver_is_logged_and_the_others_still_run(
    server: LiveServer, api: UvicornServer, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit database is down")

    async def failing_async(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("notifier is down")

    after = Recorder()
    token = server.sign_in(*ALICE)["access_token"]

    with (
        access_granted.connected_to(failing, sender=api.app),
        access_granted.connected_to(failing_async, sender=api.app),
        access_granted.connected_to(after, sender=api.app),
    ):
        response = api.call("GET", "/me", token)
        wait_until(lambda: bool(after.calls))

    assert response.status_code == 200
    failures = [r for r in caplog.records if r.name == "desktop_auth.resource.fastapi"]
    assert sorted(r.getMessage() for r in failures) == [
        f"receiver {name} of the access_granted signal failed"
        for name in sorted([failing.__qualname__, failing_async.__qualname__])
    ]
    assert_never_shows(token, caplog)


def test_the_signal_is_sent_whatever_the_operation_then_answers(
    issuer: OpaqueIssuer,
    verifier: TokenVerifier,
    serve: Callable[[FastAPI], UvicornServer],
) -> None:
    app = FastAPI()
    install(app, verifier)

    @app.get("/documents/{number}")
    def document(
        number: int, principal: Annotated[Principal, Depends(require_permission())]
    ) -> None:
        raise HTTPException(404, "No such document.")

    api = serve(app)
    token = issuer.sign(issuer.claims())
    granted = Recorder()

    with access_granted.connected_to(granted, sender=app):
        assert api.call("GET", "/documents/7", token).status_code == 404
        assert api.call("GET", "/documents/seven", token).status_code == 422
        wait_until(lambda: len(granted.calls) == 2)

    assert [kwargs["request"].path for _, kwargs in granted.calls] == [
        "/documents/7",
        "/documents/seven",
    ]


def test_an_operation_that_fails_gets_its_500_without_waiting_for_the_receivers(
    issuer: OpaqueIssuer,
    verifier: TokenVerifier,
    serve: Callable[[FastAPI], UvicornServer],
) -> None:
    app = FastAPI()
    install(app, verifier)

    @app.get("/broken")
    def broken(principal: Annotated[Principal, Depends(require_permission())]) -> None:
        raise RuntimeError("a bug in the operation")

    api = serve(app)
    slow = Recorder(delay=2.0)

    with access_granted.connected_to(slow, sender=app):
        started = time.monotonic()
        response = api.call("GET", "/broken", issuer.sign(issuer.claims()))
        answered_at = time.monotonic()
        wait_until(lambda: bool(slow.calls))

    assert response.status_code == 500
    assert answered_at - started < 1.0
    assert slow.finished_at is not None
    assert slow.finished_at > answered_at


def test_require_permission_is_the_bearer_dependency() -> None:
    dependency = require_permission("documents.write")

    assert isinstance(dependency, DesktopAuthBearer)
    assert dependency.permission == "documents.write"
    assert require_permission().permission is None


# --- the example, run as a script ------------------------------------------------------------


def test_the_example_serves_the_api_and_audits_refusals(server: LiveServer, tmp_path: Path) -> None:
    port = free_port()
    audit = tmp_path / "audit.jsonl"
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLE),
            "--issuer",
            server.url,
            "--port",
            str(port),
            "--audit-log",
            str(audit),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/health", timeout=5).raise_for_status()
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()[0].decode()
                assert time.monotonic() < deadline, "the example did not start"
                time.sleep(0.1)
        bob = server.sign_in(*BOB)["access_token"]
        headers = {"Authorization": f"Bearer {bob}"}

        assert requests.get(url + "/documents", headers=headers, timeout=30).status_code == 200
        refused = requests.post(url + "/documents", headers=headers, timeout=30)
        assert refused.status_code == 403
        assert refused.headers["WWW-Authenticate"].startswith('Bearer realm="documents"')
        wait_until(lambda: audit.exists() and audit.read_text().endswith("\n"))
        [entry] = [json.loads(line) for line in audit.read_text().splitlines()]
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()

    assert entry["username"] == "bob"
    assert (entry["permission"], entry["method"], entry["path"]) == (
        "documents.write",
        "POST",
        "/documents",
    )
    assert bob not in audit.read_text()
    assert bob not in output
