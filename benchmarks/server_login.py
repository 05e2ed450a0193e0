"""Sign-in latency of the bundled server with its side effects on vs. with none connected.

Login side effects (audit, last login, welcome mail, webhooks, plus a deliberately slow
receiver) run off the request path through the outbox; this measures that they cost the
sign-in only the outbox row written in its transaction.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from benchmarks.report import Figure, Sample
from desktop_auth.server import signals
from desktop_auth.server.accounts import create_user
from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.config import load_config
from desktop_auth.server.serve import ServedApp
from desktop_auth.server.state import server_state

ROUNDS = 60
PASSWORD = "correct horse battery staple"


def _slow_receiver(sender: Any, event: signals.AuthEvent, **_: Any) -> None:
    time.sleep(0.05)


def _start(with_effects: bool) -> ServedApp:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    server_cli(["--data-dir", str(data_dir), "init"])
    served = ServedApp(load_config(data_dir)).start()
    state = server_state(served.app)
    with state.db.session() as session:
        create_user(session, state.passwords, "alice", PASSWORD, ["admin"], email="a@example.org")
    if with_effects:
        signals.user_logged_in.connect(_slow_receiver, sender=served.app)
    else:
        for signal in signals.SIGNALS.values():
            for receiver in list(signal.receivers_for(served.app)):
                signal.disconnect(receiver, sender=served.app)
    return served


def _sign_in_times(served: ServedApp) -> list[float]:
    http = requests.Session()
    times = []
    for _ in range(ROUNDS):
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        started = time.perf_counter()
        code = http.post(
            served.url + "/authorize/challenge",
            data={
                "client_id": "desktop-auth",
                "username": "alice",
                "password": PASSWORD,
                "scope": "openid profile",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
            timeout=30,
        ).json()["authorization_code"]
        tokens = http.post(
            served.url + "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "client_id": "desktop-auth",
            },
            timeout=30,
        )
        times.append(time.perf_counter() - started)
        assert tokens.status_code == 200
    http.close()
    return times[5:]  # the first rounds warm caches


def run() -> list[Figure]:
    baseline_server = _start(with_effects=False)
    effects_server = _start(with_effects=True)
    try:
        # Interleave the two so that machine noise hits both alike.
        base: list[float] = []
        measured: list[float] = []
        for _ in range(3):
            base += _sign_in_times(baseline_server)
            measured += _sign_in_times(effects_server)
    finally:
        baseline_server.stop()
        effects_server.stop()
        signals.user_logged_in.disconnect(_slow_receiver)
    return [
        Figure(
            name="server sign-in with side effects",
            measured=Sample(tuple(measured)),
            baseline=Sample(tuple(base)),
            max_ratio=1.25,
            baseline_name="the same sign-in with no receivers connected",
            note=(
                "First-party challenge + code exchange on loopback; measured: audit, last login, "
                "welcome mail, webhooks and a 50 ms receiver connected."
            ),
        )
    ]
