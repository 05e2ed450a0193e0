"""The Django integration under Django's own server (``runserver`` in a subprocess on 127.0.0.1),
called over HTTP with tokens from the bundled server and from an issuer whose keys the test
holds; its Django signal receivers write what they got to a file the tests read.

Django's settings are global to a process (and tests/interop serves Django too), so the test
project (tests/resource/django_project) runs in a process of its own, configured through its
environment; this process never configures Django.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_auth.resource import TokenVerifier
from desktop_auth.resource import django as resource_django
from desktop_auth.resource import signals as resource_signals
from tests.resource.api_contract import ApiContract
from tests.resource.conftest import (
    ALICE,
    BAD_TOKENS,
    BOB,
    CLIENT_ID,
    INTROSPECTION_CLIENT,
    REALM,
    LiveServer,
    OpaqueIssuer,
    assert_forbidden,
    assert_refused,
    bad_token,
    expired_claims,
)
from tests.server.conftest import free_port, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "resource_django"
START_TIMEOUT = 60.0
SETTINGS_MODULE = "DJANGO_SETTINGS_MODULE"


@dataclass
class DjangoApi:
    """A Django project under ``runserver`` and the file its signal receivers append to."""

    url: str
    signal_log: Path
    process: subprocess.Popen[bytes]
    output: Path
    http: requests.Session = field(default_factory=requests.Session)

    def call(
        self, method: str, path: str, token: str | None = None, **headers: str
    ) -> requests.Response:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.url + path, headers=headers, timeout=30)

    def signals(self) -> list[dict[str, Any]]:
        if not self.signal_log.exists():
            return []
        return [json.loads(line) for line in self.signal_log.read_text().splitlines()]

    def signals_named(self, name: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """The first ``count`` records of the signal ``name``, once there are that many."""

        def found() -> list[dict[str, Any]]:
            named = [entry for entry in self.signals() if entry["signal"] == name]
            return named if len(named) >= count else []

        return wait_for(found, timeout)[:count]

    def close(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(15)
        if self.process.stdin is not None:
            self.process.stdin.close()


def run_django(
    command: list[str], cwd: Path, env: dict[str, str], url: str, ready_path: str, log: Path
) -> subprocess.Popen[bytes]:
    """Start ``command`` (Django's runserver) and wait until ``ready_path`` answers. Its
    standard input is a pipe: the test project exits when it closes."""
    inherited = {name: value for name, value in os.environ.items() if name != SETTINGS_MODULE}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**inherited, "PYTHONUNBUFFERED": "1", **env},
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def answers() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return requests.get(url + ready_path, timeout=2).status_code < 500
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, timeout=START_TIMEOUT)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(15)
        raise
    return process


@pytest.fixture
def start_django(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., DjangoApi]]:
    """``start_django(resource_setting, middleware=True)``: the test project served by
    ``runserver`` with DESKTOP_AUTH_RESOURCE = ``resource_setting``; stopped after the test."""
    started: list[DjangoApi] = []

    def start(resource: dict[str, Any], *, middleware: bool = True) -> DjangoApi:
        directory = tmp_path_factory.mktemp("django")
        url = f"http://127.0.0.1:{free_port()}"
        env = {
            "DJANGO_SETTINGS_MODULE": "tests.resource.django_project.settings",
            "DJANGO_API_RESOURCE": json.dumps(resource),
            "DJANGO_API_SIGNAL_LOG": str(directory / "signals.jsonl"),
            "DJANGO_API_MIDDLEWARE": "1" if middleware else "0",
        }
        command = [sys.executable, "-m", "django", "runserver", url[7:], "--noreload"]
        output = directory / "runserver.txt"
        process = run_django(command, REPO_ROOT, env, url, "/public", output)
        started.append(DjangoApi(url, directory / "signals.jsonl", process, output))
        return started[-1]

    yield start
    for api in started:
        api.close()


def resource_setting(server: LiveServer, issuer: OpaqueIssuer) -> dict[str, Any]:
    """DESKTOP_AUTH_RESOURCE trusting the bundled server and the test's issuer (opaque
    tokens introspected there, never cached)."""
    client_id, secret = INTROSPECTION_CLIENT
    return {
        "issuers": [
            {"url": server.url, "audience": CLIENT_ID},
            {
                "url": issuer.issuer,
                "audience": CLIENT_ID,
                "client_id": client_id,
                "client_secret": secret,
            },
        ],
        "introspection_cache_seconds": 0,
        "realm": REALM,
    }


def setting_of(verifier: TokenVerifier) -> dict[str, Any]:
    """DESKTOP_AUTH_RESOURCE trusting what ``verifier`` trusts, for a Django process."""
    issuers = []
    for trusted in verifier.issuers:
        issuer: dict[str, Any] = {"url": trusted.url, "audience": trusted.audience}
        if trusted.client_credentials is not None:
            issuer["client_id"], issuer["client_secret"] = trusted.client_credentials
        issuers.append(issuer)
    return {"issuers": issuers, "introspection_cache_seconds": 0, "realm": verifier.realm}


@pytest.fixture
def api(
    server: LiveServer, issuer: OpaqueIssuer, start_django: Callable[..., DjangoApi]
) -> DjangoApi:
    return start_django(resource_setting(server, issuer))


@pytest.fixture
def serve_api(start_django: Callable[..., DjangoApi]) -> Callable[[TokenVerifier], DjangoApi]:
    """The test project served with the issuers and realm of a verifier."""
    return lambda verifier: start_django(setting_of(verifier))


class TestAnswers(ApiContract):
    """What every integration answers (tests/resource/api_contract.py), from Django; the
    signals are Django's own here, so their two tests are Django's."""

    framework = "django"
    integration = resource_django

    def test_the_signals_are_the_cores_own(self) -> None:
        """Not for Django: its signals are Django's, sent beside the core's."""
        from django.dispatch import Signal

        for name in ("access_granted", "access_denied", "token_rejected"):
            assert isinstance(getattr(resource_django, name), Signal)
            assert getattr(resource_django, name) is not getattr(resource_signals, name)

    def test_receivers_get_the_principal_and_request_and_never_the_token(
        self, server: LiveServer, issuer: OpaqueIssuer, api: DjangoApi
    ) -> None:
        assert_receivers_get_the_principal_and_request_and_never_the_token(server, issuer, api)


# --- the view decorator, behind the middleware -----------------------------------------------


def test_request_principal_is_set_for_sync_async_and_unprotected_views(
    server: LiveServer, api: DjangoApi
) -> None:
    token = server.sign_in(*ALICE)["access_token"]

    response = api.call("GET", "/me", token)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": response.json()["subject"],
        "username": "alice",
        "issuer": server.url,
        "roles": ["admin", "editor"],
        "permissions": ["*"],
    }
    assert api.call("GET", "/me-async", token).json()["async"] is True
    assert api.call("GET", "/public", token).json() == {"principal": "alice"}
    assert api.call("GET", "/me-async").status_code == 401


def test_a_class_based_view_checks_each_methods_permission(
    server: LiveServer, api: DjangoApi
) -> None:
    alice = server.sign_in(*ALICE)["access_token"]
    bob = server.sign_in(*BOB)["access_token"]

    assert api.call("GET", "/documents", bob).json() == {"documents": [], "reader": "bob"}
    assert api.call("POST", "/documents", alice).json() == {"created_by": "alice"}
    assert_forbidden(api.call("POST", "/documents", bob), "documents.write")


@pytest.mark.parametrize(("kind", "description"), BAD_TOKENS[:1])
def test_a_bad_token_is_refused_by_a_protected_view_only(
    issuer: OpaqueIssuer, api: DjangoApi, kind: str, description: str
) -> None:
    token = bad_token(issuer, kind)

    assert_refused(api.call("GET", "/me", token), 401, "invalid_token", description)
    assert api.call("GET", "/public", token).json() == {"principal": None}


def test_an_issuer_that_cannot_be_reached_leaves_public_views_alone_and_is_503_for_drf(
    issuer: OpaqueIssuer, start_django: Callable[..., DjangoApi]
) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    api = start_django({"issuers": [{"url": gone, "audience": CLIENT_ID}]})

    token = issuer.sign(issuer.claims(iss=gone))

    assert api.call("GET", "/public", token).json() == {"principal": None}
    drf = api.call("GET", "/api/reports", token)
    assert drf.status_code == 503
    assert "WWW-Authenticate" not in drf.headers
    assert gone not in drf.text


def test_the_decorator_verifies_on_its_own_without_the_middleware(
    server: LiveServer, issuer: OpaqueIssuer, start_django: Callable[..., DjangoApi]
) -> None:
    api = start_django(resource_setting(server, issuer), middleware=False)
    bob = server.sign_in(*BOB)["access_token"]

    assert api.call("GET", "/documents", bob).json()["reader"] == "bob"
    assert_forbidden(api.call("POST", "/documents", bob), "documents.write")
    assert_refused(
        api.call("GET", "/me", issuer.sign(expired_claims(issuer))),
        401,
        "invalid_token",
        "The token has expired.",
    )
    [rejected] = api.signals_named("token_rejected", 1)
    assert rejected["sender"] == "me"


def test_a_url_group_and_its_view_signal_from_the_view_class(
    server: LiveServer, issuer: OpaqueIssuer, api: DjangoApi
) -> None:
    editor = issuer.sign(issuer.claims(roles=["editor"]))
    admin = server.sign_in(*ALICE)["access_token"]

    assert api.call("GET", "/reports/", editor).status_code == 200
    assert api.call("POST", "/reports/", admin).status_code == 200

    granted = api.signals_named("access_granted", 3)
    # Receivers run in worker threads, so the entries may arrive in any order.
    assert sorted((entry["sender"], entry["permission"]) for entry in granted) == [
        ("Reports", "reports.view"),
        ("Reports", "reports.view"),
        ("Reports", "reports.write"),
    ]


# --- Django REST framework -------------------------------------------------------------------


def test_a_drf_view_gets_a_principal_user(server: LiveServer, api: DjangoApi) -> None:
    response = api.call("GET", "/api/reports", server.sign_in(*ALICE)["access_token"])

    assert response.status_code == 200, response.text
    assert response.json() == {"viewer": "alice", "auth_is_principal": True, "may_write": True}


def test_drf_refusals_carry_the_bearer_challenge(
    server: LiveServer, issuer: OpaqueIssuer, api: DjangoApi
) -> None:
    bob = server.sign_in(*BOB)["access_token"]

    missing = api.call("GET", "/api/reports")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == f'Bearer realm="{REALM}"'

    expired = api.call("GET", "/api/reports", issuer.sign(expired_claims(issuer)))
    assert expired.status_code == 401
    assert expired.json() == {"detail": "The token has expired."}
    assert expired.headers["WWW-Authenticate"] == (
        f'Bearer realm="{REALM}", error="invalid_token", error_description="The token has expired."'
    )

    for path, method, permission in (
        ("/api/reports", "GET", "reports.view"),  # HasPermission("reports.view")
        ("/api/documents", "POST", "documents.write"),  # the view's required_permission
    ):
        forbidden = api.call(method, path, bob)
        description = f"The token does not grant the permission '{permission}'."
        assert forbidden.status_code == 403, forbidden.text
        assert forbidden.json() == {"detail": description}
        assert forbidden.headers["WWW-Authenticate"] == (
            f'Bearer realm="{REALM}", error="insufficient_scope", error_description="{description}"'
        )

    malformed = api.call("GET", "/api/reports", Authorization="Bearer one two")
    assert malformed.status_code == 400
    assert 'error="invalid_request"' in malformed.headers["WWW-Authenticate"]

    alice = server.sign_in(*ALICE)["access_token"]
    assert api.call("POST", "/api/documents", alice).json() == {"created_by": "alice"}


# --- signals ---------------------------------------------------------------------------------


def assert_receivers_get_the_principal_and_request_and_never_the_token(
    server: LiveServer, issuer: OpaqueIssuer, api: DjangoApi
) -> None:
    alice = server.sign_in(*ALICE)["access_token"]
    bob = server.sign_in(*BOB)["access_token"]
    expired = issuer.sign(expired_claims(issuer))

    assert api.call("POST", "/documents", alice).status_code == 201
    assert api.call("POST", "/documents", bob).status_code == 403
    assert api.call("GET", "/me", expired).status_code == 401
    assert api.call("GET", "/api/reports", bob).status_code == 403

    [granted] = api.signals_named("access_granted", 1)
    assert granted["sender"] == "Documents"
    assert granted["principal"]["username"] == "alice"
    assert granted["principal"]["permissions"] == ["*"]
    assert granted["permission"] == "documents.write"
    assert granted["kwargs"] == ["permission", "principal", "request"]
    assert granted["request"] == {
        "method": "POST",
        "path": "/documents",
        "remote_addr": "127.0.0.1",
        "framework": "django",
    }
    assert granted["thread"].startswith("desktop-auth-signals-")
    # The core's blinker signal fires too, with the same arguments.
    [core] = api.signals_named("core_access_granted", 1)
    assert (core["sender"], core["repr"]) == (granted["sender"], granted["repr"])

    # The first access_denied receiver raised; this one still ran.
    view_denied, drf_denied = api.signals_named("access_denied", 2)
    assert view_denied["principal"]["username"] == "bob"
    assert view_denied["permission"] == "documents.write"
    assert drf_denied["sender"] == "ApiReports"
    assert drf_denied["permission"] == "reports.view"

    [rejected] = api.signals_named("token_rejected", 1)
    assert rejected["sender"] == "BearerTokenMiddleware"
    assert rejected["error"] == ["TokenRejected", "The token has expired."]
    assert rejected["kwargs"] == ["error", "request"]

    log = api.signal_log.read_text()
    for token in (alice, bob, expired):
        assert token not in log
        assert token.split(".")[2] not in log  # not even the signature
    assert "a receiver that fails" in api.output.read_text()


def test_a_missing_token_is_signalled_by_the_view_that_needed_one(api: DjangoApi) -> None:
    assert api.call("GET", "/public").status_code == 200
    assert api.call("GET", "/me").status_code == 401

    [rejected] = api.signals_named("token_rejected", 1)
    assert rejected["sender"] == "me"
    assert rejected["error"] == ["MissingToken", "This API needs a bearer token."]
    assert rejected["request"]["path"] == "/me"


def test_a_slow_receiver_does_not_delay_the_response(server: LiveServer, api: DjangoApi) -> None:
    token = server.sign_in(*ALICE)["access_token"]
    api.call("GET", "/me", token)  # keys fetched, connection open: time the request alone

    started = time.time()
    response = api.call("GET", "/slow", token)
    answered_at = time.time()

    assert response.json() == {"username": "alice"}
    assert answered_at - started < 1.0
    [slow] = api.signals_named("slow", 1)
    assert slow["at"] >= started + 2
    assert slow["at"] > answered_at


# --- configuration ---------------------------------------------------------------------------
# verifier_from_settings() reads no Django settings: these run in this process, which never
# configures Django.

GOOD_ISSUER = {"url": "https://id.example.com", "audience": CLIENT_ID}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (None, "Set DESKTOP_AUTH_RESOURCE = {'issuers': [{'url': ..., 'audience': ...}]}"),
        ([GOOD_ISSUER], "DESKTOP_AUTH_RESOURCE must be a dict, not list."),
        ({"issuers": []}, "DESKTOP_AUTH_RESOURCE['issuers'] must be a non-empty list"),
        ({"issuers": GOOD_ISSUER}, "DESKTOP_AUTH_RESOURCE['issuers'] must be a non-empty list"),
        (
            {"issuers": [GOOD_ISSUER], "issuer": "https://id.example.com"},
            "DESKTOP_AUTH_RESOURCE has unknown keys 'issuer' (known: 'roles_claim', ",
        ),
        (
            {"issuers": [GOOD_ISSUER], "leeway": "60"},
            "DESKTOP_AUTH_RESOURCE['leeway'] must be a int or float, not str.",
        ),
        (
            {"issuers": [GOOD_ISSUER, {"url": "https://other.example.com"}]},
            "DESKTOP_AUTH_RESOURCE['issuers'][1] needs 'audience'.",
        ),
        (
            {"issuers": [{**GOOD_ISSUER, "secret": "s"}]},
            "DESKTOP_AUTH_RESOURCE['issuers'][0] has unknown keys 'secret'",
        ),
        (
            {"issuers": [{**GOOD_ISSUER, "client_id": "api"}]},
            "DESKTOP_AUTH_RESOURCE['issuers'][0]: Issuer https://id.example.com: introspection "
            "needs both client_id and client_secret.",
        ),
        (
            {"issuers": [{**GOOD_ISSUER, "algorithms": ["HS256"]}]},
            "DESKTOP_AUTH_RESOURCE['issuers'][0]: Issuer https://id.example.com: algorithms",
        ),
        (
            {"issuers": [{**GOOD_ISSUER, "url": "http://id.example.com"}]},
            "DESKTOP_AUTH_RESOURCE['issuers'][0]: Refusing plain http:// for id.example.com",
        ),
        (
            {"issuers": [GOOD_ISSUER], "permissions": "/nonexistent/permissions.toml"},
            "DESKTOP_AUTH_RESOURCE['permissions']: /nonexistent/permissions.toml: cannot read",
        ),
    ],
)
def test_a_wrong_setting_is_improperly_configured_naming_what_is_wrong(
    setting: object, message: str
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from desktop_auth.resource.django import verifier_from_settings

    with pytest.raises(ImproperlyConfigured) as raised:
        verifier_from_settings(setting)

    assert str(raised.value).startswith(message)


def test_a_good_setting_gives_a_verifier_with_its_options(tmp_path: Path) -> None:
    from desktop_auth.resource.django import verifier_from_settings

    policy = tmp_path / "permissions.toml"
    policy.write_text('[roles]\nclerk = ["documents.read"]\n')
    verifier = verifier_from_settings(
        {
            "issuers": [{**GOOD_ISSUER, "algorithms": ["ES256"], "token_type": "at+jwt"}],
            "permissions": str(policy),
            "realm": REALM,
            "leeway": 5,
        }
    )
    try:
        [issuer] = verifier.issuers
        assert (issuer.url, issuer.algorithms, issuer.token_type) == (
            GOOD_ISSUER["url"],
            ("ES256",),
            "at+jwt",
        )
        assert (verifier.realm, verifier.leeway) == (REALM, 5)
        assert verifier.policy.permissions_for(frozenset({"clerk"})) == {"documents.read"}
    finally:
        verifier.close()


def test_the_middleware_and_decorator_import_without_rest_framework() -> None:
    code = (
        "import sys; sys.modules['rest_framework'] = None\n"
        "from desktop_auth.resource.django import BearerTokenMiddleware, require_permission\n"
        "try:\n"
        "    import desktop_auth.resource.django_drf\n"
        "except ImportError:\n"
        "    print('no drf')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )

    assert (done.returncode, done.stdout) == (0, "no drf\n"), done.stderr


# --- examples/resource_django ----------------------------------------------------------------


def test_the_example_project_serves_its_api_and_audits_through_its_receivers(
    server: LiveServer, tmp_path: Path
) -> None:
    audit_log = tmp_path / "audit.jsonl"
    url = f"http://127.0.0.1:{free_port()}"
    env = {"DESKTOP_AUTH_ISSUER": server.url, "AUDIT_LOG": str(audit_log)}
    command = [sys.executable, "manage.py", "runserver", url[7:], "--noreload"]
    process = run_django(command, EXAMPLE, env, url, "/not-found", tmp_path / "out.txt")
    example = DjangoApi(url, audit_log, process, tmp_path / "out.txt")
    try:
        alice = server.sign_in(*ALICE)["access_token"]
        bob = server.sign_in(*BOB)["access_token"]

        assert example.call("GET", "/documents", bob).status_code == 200
        assert example.call("POST", "/documents", alice).json()["author"] == "alice"
        assert_forbidden(example.call("POST", "/documents", bob), "documents.write")
        assert_forbidden(example.call("GET", "/reports/", bob), "reports.view")
        assert example.call("GET", "/reports/", alice).json() == {
            "reports": [],
            "viewer": "alice",
        }
        assert example.call("GET", "/api/profile", bob).json() == {
            "username": "bob",
            "roles": ["viewer"],
            "may_write": False,
        }
        assert example.call("GET", "/documents").status_code == 401

        def audited() -> list[dict[str, Any]]:
            lines = audit_log.read_text().splitlines() if audit_log.exists() else []
            return [json.loads(line) for line in lines] if len(lines) >= 7 else []

        events = wait_for(audited, timeout=15)
        assert sorted((e["event"], e.get("username"), e["method"], e["path"]) for e in events) == [
            ("denied", "bob", "GET", "/reports/"),
            ("denied", "bob", "POST", "/documents"),
            ("granted", "alice", "GET", "/reports/"),
            ("granted", "alice", "POST", "/documents"),
            ("granted", "bob", "GET", "/api/profile"),
            ("granted", "bob", "GET", "/documents"),
            ("rejected", None, "GET", "/documents"),
        ]
        text = audit_log.read_text()
        assert alice not in text
        assert bob not in text
    finally:
        example.close()
