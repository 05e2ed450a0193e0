"""The Flask integration served for real on 127.0.0.1 (werkzeug, threaded), called over HTTP
with tokens from the bundled server and from an issuer whose keys the test holds."""

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
from desktop_auth.resource import signals as resource_signals
from desktop_auth.resource.flask import (
    EXTENSION,
    access_denied,
    access_granted,
    init_app,
    protect,
    public,
    require_permission,
    token_rejected,
)
from tests.resource.conftest import (
    ALICE,
    BAD_TOKENS,
    BOB,
    CLIENT_ID,
    REALM,
    LiveServer,
    OpaqueIssuer,
    Recorder,
    assert_forbidden,
    assert_never_shows,
    assert_refused,
    bad_token,
    expired_claims,
    issuer_config,
)
from tests.server.conftest import free_port

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
    @require_permission("documents.write")
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
    started: list[FlaskServer] = []

    def start(app: Flask) -> FlaskServer:
        started.append(FlaskServer(app))
        return started[-1]

    yield start
    for running in started:
        running.close()


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


# --- answers ---------------------------------------------------------------------------------


def test_a_valid_token_gets_the_view_with_its_principal(
    server: LiveServer, api: FlaskServer
) -> None:
    response = api.call("GET", "/me", server.sign_in(*ALICE)["access_token"])

    assert response.status_code == 200
    assert response.json() == {
        "subject": response.json()["subject"],
        "username": "alice",
        "issuer": server.url,
        "roles": ["admin", "editor"],
        "permissions": ["*"],
    }


def test_an_editor_may_write_through_an_async_view(server: LiveServer, api: FlaskServer) -> None:
    response = api.call("POST", "/documents", server.sign_in(*ALICE)["access_token"])

    assert response.status_code == 201
    assert response.json() == {"created_by": "alice"}


def test_a_viewer_without_the_permission_gets_403_insufficient_scope(
    server: LiveServer, api: FlaskServer
) -> None:
    token = server.sign_in(*BOB)["access_token"]

    assert api.call("GET", "/documents", token).json() == {"documents": [], "reader": "bob"}
    assert_forbidden(api.call("POST", "/documents", token), "documents.write")


def test_an_access_error_raised_in_the_view_is_answered_too(
    server: LiveServer, issuer: OpaqueIssuer, api: FlaskServer
) -> None:
    editor = issuer.sign(issuer.claims(roles=["editor"]))

    assert_forbidden(api.call("DELETE", "/documents/7", editor), "documents.delete")
    admin = server.sign_in(*ALICE)["access_token"]
    assert api.call("DELETE", "/documents/7", admin).json() == {"deleted": 7}


def test_a_request_without_a_token_gets_401_with_a_bare_challenge(api: FlaskServer) -> None:
    response = api.call("GET", "/documents")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="{REALM}"'
    assert response.json() == {
        "error": "missing_token",
        "error_description": "This API needs a bearer token.",
    }


def test_a_malformed_authorization_header_gets_400(api: FlaskServer) -> None:
    response = api.http.get(
        api.url + "/documents", headers={"Authorization": "Bearer one two"}, timeout=30
    )

    assert_refused(
        response, 400, "invalid_request", "The Authorization header holds more than one token."
    )


@pytest.mark.parametrize(("kind", "description"), BAD_TOKENS)
def test_a_bad_token_gets_401_invalid_token(
    issuer: OpaqueIssuer, api: FlaskServer, kind: str, description: str
) -> None:
    token = bad_token(issuer, kind)

    assert_refused(api.call("GET", "/documents", token), 401, "invalid_token", description)


def test_a_revoked_opaque_token_gets_401(issuer: OpaqueIssuer, api: FlaskServer) -> None:
    token = issuer.opaque()
    assert api.call("GET", "/documents", token).status_code == 200

    issuer.revoke(token)

    assert_refused(
        api.call("GET", "/documents", token),
        401,
        "invalid_token",
        "The token has been revoked or is not active.",
    )


def test_an_issuer_that_cannot_be_reached_gets_503_not_401(
    issuer: OpaqueIssuer,
    make_verifier: Callable[..., TokenVerifier],
    serve: Callable[[Flask], FlaskServer],
) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    api = serve(make_api(make_verifier(Issuer(gone, CLIENT_ID))))

    response = api.call("GET", "/documents", issuer.sign(issuer.claims(iss=gone)))

    assert response.status_code == 503
    assert "WWW-Authenticate" not in response.headers
    assert response.json()["error"] == "temporarily_unavailable"
    assert gone not in response.text


# --- a protected blueprint -------------------------------------------------------------------


def test_a_protected_blueprint_checks_its_default_permission(
    server: LiveServer, issuer: OpaqueIssuer, api: FlaskServer
) -> None:
    editor = issuer.sign(issuer.claims(roles=["editor"], preferred_username="erin"))
    viewer = server.sign_in(*BOB)["access_token"]

    assert api.call("GET", "/reports/", editor).json() == {"reports": [], "viewer": "erin"}
    assert_forbidden(api.call("GET", "/reports/", viewer), "reports.view")
    assert api.call("GET", "/reports/").status_code == 401


def test_a_view_in_a_protected_blueprint_may_ask_for_more(
    server: LiveServer, issuer: OpaqueIssuer, api: FlaskServer
) -> None:
    editor = issuer.sign(issuer.claims(roles=["editor"]))

    assert_forbidden(api.call("POST", "/reports/", editor), "reports.write")
    admin = server.sign_in(*ALICE)["access_token"]
    assert api.call("POST", "/reports/", admin).json() == {"created_by": "alice"}


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


def test_the_signals_are_the_cores_own() -> None:
    assert access_granted is resource_signals.access_granted
    assert access_denied is resource_signals.access_denied
    assert token_rejected is resource_signals.token_rejected


def test_receivers_get_the_principal_and_request_and_never_the_token(
    server: LiveServer,
    issuer: OpaqueIssuer,
    api: FlaskServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    granted, denied, rejected = Recorder(), Recorder(), Recorder()
    alice = server.sign_in(*ALICE)["access_token"]
    bob = server.sign_in(*BOB)["access_token"]
    expired = issuer.sign(expired_claims(issuer))

    with (
        access_granted.connected_to(granted, sender=api.app),
        access_denied.connected_to(denied, sender=api.app),
        token_rejected.connected_to(rejected, sender=api.app),
    ):
        assert api.call("POST", "/documents", alice).status_code == 201
        assert api.call("POST", "/documents", bob).status_code == 403
        assert api.call("GET", "/documents", expired).status_code == 401
        assert wait_for_dispatch(10)

    [(sender, kwargs)] = granted.calls
    assert sender is api.app
    assert kwargs["principal"].username == "alice"
    assert kwargs["permission"] == "documents.write"
    assert kwargs["request"] == resource_signals.RequestInfo(
        "POST", "/documents", "127.0.0.1", "flask"
    )
    [(_, kwargs)] = denied.calls
    assert (kwargs["principal"].username, kwargs["permission"]) == ("bob", "documents.write")
    [(_, kwargs)] = rejected.calls
    assert kwargs["error"].description == "The token has expired."
    assert kwargs["request"].path == "/documents"
    for token in (alice, bob, expired):
        for _, kwargs in granted.calls + denied.calls + rejected.calls:
            assert_never_shows(token, caplog, *kwargs.values())
            if "principal" in kwargs:
                assert_never_shows(token, caplog, dict(kwargs["principal"].claims))


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
