"""Webhook delivery: JSON events signed with HMAC-SHA256, sent with an idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from desktop_auth.server.signals import AuthEvent

SIGNATURE_HEADER = "X-Desktop-Auth-Signature"
EVENT_ID_HEADER = "Idempotency-Key"
EVENT_TYPE_HEADER = "X-Desktop-Auth-Event"


class WebhookDeliveryError(RuntimeError):
    """A webhook endpoint did not accept the event; delivery is retried later."""


def event_body(event: AuthEvent) -> bytes:
    return json.dumps(
        {
            "id": event.key,
            "type": event.name,
            "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": event.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (the timestamp stops replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a webhook consumer runs: constant-time check of the signature and its age."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def post_event(url: str, secret: str, event: AuthEvent, timeout: float) -> None:
    import requests  # lazy: only the outbox worker needs it

    body = event_body(event)
    headers: dict[str, Any] = {
        "Content-Type": "application/json",
        "User-Agent": "desktop-auth-server",
        EVENT_ID_HEADER: event.key,
        EVENT_TYPE_HEADER: event.name,
        SIGNATURE_HEADER: signature(secret, int(time.time()), body),
    }
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise WebhookDeliveryError(f"{url}: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookDeliveryError(f"{url}: HTTP {response.status_code}")
