"""The Flask integration served for real on 127.0.0.1 (werkzeug, threaded), called over HTTP
with tokens from the bundled server and from an issuer whose keys the test holds: what every
integration answers (``ApiContract``), then what is Flask's own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Blueprint, Flask, g
from werkzeug.serving import make_server

from desktop_auth.resource import Issuer, Principal, TokenVerifier, wait_for_dispatch
from desktop_auth.resource import flask as resource_flask
from desktop_auth.resource.flask import (
    EXTENSION,
    access_granted,
    init_app,
    protect,
    public,
    require_permission,
)
from tests.resource.api_contract import ApiContract, started_servers
from tests.resource.conftest import (
    ALICE,
    CLIENT_ID,
    REALM,
    LiveServer,
    OpaqueIssuer,
    Recorder,
    issuer_config,
)

pytestmark = pytest.mark.usefixtures("settled_signals")


def principal_json(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "username": principal.username,
        "issuer": principal.issuer,
        "roles": sorted(principal.roles),
        "permissions": sorted(principal.permissions),
    }


def make_api(verifier: TokenVerifier) -> Flask:
    """A small documents-and-reports API, protected the ways the integration offers."""
    app = Flask("documents_api")
    init_app(app, verifier)

    @app.get("/me")
    @require_permission()
    def me() -> dict[str, Any]:
        return principal_json(g.principal)

    @app.get("/documents")
    @require_permission("documents.read")
    def list_documents() -> dict[str, Any]:
        return {"documents": [], "reader": g.principal.username}

    @app.post("/documents")
    @require_permission("documents.write")  # async: the contract's editor test goes through it
    async def create_document() -> tuple[dict[str, Any], int]:
        return {"created_by": g.principal.username}, 201

    @app.delete("/documents/<int:number>")
    @require_permission()
    def delete_document(number: int) -> dict[str, Any]:
        # A check inside the view: an AccessError raised here is answered like the others.
        app.extensions[EXTENSION].authorize(g.principal, "documents.delete")
        return {"deleted": number}

    reports = Blueprint("reports", __name__, url_prefix="/reports")
    protect(reports, "reports.view")

    @reports.get("/")
    def list_reports() -> dict[str, Any]:
        return {"reports": [], "viewer": g.principal.username}

    @reports.post("/")
    @require_permission("reports.write")
    def create_report() -> dict[str, Any]:
        return {"created_by": g.principal.username}

    @reports.get("/health")
    @public
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.register_blueprint(reports)
    return app


class FlaskServer:
    """A Flask app served by werkzeug in a thread on 127.0.0.1 (a random port)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.http.request(method, self.url + path, headers=headers, timeout=30)

    def close(self) -> None:
        self.http.close()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], FlaskServer]]:
    yield from started_servers(FlaskServer)


@pytest.fixture
def serve_api(
    serve: Callable[[Flask], FlaskServer],
) -> Callable[[TokenVerifier], FlaskServer]:
    """The API served with another verifier."""
    return lambda verifier: serve(make_api(verifier))


@pytest.fixture
def api(
    server: LiveServer,
    issuer: OpaqueIssuer,
    make_verifier: Callable[..., TokenVerifier],
    serve: Callable[[Flask], FlaskServer],
) -> FlaskServer:
    """The API, trusting the bundled server and the test's issuer (opaque tokens too)."""
    verifier = make_verifier(
        Issuer(server.url, CLIENT_ID),
        issuer_config(issuer),
        introspection_cache_seconds=0,
        realm=REALM,
    )
    return serve(make_api(verifier))


class TestAnswers(ApiContract):
    """What every integration answers (tests/resource/api_contract.py), from Flask."""

    framework = "flask"
    integration = resource_flask


# --- answers ---------------------------------------------------------------------------------


def test_g_principal_holds_the_verified_principal(server: LiveServer, api: FlaskServer) -> None:
    response = api.call("GET", "/me", server.sign_in(*ALICE)["access_token"])

    assert response.status_code == 200
    assert response.json() == {
        "subject": response.json()["subject"],
        "username": "alice",
        "issuer": server.url,
        "roles": ["admin", "editor"],
        "permissions": ["*"],
    }


def test_a_public_view_in_a_protected_blueprint_needs_no_token(api: FlaskServer) -> None:
    assert api.call("GET", "/reports/health").json() == {"status": "ok"}
    assert api.call("GET", "/reports/nothing-here").status_code == 404


def test_a_cors_preflight_to_a_protected_blueprint_needs_no_token(api: FlaskServer) -> None:
    response = api.call("OPTIONS", "/reports/")

    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]


def test_a_protected_view_on_an_app_without_init_app_says_what_is_missing(
    serve: Callable[[Flask], FlaskServer], caplog: pytest.LogCaptureFixture
) -> None:
    app = Flask("forgotten")

    @app.get("/documents")
    @require_permission("documents.read")
    def documents() -> dict[str, Any]:
        return {}

    response = serve(app).call("GET", "/documents")

    assert response.status_code == 500
    assert "call desktop_auth.resource.flask.init_app(app, verifier) first" in caplog.text


# --- signals ---------------------------------------------------------------------------------


def test_a_slow_receiver_does_not_delay_the_response(server: LiveServer, api: FlaskServer) -> None:
    slow = Recorder(delay=2.0)
    token = server.sign_in(*ALICE)["access_token"]
    api.call("GET", "/me", token)  # keys fetched, connection open: time the request alone

    with access_granted.connected_to(slow, sender=api.app):
        started = time.monotonic()
        response = api.call("GET", "/me", token)
        answered_at = time.monotonic()
        assert slow.calls == []
        assert wait_for_dispatch(10)

    assert response.status_code == 200
    assert answered_at - started < 1.0
    assert len(slow.calls) == 1
    assert slow.finished_at is not None
    assert slow.finished_at > answered_at
