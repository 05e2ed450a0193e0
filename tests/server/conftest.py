"""Live identity servers on 127.0.0.1 (random ports) and a small OAuth client for tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_auth.server.accounts import create_user
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import ServerConfig, load_config
from desktop_auth.server.serve import ServedApp
from desktop_auth.server.state import ServerState, server_state

ALICE = ("alice", "correct horse battery staple")
BOB = ("bob", "violet submarine orchestra")
NATIVE_CLIENT = "desktop-auth"


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), computed here independently of the server."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@dataclass
class LiveServer:
    served: ServedApp
    data_dir: Path
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def state(self) -> ServerState:
        return server_state(self.served.app)

    def add_user(self, username: str, password: str, roles: tuple[str, ...] = (), **kw: Any) -> None:
        with self.state.db.session() as session:
            create_user(session, self.state.passwords, username, password, roles, **kw)

    def cli(self, *args: str) -> int:
        return server_cli(["--data-dir", str(self.data_dir), *args])

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
        return self.post("/authorize/challenge", data={k: v for k, v in data.items() if v is not None})

    def sign_in(self, username: str, password: str, **extra: str) -> dict[str, Any]:
        """The whole first-party flow; returns the token response."""
        verifier, challenge = pkce_pair()
        response = self.challenge(username, password, challenge=challenge, **extra)
        assert response.status_code == 200, response.text
        tokens = self.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": response.json()["authorization_code"],
                "code_verifier": verifier,
                "client_id": NATIVE_CLIENT,
            },
        )
        assert tokens.status_code == 200, tokens.text
        result: dict[str, Any] = tokens.json()
        return result

    def refresh(self, refresh_token: str, client_id: str = NATIVE_CLIENT) -> requests.Response:
        return self.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id},
        )


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    """Start servers with ``start_server(**config_overrides)``; all stop after the test."""
    started: list[LiveServer] = []

    def start(data_dir: Path | None = None, **overrides: Any) -> LiveServer:
        directory = data_dir or tmp_path_factory.mktemp("server")
        if not (directory / "server.json").exists():
            assert server_cli(["--data-dir", str(directory), "init"]) == 0
        config = replace(load_config(directory), **overrides) if overrides else load_config(directory)
        served = ServedApp(config).start()
        live = LiveServer(served, directory)
        started.append(live)
        return live

    yield start
    for live in started:
        live.served.stop()
        live.http.close()


@pytest.fixture
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A fresh server with alice (admin, editor) and bob (viewer)."""
    live = start_server()
    live.add_user(*ALICE, roles=("admin", "editor"), email="alice@example.org", display_name="Alice")
    live.add_user(*BOB, roles=("viewer",))
    return live


__all__ = ["ALICE", "BOB", "NATIVE_CLIENT", "LiveServer", "ServerConfig", "pkce_pair"]
