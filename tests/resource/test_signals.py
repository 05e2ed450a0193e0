"""The access signals: sent by check_request, delivered off the caller's thread by send_later,
never carrying a token, and never letting a slow or failing receiver reach the request."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from desktop_auth.resource import (
    AccessError,
    InsufficientPermission,
    MissingToken,
    Principal,
    RequestInfo,
    TokenRejected,
    TokenVerifier,
    access_denied,
    access_granted,
    check_request,
    send_later,
    token_rejected,
    wait_for_dispatch,
)
from tests.resource.conftest import OpaqueIssuer, Recorder, assert_never_shows, expired_claims

REQUEST = RequestInfo("POST", "/documents", "127.0.0.1", "test")

pytestmark = pytest.mark.usefixtures("settled_signals")


def test_access_granted_carries_the_principal_and_permission(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    received = Recorder()
    token = issuer.sign(issuer.claims())

    with access_granted.connected_to(received):
        principal = check_request(
            verifier, f"Bearer {token}", "documents.read", sender="app", request=REQUEST
        )
        assert wait_for_dispatch(10)

    assert received.calls == [
        ("app", {"principal": principal, "permission": "documents.read", "request": REQUEST})
    ]
    assert received.threads[0].startswith("desktop-auth-signals-")


def test_access_denied_carries_the_principal_and_the_missing_permission(
    issuer: OpaqueIssuer, verifier: TokenVerifier
) -> None:
    denied, granted = Recorder(), Recorder()
    token = issuer.sign(issuer.claims())

    with access_denied.connected_to(denied), access_granted.connected_to(granted):
        with pytest.raises(InsufficientPermission) as error:
            check_request(
                verifier, f"Bearer {token}", "documents.write", sender="app", request=REQUEST
            )
        assert wait_for_dispatch(10)

    assert granted.calls == []
    assert denied.calls == [
        (
            "app",
            {
                "principal": error.value.principal,
                "permission": "documents.write",
                "request": REQUEST,
            },
        )
    ]


@pytest.mark.parametrize("kind", ["missing", "expired"])
def test_token_rejected_carries_the_error(
    issuer: OpaqueIssuer, verifier: TokenVerifier, kind: str
) -> None:
    rejected = Recorder()
    header = None if kind == "missing" else f"Bearer {issuer.sign(expired_claims(issuer))}"

    with token_rejected.connected_to(rejected), pytest.raises(AccessError) as error:
        check_request(verifier, header, None, sender="app", request=REQUEST)
    assert wait_for_dispatch(10)

    assert rejected.calls == [("app", {"error": error.value, "request": REQUEST})]
    expected = MissingToken if kind == "missing" else TokenRejected
    assert isinstance(error.value, expected)


def test_no_receiver_argument_holds_the_token(
    issuer: OpaqueIssuer, verifier: TokenVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    received = Recorder()
    tokens = {
        "granted": issuer.sign(issuer.claims()),
        "denied": issuer.opaque(),
        "rejected": issuer.sign(issuer.claims(aud="other-api")),
    }

    with (
        access_granted.connected_to(received),
        access_denied.connected_to(received),
        token_rejected.connected_to(received),
    ):
        for kind, token in tokens.items():
            permission = "documents.write" if kind == "denied" else None
            try:
                check_request(
                    verifier, f"Bearer {token}", permission, sender="app", request=REQUEST
                )
            except AccessError:
                assert kind != "granted"
        assert wait_for_dispatch(10)

    assert len(received.calls) == 3
    for token in tokens.values():
        for sender, kwargs in received.calls:
            assert_never_shows(token, caplog, sender, *kwargs.values())
            principal = kwargs.get("principal")
            if isinstance(principal, Principal):
                assert_never_shows(token, caplog, dict(principal.claims))


def test_a_slow_receiver_runs_after_send_later_has_returned() -> None:
    slow = Recorder(delay=1.0)

    with access_granted.connected_to(slow):
        started = time.monotonic()
        send_later(access_granted, "app", principal=None, permission=None, request=REQUEST)
        returned_after = time.monotonic() - started
        assert slow.calls == []
        assert wait_for_dispatch(10)

    assert returned_after < 0.5
    assert len(slow.calls) == 1


def test_a_failing_receiver_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit database is down")

    after = Recorder()

    with access_granted.connected_to(broken), access_granted.connected_to(after):
        send_later(access_granted, "app", principal=None, permission=None, request=REQUEST)
        assert wait_for_dispatch(10)

    assert len(after.calls) == 1
    assert "receiver" in caplog.text
    assert "access_granted signal failed" in caplog.text
    assert "the audit database is down" in caplog.text


def test_an_async_receiver_is_run_to_completion() -> None:
    import asyncio

    done: list[str] = []

    async def notify(sender: Any, **kwargs: Any) -> None:
        await asyncio.sleep(0.05)
        done.append(kwargs["request"].path)

    with token_rejected.connected_to(notify):
        send_later(token_rejected, "app", error=MissingToken(), request=REQUEST)
        assert wait_for_dispatch(10)

    assert done == ["/documents"]


def test_a_receiver_for_one_sender_only_hears_that_sender() -> None:
    mine = Recorder()

    with access_granted.connected_to(mine, sender="my-app"):
        send_later(access_granted, "other-app", principal=None, permission=None, request=REQUEST)
        send_later(access_granted, "my-app", principal=None, permission=None, request=REQUEST)
        assert wait_for_dispatch(10)

    assert [sender for sender, _ in mine.calls] == ["my-app"]


def test_request_info_holds_no_headers() -> None:
    assert set(RequestInfo.__dataclass_fields__) == {"method", "path", "remote_addr", "framework"}
