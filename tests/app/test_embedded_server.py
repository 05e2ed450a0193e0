"""The bundled server started in-process with demo accounts when there is no --issuer."""

from __future__ import annotations

import stat

import pytest
import requests

from desktop_auth.app.embedded import DEMO_ACCOUNTS, EmbeddedServer
from desktop_auth.errors import ServerError
from tests.server.conftest import ServerClient


@pytest.fixture
def embedded(tmp_path):
    server = EmbeddedServer(tmp_path / "data")
    yield server
    server.stop()


def test_demo_accounts_sign_in_on_loopback_with_their_roles(embedded, tmp_path):
    url = embedded.start()

    assert url.startswith("http://127.0.0.1:")
    assert embedded.url() == url
    client = ServerClient(url)
    try:
        for account in DEMO_ACCOUNTS:
            tokens = client.sign_in(account.username, account.password)
            userinfo = client.get(
                "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
            ).json()
            assert userinfo["preferred_username"] == account.username
            assert sorted(userinfo["roles"]) == sorted(account.roles)
    finally:
        client.http.close()


def test_demo_accounts_are_alice_admin_and_bob_viewer():
    assert [(a.username, a.roles) for a in DEMO_ACCOUNTS] == [
        ("alice", ("admin",)),
        ("bob", ("viewer",)),
    ]


def test_data_lives_privately_under_the_data_dir_and_a_restart_reuses_it(tmp_path):
    first = EmbeddedServer(tmp_path / "data")
    first.start()
    first.stop()
    directory = tmp_path / "data" / "embedded-server"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "server.sqlite3").stat().st_mode) == 0o600

    second = EmbeddedServer(tmp_path / "data")
    try:
        url = second.start()
        client = ServerClient(url)
        assert client.sign_in("bob", "bob-demo-password")["access_token"]
        client.http.close()
    finally:
        second.stop()


def test_url_reports_a_server_that_could_not_start(tmp_path):
    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "embedded-server").write_text("a file where the directory should be")
    server = EmbeddedServer(blocked)

    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the file system raises
        server.start()
    with pytest.raises(ServerError, match="The demo server could not start"):
        server.url(timeout=1)


def test_the_example_api_is_served_beside_it_and_trusts_its_tokens(embedded, tmp_path):
    url = embedded.start()

    assert embedded.api_url is not None
    assert embedded.api_url.startswith("http://127.0.0.1:")
    assert embedded.api_url.endswith("/api")
    client = ServerClient(url)
    try:
        alice, bob = (
            {"Authorization": f"Bearer {client.sign_in(a.username, a.password)['access_token']}"}
            for a in DEMO_ACCOUNTS
        )
        documents = requests.get(f"{embedded.api_url}/documents", headers=bob, timeout=10)
        assert documents.status_code == 200
        assert len(documents.json()["documents"]) == 5
        forged = requests.post(
            f"{embedded.api_url}/documents", json={"title": "x"}, headers=bob, timeout=10
        )
        assert forged.status_code == 403
        assert forged.json()["error"] == "insufficient_scope"
        created = requests.post(
            f"{embedded.api_url}/documents", json={"title": "x"}, headers=alice, timeout=10
        )
        assert created.status_code == 201
    finally:
        client.http.close()
    directory = tmp_path / "data" / "embedded-api"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "documents.sqlite3").stat().st_mode) == 0o600
