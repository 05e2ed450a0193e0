"""examples/flask_api.py: run as a user runs it, against the bundled server, it lets an editor
write, refuses a viewer with 403, and logs each decision from its signal receivers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from examples import flask_api
from tests.server.conftest import ALICE, BOB, LiveServer, free_port, wait_for

SCRIPT = Path(flask_api.__file__)


@pytest.fixture
def running_api(server: LiveServer) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--issuer", server.url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(url + "/reports/health", timeout=2).ok
        except requests.ConnectionError:
            assert process.poll() is None, "the example API exited"
            return False

    try:
        wait_for(up, timeout=30)
        yield url, process
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_example_api_enforces_the_policy_and_logs_each_decision(
    server: LiveServer, running_api: tuple[str, subprocess.Popen[str]]
) -> None:
    url, process = running_api
    alice = {"Authorization": f"Bearer {server.sign_in(*ALICE)['access_token']}"}
    bob = {"Authorization": f"Bearer {server.sign_in(*BOB)['access_token']}"}

    created = requests.post(url + "/documents", headers=alice, timeout=30)
    refused = requests.post(url + "/documents", headers=bob, timeout=30)
    read = requests.get(url + "/documents", headers=bob, timeout=30)
    anonymous = requests.get(url + "/reports/", timeout=30)

    assert created.status_code == 201
    assert created.json()["author"] == "alice"
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert [d["author"] for d in read.json()["documents"] if "author" in d] == ["alice"]
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'

    process.terminate()
    output, _ = process.communicate(timeout=10)
    assert "granted documents.write to alice" in output
    assert "denied documents.write to bob (POST /documents)" in output
    assert "rejected GET /reports/: This API needs a bearer token." in output
