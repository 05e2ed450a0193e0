"""/healthz and /readyz: liveness without the database, readiness with it (issue 11)."""

from __future__ import annotations

import contextlib
import gc
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import make_url, text, update
from sqlalchemy.exc import OperationalError

from desktop_auth.server.models import SigningKey, utcnow
from desktop_auth.server.readiness import describe_database_error
from tests.server.conftest import LiveServer, free_port, wait_for


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut, or never connected
        sock.shutdown(socket.SHUT_RDWR)


class TcpRelay:
    """A TCP relay on 127.0.0.1 to ``target``: a database host the test can take away (``down``:
    connections refused, open ones cut) or make silent (``hang``), then bring back (``up``)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.mode = "up"
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self.up()

    def up(self) -> None:
        with self._lock:
            self.mode = "up"
            if self._listener is None:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", self.port))
                listener.listen(16)
                self._listener = listener
                threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def hang(self) -> None:
        """Accept connections and read what is sent, but answer nothing."""
        with self._lock:
            self.mode = "hang"

    def down(self) -> None:
        with self._lock:
            self.mode = "down"
            listener, self._listener = self._listener, None
            self._cut_all()
        if listener is not None:
            # On Linux, close() alone leaves a socket that a thread waits on in accept()
            # listening; shutdown() wakes that thread.
            _shut(listener)
            listener.close()

    def close(self) -> None:
        self.down()

    def _cut_all(self) -> None:
        for sock in self._open:
            _shut(sock)
            sock.close()
        self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    # Taken down while this connection was being made: nothing would close it.
                    client.close()
                    upstream.close()
                    return
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.mode == "hang":
                    time.sleep(0.05)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _shut(sock)


def readiness(server: LiveServer) -> tuple[int, dict[str, dict[str, object]]]:
    response = server.get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.json()["checks"]


def test_healthz_says_ok_and_is_not_cached(server: LiveServer) -> None:
    response = server.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database_with_a_signing_key(server: LiveServer) -> None:
    response = server.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "schema", "signing_key"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_fails_on_a_schema_behind_this_version_and_on_an_unmigrated_one(
    server: LiveServer,
) -> None:
    head = server.state.readiness.head
    with server.state.db.transaction() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    status, checks = readiness(server)
    assert status == 503
    assert not checks["schema"]["ok"]
    assert f"at revision 0002, this version needs {head}" in str(checks["schema"]["detail"])
    assert checks["database"]["ok"]
    assert not checks["signing_key"]["ok"]

    with server.state.db.transaction() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    status, checks = readiness(server)
    assert status == 503
    assert str(checks["schema"]["detail"]).startswith("not migrated")


def test_readyz_fails_when_no_key_signs(server: LiveServer) -> None:
    with server.state.db.session() as session:
        session.execute(update(SigningKey).values(signs_from=utcnow() + timedelta(hours=1)))
    status, checks = readiness(server)
    assert status == 503
    assert checks["database"]["ok"]
    assert checks["schema"]["ok"]
    assert not checks["signing_key"]["ok"]


def test_database_errors_are_described_without_credentials() -> None:
    url = "postgresql+psycopg://dbuser:s3cret-pw@db.internal:5432/auth?sslpassword=key-pw"
    try:
        raise OperationalError(
            "SELECT 1",
            {},
            Exception(
                'connection to server at "db.internal" failed: FATAL: password authentication '
                'failed for user "dbuser" (tried s3cret-pw, key-pw)\nDETAIL: more'
            ),
        )
    except OperationalError as exc:
        described = describe_database_error(exc, url)
    assert "s3cret-pw" not in described
    assert "key-pw" not in described
    assert "dbuser" not in described
    assert "DETAIL" not in described
    assert described.startswith("Exception: connection to server")


@pytest.fixture
def relayed_server(
    postgres_database: str,
    monkeypatch: pytest.MonkeyPatch,
    start_server: Callable[..., LiveServer],
) -> Iterator[tuple[TcpRelay, LiveServer]]:
    """A ready server on a new PostgreSQL database that it reaches through a relay the test
    controls (probes time out after 1 s)."""
    url = make_url(postgres_database)
    relay = TcpRelay((url.host or "127.0.0.1", url.port or 5432))
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", relayed)
    server = start_server(readiness_timeout=1.0)
    assert server.state.db.engine.dialect.name == "postgresql"
    assert readiness(server)[0] == 200
    yield relay, server
    # The server first, so that its pool closes its connections while they still work; then
    # whatever the test leaked shows up here rather than as a warning in a later test.
    server.served.stop()
    relay.close()
    gc.collect()


@pytest.mark.own_database
@pytest.mark.slow
def test_readyz_on_postgres_follows_the_database_going_away_and_coming_back(
    relayed_server: tuple[TcpRelay, LiveServer],
) -> None:
    relay, server = relayed_server
    relay.down()
    status, checks = readiness(server)
    assert status == 503
    assert not checks["database"]["ok"]
    assert "refused" in str(checks["database"]["detail"]).lower()
    assert checks["schema"]["detail"] == "not checked: the database"
    # Liveness does not depend on the database.
    assert server.get("/healthz").status_code == 200

    relay.up()
    wait_for(lambda: readiness(server)[0] == 200, timeout=10)


@pytest.mark.own_database
@pytest.mark.slow
def test_readyz_answers_503_within_its_timeout_when_the_database_is_silent(
    relayed_server: tuple[TcpRelay, LiveServer],
) -> None:
    relay, server = relayed_server
    relay.hang()
    started = time.monotonic()
    status, checks = readiness(server)
    assert status == 503
    assert checks["database"]["detail"] == "no answer within 1 s"
    assert time.monotonic() - started < 5
    # Further probes share the hung check rather than start a thread each.
    assert readiness(server)[0] == 503

    relay.up()
    wait_for(lambda: readiness(server)[0] == 200, timeout=10)


def test_a_check_that_breaks_makes_the_server_not_ready(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert readiness(server)[0] == 200

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(server.state.readiness, "_schema", broken)
    status, checks = readiness(server)
    assert status == 503
    assert checks["database"]["detail"] == "check failed: RuntimeError"
    assert "the readiness check failed" in caplog.text
