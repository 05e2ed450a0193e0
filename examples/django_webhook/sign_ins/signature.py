"""The webhook signature: ``X-Desktop-Auth-Signature: t=<unix time>,v1=<hex>``, where v1 is
HMAC-SHA256 with the webhook's secret over ``"<t>." + body`` (docs/SERVER.md, "Webhooks")."""

import hashlib
import hmac


def signature_is_valid(secret: str, header: str, body: bytes, *, now: float, max_age: int) -> bool:
    """Whether ``header`` signs ``body`` with ``secret``, made within ``max_age`` s of ``now``."""
    fields = dict(part.strip().partition("=")[::2] for part in header.split(","))
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > max_age:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
