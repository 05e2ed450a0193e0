"""examples/django_webhook: Django's own server receives the bundled server's webhooks, and its
@receiver hears of the sign-in; a request without the right, fresh signature is refused."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_auth.server.signals import AuthEvent
from desktop_auth.server.webhooks import SIGNATURE_HEADER, event_body, signature
from tests.server.conftest import ALICE, LiveServer, free_port, wait_for, wait_for_effects

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "django_webhook"
SECRET_LINE = re.compile(r"Signing secret \(shown once\): (\S+)")


@dataclass
class DjangoSite:
    url: str
    secret: str
    sign_in_log: Path

    def sign_ins(self) -> list[dict[str, Any]]:
        if not self.sign_in_log.exists():
            return []
        return [json.loads(line) for line in self.sign_in_log.read_text().splitlines()]

    def post(self, body: bytes, signature_header: str | None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature_header is not None:
            headers[SIGNATURE_HEADER] = signature_header
        return requests.post(self.url, data=body, headers=headers, timeout=30)


def add_webhook(server: LiveServer, url: str) -> str:
    """``webhook add URL`` as an administrator runs it; the secret it prints once."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert server.cli("webhook", "add", url) == 0
    found = SECRET_LINE.search(out.getvalue())
    assert found is not None
    return found.group(1)


@pytest.fixture
def django_site(server: LiveServer, tmp_path: Path) -> Iterator[DjangoSite]:
    """The example project under ``manage.py runserver`` on a free port, registered as the
    bundled server's webhook."""
    # The users' creation events go before the webhook exists: it is sent sign-ins only.
    wait_for_effects(server)
    url = f"http://127.0.0.1:{free_port()}/webhooks/desktop-auth/"
    site = DjangoSite(url, add_webhook(server, url), tmp_path / "sign-ins.jsonl")
    output = tmp_path / "runserver.txt"
    env = {
        **os.environ,
        "DESKTOP_AUTH_WEBHOOK_SECRET": site.secret,
        "SIGN_IN_LOG": str(site.sign_in_log),
        "PYTHONUNBUFFERED": "1",
    }
    with output.open("w") as out:
        django = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", url.split("/")[2], "--noreload"],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def answers() -> bool:
            assert django.poll() is None, output.read_text()
            try:
                return requests.get(url, timeout=2).status_code == 405  # POST only
            except requests.ConnectionError:
                return False

        wait_for(answers, timeout=60)
        yield site
    finally:
        os.killpg(django.pid, signal.SIGTERM)
        django.wait(15)
        print(output.read_text())


def signed_event(secret: str, username: str, *, age: int = 0) -> tuple[bytes, str]:
    """A user_logged_in event encoded and signed as the server does, ``age`` seconds old."""
    event = AuthEvent(
        str(uuid.uuid4()), "user_logged_in", datetime.now(UTC), {"username": username}
    )
    body = event_body(event)
    return body, signature(secret, int(time.time()) - age, body)


def test_a_sign_in_reaches_the_django_receiver_with_the_username(
    server: LiveServer, django_site: DjangoSite
) -> None:
    tokens = server.sign_in(*ALICE)

    [entry] = wait_for(django_site.sign_ins, timeout=30)
    assert entry["username"] == ALICE[0]
    text = django_site.sign_in_log.read_text()
    for secret in (ALICE[1], tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text


def test_tampered_stale_or_unsigned_requests_are_refused(django_site: DjangoSite) -> None:
    body, header = signed_event(django_site.secret, "mallory")
    tampered = body.replace(b"mallory", b"alice")
    stale_body, stale_header = signed_event(django_site.secret, "mallory", age=3600)
    _, foreign_header = signed_event("another webhook's secret", "mallory")

    assert django_site.post(tampered, header).status_code == 403
    assert django_site.post(stale_body, stale_header).status_code == 403
    assert django_site.post(body, foreign_header).status_code == 403
    assert django_site.post(body, None).status_code == 403
    assert django_site.post(body, "t=not-a-time,v1=00").status_code == 403
    assert django_site.sign_ins() == []


def test_a_repeated_event_is_accepted_and_handled_once(django_site: DjangoSite) -> None:
    body, header = signed_event(django_site.secret, "carol")

    assert django_site.post(body, header).status_code == 204
    assert django_site.post(body, header).status_code == 204

    assert [entry["username"] for entry in django_site.sign_ins()] == ["carol"]
