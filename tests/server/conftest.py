"""Live identity servers on 127.0.0.1 (random ports) and a small OAuth client for tests."""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from sqlalchemy import select

from desktop_auth.server.accounts import create_user
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import ServerConfig, load_config
from desktop_auth.server.models import AuditEntry, OutboxEvent
from desktop_auth.server.serve import ServedApp
from desktop_auth.server.state import ServerState, server_state
from tests.postgres_cluster import PostgresUnavailable, throwaway_postgres

ALICE = ("alice", "correct horse battery staple")
BOB = ("bob", "violet submarine orchestra")
NATIVE_CLIENT = "desktop-auth"


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), computed here independently of the server."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


class ServerClient:
    """Speaks to a server at ``url`` as the desktop client would, over real HTTP."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.http = requests.Session()

    @property
    def url(self) -> str:
        return self._url

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=30, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, **kw)

    def challenge(
        self,
        username: str,
        password: str,
        *,
        client_id: str = NATIVE_CLIENT,
        scope: str = "openid profile email offline_access",
        challenge: str | None = None,
        **extra: str,
    ) -> requests.Response:
        data = {
            "client_id": client_id,
            "username": username,
            "password": password,
            "scope": scope,
            "code_challenge": challenge or pkce_pair()[1],
            "code_challenge_method": "S256",
            **extra,
        }
        return self.post(
            "/authorize/challenge", data={k: v for k, v in data.items() if v is not None}
        )

    def sign_in(self, username: str, password: str, **extra: str) -> dict[str, Any]:
        """The whole first-party flow; returns the token response."""
        verifier, challenge = pkce_pair()
        response = self.challenge(username, password, challenge=challenge, **extra)
        assert response.status_code == 200, response.text
        tokens = self.redeem(response.json()["authorization_code"], verifier)
        assert tokens.status_code == 200, tokens.text
        result: dict[str, Any] = tokens.json()
        return result

    def redeem(self, code: str, verifier: str) -> requests.Response:
        """Exchange a first-party code for tokens at ``/token``."""
        return self.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "client_id": NATIVE_CLIENT,
            },
        )

    def password_grant(
        self, username: str, password: str, client_id: str, scope: str = "openid profile"
    ) -> requests.Response:
        """The legacy password grant, for clients registered with --allow-password-grant."""
        return self.post(
            "/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "username": username,
                "password": password,
                "scope": scope,
            },
        )

    def refresh(self, refresh_token: str, client_id: str = NATIVE_CLIENT) -> requests.Response:
        return self.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": client_id,
            },
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SECRET_LINE = re.compile(r"Client secret \(shown once, store it now\): (\S+)")
SERVING = re.compile(r"serving (http://\S+)")


class ServerProcess:
    """``desktop-auth-server ... run`` (or any serving command) in a subprocess."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.command = command
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[str] | None = None

    def start(self, ready_url: str | None = None, timeout: float = 30) -> str:
        """Start and wait until it serves; return its URL (from its output or ``ready_url``)."""
        self.proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            start_new_session=True,
        )
        if ready_url is None:
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline()
            match = SERVING.search(line)
            assert match, f"server did not start: {line!r}"
            ready_url = match.group(1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(ready_url + "/.well-known/openid-configuration", timeout=2).ok:
                    return ready_url
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert self.proc.poll() is None, f"server exited with {self.proc.returncode}"
            time.sleep(0.1)
        raise AssertionError(f"{ready_url} did not answer within {timeout} s")

    def kill(self) -> None:
        """SIGKILL the whole process group: no chance to clean up or finish work."""
        if self.proc is not None:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            self._close_pipe()

    def _close_pipe(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def terminate(self, timeout: float = 15) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._close_pipe()
        return code


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL cluster's ``postgres`` database (or of
    ``$DESKTOP_AUTH_TEST_POSTGRES_URL``). Without PostgreSQL or root the tests that need it
    are skipped, unless ``$DESKTOP_AUTH_REQUIRE_POSTGRES`` is set (as ``.ci/run`` does): then
    they fail."""
    if url := os.environ.get("DESKTOP_AUTH_TEST_POSTGRES_URL"):
        yield url
        return
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(throwaway_postgres())
        except PostgresUnavailable as exc:
            if os.environ.get("DESKTOP_AUTH_REQUIRE_POSTGRES"):
                pytest.fail(f"PostgreSQL is required here: {exc}")
            pytest.skip(f"{exc} (make deps installs it; the tests start it as root)")
        yield cluster.url


def _create_database(cluster_url: str, template: str | None = None) -> str:
    """Create a database in the cluster (a copy of ``template``, if given); return its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(cluster_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    return cluster_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def postgres_database(postgres: str) -> str:
    """The URL of a new, empty database in the ``postgres`` cluster."""
    return _create_database(postgres)


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every server test runs on SQLite and on PostgreSQL (issue 11), except those marked
    ``own_database``: they choose their database themselves (a file, an old schema, a shared
    cluster) and run once."""
    if "server_backend" in metafunc.fixturenames:
        own = metafunc.definition.get_closest_marker("own_database") is not None
        metafunc.parametrize("server_backend", ("sqlite",) if own else BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def migrated_template(postgres: str) -> str:
    """A PostgreSQL database at the current schema, copied for each test (a copy takes a few
    milliseconds; migrating takes most of a second)."""
    url = _create_database(postgres)
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as data_dir, contextlib.redirect_stdout(out):
        os.environ["DATABASE_URL"] = url
        try:
            assert server_cli(["--data-dir", data_dir, "migrate"]) == 0, out.getvalue()
        finally:
            del os.environ["DATABASE_URL"]
    # Nobody may be connected to a template while it is copied: 'migrate' released its
    # connections when it returned.
    return url.rsplit("/", 1)[1]


@pytest.fixture(autouse=True)
def server_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database every server of the test uses: the data dir's SQLite file, or (through
    ``$DATABASE_URL``, as a deployment sets it) a new PostgreSQL database of its own."""
    backend: str = request.param
    if backend == "postgresql":
        cluster: str = request.getfixturevalue("postgres")
        template: str = request.getfixturevalue("migrated_template")
        monkeypatch.setenv("DATABASE_URL", _create_database(cluster, template))
    return backend


@pytest.fixture
def server_processes() -> Iterator[Callable[..., ServerProcess]]:
    """Make subprocess servers; any still running are killed after the test."""
    made: list[ServerProcess] = []

    def make(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        process = ServerProcess(list(args), env)
        made.append(process)
        return process

    yield make
    for process in made:
        process.kill()


def server_command(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_auth.server.cli", "--data-dir", str(data_dir), *args]


class LiveServer(ServerClient):
    """An in-process server (waitress in a thread) plus direct access to its state."""

    def __init__(self, served: ServedApp, data_dir: Path) -> None:
        super().__init__(served.url)
        self.served = served
        self.data_dir = data_dir

    @property
    def state(self) -> ServerState:
        return server_state(self.served.app)

    def add_user(
        self, username: str, password: str, roles: tuple[str, ...] = (), **kw: Any
    ) -> None:
        with self.state.db.session() as session:
            create_user(session, self.state.passwords, username, password, roles, **kw)

    def cli(self, *args: str) -> int:
        return server_cli(["--data-dir", str(self.data_dir), *args])

    def add_confidential_client(self, client_id: str = "api") -> tuple[str, str]:
        """Register a confidential client (a resource server); return (client_id, secret)."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert self.cli("client", "add", client_id, "--confidential") == 0
        found = SECRET_LINE.search(out.getvalue())
        assert found is not None
        return client_id, found.group(1)

    def introspect(self, token: str, auth: tuple[str, str]) -> requests.Response:
        """RFC 7662 introspection of ``token`` by the confidential client ``auth``."""
        return self.post("/introspect", data={"token": token}, auth=auth)

    def restart(self) -> None:
        """Stop serving, then serve the same data on the same port again (so the URL and the
        issuer stay the same): a network blip or a server restart, as a client sees it."""
        old = self.served
        old.stop()
        self.served = ServedApp(old.config, port=old.port).start()


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    """Start servers with ``start_server(**config_overrides)``; all stop after the test."""
    started: list[LiveServer] = []

    def start(
        data_dir: Path | None = None, *, fixed_issuer: str | None = None, **overrides: Any
    ) -> LiveServer:
        """``fixed_issuer``: the issuer set by ``init --issuer`` (as behind a load balancer),
        rather than the server's own URL."""
        directory = data_dir or tmp_path_factory.mktemp("server")
        if not (directory / "server.json").exists():
            issuer = ["--issuer", fixed_issuer] if fixed_issuer else []
            assert server_cli(["--data-dir", str(directory), "init", *issuer]) == 0
        config = (
            replace(load_config(directory), **overrides) if overrides else load_config(directory)
        )
        served = ServedApp(config, fixed_issuer=fixed_issuer is not None).start()
        live = LiveServer(served, directory)
        started.append(live)
        return live

    yield start
    for live in started:
        live.served.stop()
        live.http.close()
    # A database connection left behind by what the test did shows up here, failing this test,
    # rather than as a warning in whichever later test the garbage collector runs in.
    gc.collect()


@pytest.fixture
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A fresh server with alice (admin, editor) and bob (viewer)."""
    live = start_server()
    live.add_user(
        *ALICE, roles=("admin", "editor"), email="alice@example.org", display_name="Alice"
    )
    live.add_user(*BOB, roles=("viewer",))
    return live


def stored_bytes(server: LiveServer) -> bytes:
    """Every byte the server's database holds on disk, as someone who copies its files would
    read them: SQLite's file and write-ahead log, or PostgreSQL's files for this database and
    the cluster's write-ahead log (after a checkpoint, so nothing is only in memory)."""
    engine = server.state.db.engine
    if engine.dialect.name == "sqlite":
        return b"".join(
            path.read_bytes()
            for path in server.data_dir.iterdir()
            if path.name.startswith("server.sqlite3")
        )
    from sqlalchemy import text

    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
        cluster = Path(connection.execute(text("SHOW data_directory")).scalar_one())
        oid = connection.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    files = [*(cluster / "base" / str(oid)).iterdir(), *(cluster / "pg_wal").glob("0*")]
    return b"".join(path.read_bytes() for path in files if path.is_file())


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


def audit_events(server: LiveServer, name: str) -> list[AuditEntry]:
    with server.state.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.event == name)))


def wait_for_effects(server: LiveServer, timeout: float = 10.0) -> None:
    """Wait until the server's outbox owes nothing: every side effect has been delivered.

    (Calling ``deliver_due()`` is not enough: the background worker may hold the events.)
    """

    def all_delivered() -> bool:
        with server.state.db.session() as session:
            return (
                session.scalar(select(OutboxEvent.id).where(OutboxEvent.done_at.is_(None))) is None
            )

    wait_for(all_delivered, timeout)


class WebhookSink:
    """A real HTTP endpoint on 127.0.0.1 that records what it is sent."""

    def __init__(self, port: int = 0, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if sink.fail_first > 0:
                    sink.fail_first -= 1
                    self.send_response(503)
                else:
                    sink.received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received if json.loads(body)["type"] == kind]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


REDIRECT_URI = "http://127.0.0.1:54321/callback"


class LoginPage(HTMLParser):
    """What a browser sees on the sign-in page: the form's fields and the alert, if any."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.field_types: dict[str, str] = {}
        self.has_form = False
        self.autofocus: str | None = None
        self.alerts: list[str] = []
        self._in_alert = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.has_form = True
        elif tag == "input" and "name" in attributes:
            self.fields[attributes["name"]] = attributes.get("value", "")
            self.field_types[attributes["name"]] = attributes.get("type", "text")
            if "autofocus" in attributes:
                self.autofocus = attributes["name"]
        elif attributes.get("role") == "alert":
            self._in_alert = True
            self.alerts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_alert = False

    def handle_data(self, data: str) -> None:
        if self._in_alert:
            self.alerts[-1] += data.strip()


def kid_of(token: str) -> str:
    """The ``kid`` in a JWT's header (unverified)."""
    return str(extract_compact(token.encode()).protected["kid"])


def verified_claims(server: LiveServer, token: str) -> dict[str, Any]:
    """Claims of a JWT whose signature checks against the server's published JWKS."""
    keys = KeySet.import_key_set(server.get("/jwks.json").json())
    return dict(jwt.decode(token, keys).claims)


__all__ = [
    "ALICE",
    "BOB",
    "NATIVE_CLIENT",
    "REDIRECT_URI",
    "LiveServer",
    "LoginPage",
    "ServerConfig",
    "ServerProcess",
    "WebhookSink",
    "audit_events",
    "free_port",
    "kid_of",
    "pkce_pair",
    "server_command",
    "stored_bytes",
    "verified_claims",
    "wait_for",
    "wait_for_effects",
]
