"""What every framework integration answers over HTTP, as tests to inherit.

A framework's test module defines ``class TestAnswers(ApiContract)`` with the class
attributes ``framework`` (``RequestInfo.framework``) and ``integration`` (the module that
re-exports the signals), and the fixtures ``api`` (its documents API served on 127.0.0.1,
trusting the bundled server and the test's issuer, realm ``REALM``; ``api.app`` the signals'
sender) and ``serve_api`` (the same API served with another verifier). The API has the
routes of examples/resource_fastapi.py:

- ``GET /me`` any valid token: ``username``, ``permissions``
- ``GET /documents`` documents.read: ``{"documents": [], "reader": username}``
- ``POST /documents`` documents.write: 201 ``{"created_by": username}``
- ``DELETE /documents/<n>`` any valid token, then documents.delete checked inside the view
- ``/reports/`` reports.view for the whole group; ``POST`` also needs reports.write
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, ClassVar, Protocol, TypeVar

import pytest
import requests

from desktop_auth.resource import Issuer, RequestInfo, TokenVerifier
from desktop_auth.resource import signals as resource_signals
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
)
from tests.server.conftest import free_port


class ServedApi(Protocol):
    app: Any
    url: str
    http: requests.Session

    def call(self, method: str, path: str, token: str | None = None) -> requests.Response: ...

    def close(self) -> None: ...


App = TypeVar("App")
Served = TypeVar("Served", bound=ServedApi)


def started_servers(serve: Callable[[App], Served]) -> Iterator[Callable[[App], Served]]:
    """For a fixture to yield from: ``serve`` an app, each server closed after the test."""
    started: list[Served] = []

    def start(app: App) -> Served:
        started.append(serve(app))
        return started[-1]

    yield start
    for running in started:
        running.close()


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait for signal receivers, however the integration delivers them."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the receivers did not run"
        time.sleep(0.01)


class ApiContract:
    """Valid and refused requests, a group of routes with a permission of its own, and the
    signals' arguments."""

    framework: ClassVar[str]
    integration: ClassVar[ModuleType]

    def test_a_valid_token_gets_the_view_with_its_principal(
        self, server: LiveServer, api: ServedApi
    ) -> None:
        response = api.call("GET", "/me", server.sign_in(*ALICE)["access_token"])

        assert response.status_code == 200
        assert response.json()["username"] == "alice"
        assert response.json()["permissions"] == ["*"]

    def test_an_editor_may_write(self, server: LiveServer, api: ServedApi) -> None:
        response = api.call("POST", "/documents", server.sign_in(*ALICE)["access_token"])

        assert response.status_code == 201
        assert response.json() == {"created_by": "alice"}

    def test_a_viewer_without_the_permission_gets_403_insufficient_scope(
        self, server: LiveServer, api: ServedApi
    ) -> None:
        token = server.sign_in(*BOB)["access_token"]

        assert api.call("GET", "/documents", token).json() == {"documents": [], "reader": "bob"}
        assert_forbidden(api.call("POST", "/documents", token), "documents.write")

    def test_an_access_error_raised_in_the_view_is_answered_too(
        self, server: LiveServer, issuer: OpaqueIssuer, api: ServedApi
    ) -> None:
        editor = issuer.sign(issuer.claims(roles=["editor"]))

        assert_forbidden(api.call("DELETE", "/documents/7", editor), "documents.delete")
        admin = server.sign_in(*ALICE)["access_token"]
        assert api.call("DELETE", "/documents/7", admin).json() == {"deleted": 7}

    def test_a_request_without_a_token_gets_401_with_a_bare_challenge(self, api: ServedApi) -> None:
        response = api.call("GET", "/documents")

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == f'Bearer realm="{REALM}"'
        assert response.headers["Cache-Control"] == "no-store"
        assert response.json() == {
            "error": "missing_token",
            "error_description": "This API needs a bearer token.",
        }

    def test_another_scheme_is_a_missing_token_too(self, api: ServedApi) -> None:
        response = api.http.get(
            api.url + "/documents", headers={"Authorization": "Basic YWxpY2U6eA=="}, timeout=30
        )

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == f'Bearer realm="{REALM}"'

    def test_a_malformed_authorization_header_gets_400(self, api: ServedApi) -> None:
        response = api.http.get(
            api.url + "/documents", headers={"Authorization": "Bearer one two"}, timeout=30
        )

        assert_refused(
            response, 400, "invalid_request", "The Authorization header holds more than one token."
        )

    @pytest.mark.parametrize(("kind", "description"), BAD_TOKENS)
    def test_a_bad_token_gets_401_invalid_token(
        self, issuer: OpaqueIssuer, api: ServedApi, kind: str, description: str
    ) -> None:
        token = bad_token(issuer, kind)

        assert_refused(api.call("GET", "/documents", token), 401, "invalid_token", description)

    def test_a_revoked_opaque_token_gets_401(self, issuer: OpaqueIssuer, api: ServedApi) -> None:
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
        self,
        issuer: OpaqueIssuer,
        make_verifier: Callable[..., TokenVerifier],
        serve_api: Callable[[TokenVerifier], ServedApi],
    ) -> None:
        gone = f"http://127.0.0.1:{free_port()}"
        api = serve_api(make_verifier(Issuer(gone, CLIENT_ID)))

        response = api.call("GET", "/documents", issuer.sign(issuer.claims(iss=gone)))

        assert response.status_code == 503
        assert "WWW-Authenticate" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
        assert response.json()["error"] == "temporarily_unavailable"
        assert gone not in response.text

    def test_a_group_of_routes_checks_its_permission_for_every_route(
        self, server: LiveServer, issuer: OpaqueIssuer, api: ServedApi
    ) -> None:
        editor = issuer.sign(issuer.claims(roles=["editor"], preferred_username="erin"))
        viewer = server.sign_in(*BOB)["access_token"]

        assert api.call("GET", "/reports/", editor).json() == {"reports": [], "viewer": "erin"}
        assert_forbidden(api.call("GET", "/reports/", viewer), "reports.view")
        assert api.call("GET", "/reports/").status_code == 401

    def test_a_route_in_a_protected_group_may_ask_for_more(
        self, server: LiveServer, issuer: OpaqueIssuer, api: ServedApi
    ) -> None:
        editor = issuer.sign(issuer.claims(roles=["editor"]))

        assert_forbidden(api.call("POST", "/reports/", editor), "reports.write")
        admin = server.sign_in(*ALICE)["access_token"]
        assert api.call("POST", "/reports/", admin).json() == {"created_by": "alice"}

    def test_the_signals_are_the_cores_own(self) -> None:
        assert self.integration.access_granted is resource_signals.access_granted
        assert self.integration.access_denied is resource_signals.access_denied
        assert self.integration.token_rejected is resource_signals.token_rejected

    def test_receivers_get_the_principal_and_request_and_never_the_token(
        self,
        server: LiveServer,
        issuer: OpaqueIssuer,
        api: ServedApi,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        granted, denied, rejected = Recorder(), Recorder(), Recorder()
        alice = server.sign_in(*ALICE)["access_token"]
        bob = server.sign_in(*BOB)["access_token"]
        expired = issuer.sign(expired_claims(issuer))

        with (
            resource_signals.access_granted.connected_to(granted, sender=api.app),
            resource_signals.access_denied.connected_to(denied, sender=api.app),
            resource_signals.token_rejected.connected_to(rejected, sender=api.app),
        ):
            assert api.call("POST", "/documents", alice).status_code == 201
            assert api.call("POST", "/documents", bob).status_code == 403
            assert api.call("GET", "/documents", expired).status_code == 401
            wait_until(lambda: all(r.calls for r in (granted, denied, rejected)))

        [(sender, kwargs)] = granted.calls
        assert sender is api.app
        assert kwargs["principal"].username == "alice"
        assert kwargs["permission"] == "documents.write"
        assert kwargs["request"] == RequestInfo("POST", "/documents", "127.0.0.1", self.framework)
        [(_, kwargs)] = denied.calls
        assert (kwargs["principal"].username, kwargs["permission"]) == ("bob", "documents.write")
        [(_, kwargs)] = rejected.calls
        assert kwargs["error"].description == "The token has expired."
        assert kwargs["request"].path == "/documents"
        for token in (alice, bob, expired):
            for sender, kwargs in granted.calls + denied.calls + rejected.calls:
                assert_never_shows(token, caplog, sender, *kwargs.values())
                if "principal" in kwargs:
                    assert_never_shows(token, caplog, dict(kwargs["principal"].claims))


__all__ = ["ApiContract", "ServedApi", "started_servers", "wait_until"]
