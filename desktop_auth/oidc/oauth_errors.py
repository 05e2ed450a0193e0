"""OAuth error responses (RFC 6749 §5.2, the first-party draft, RFC 6585 429) as typed errors."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from desktop_auth.errors import (
    DesktopAuthError,
    ProtocolError,
    ServerError,
    ThrottledError,
)
from desktop_auth.oidc.http import JsonResponse
from desktop_auth.oidc.methods import BrowserRequiredError

# One message whatever the server says (unknown user, wrong password, disabled account), so
# the client never helps anyone guess which usernames exist.
CREDENTIALS_MESSAGE = "The username or password is incorrect."

BROWSER_MESSAGE = "This server needs browser sign-in for this app"

_MAX_DESCRIPTION = 200


def error_code(response: JsonResponse) -> str | None:
    code = response.body.get("error")
    return code if isinstance(code, str) and code else None


def _description(response: JsonResponse) -> str:
    """The server's error_description, made safe to show (printable, bounded)."""
    text = response.body.get("error_description")
    if not isinstance(text, str):
        return ""
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    if len(text) > _MAX_DESCRIPTION:
        text = text[: _MAX_DESCRIPTION - 1] + "…"
    return text


def describe(response: JsonResponse) -> str:
    """'error invalid_scope: The requested scope ...' for messages; never holds a secret we sent."""
    code = error_code(response) or f"HTTP {response.status} {response.reason}".strip()
    description = _description(response)
    return f"{code}: {description}" if description else code


def retry_after_seconds(value: str | None, now: datetime | None = None) -> int | None:
    """Retry-After (RFC 9110 §10.2.3) in whole seconds, rounded up; None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return max(1, int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    remaining = (when - (now or datetime.now(UTC))).total_seconds()
    return max(1, math.ceil(remaining))


def wait_phrase(seconds: int) -> str:
    """'30 seconds', '2 minutes', '1 hour': how long to wait, rounded up, for a message."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(seconds / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def throttled(response: JsonResponse) -> ThrottledError:
    retry_after = retry_after_seconds(response.header("Retry-After"))
    when = f"in {wait_phrase(retry_after)}" if retry_after is not None else "later"
    return ThrottledError(f"Too many failed sign-in attempts. Try again {when}.", retry_after)


def oauth_error(response: JsonResponse, *, client_id: str, action: str) -> DesktopAuthError:
    """The error for a failed OAuth call whose grant-specific codes the caller has handled.

    ``action`` completes "The server refused to ...", e.g. "sign in" or "renew the session".
    """
    code = error_code(response)
    if response.status == 429:
        return throttled(response)
    if code == "redirect_to_web":
        return BrowserRequiredError(
            f"{BROWSER_MESSAGE} (it answered redirect_to_web). Sign in with the browser instead."
        )
    if code == "insufficient_authorization":
        return BrowserRequiredError(
            "This server asks for more than a password (insufficient_authorization), which "
            "needs browser sign-in. Sign in with the browser instead."
        )
    if code == "invalid_client":
        return ProtocolError(
            f"The server does not accept the client {client_id!r} (invalid_client). Check "
            "--client-id, and that the server registers it as a public client."
        )
    if code == "unauthorized_client":
        return ProtocolError(
            f"The server does not allow the client {client_id!r} to {action} this way "
            f"(unauthorized_client). {_description(response)}".strip()
        )
    if code == "invalid_scope":
        return ProtocolError(
            f"The server refused the requested scope ({describe(response)}). Ask its "
            "administrator which scopes the client may request."
        )
    if code == "temporarily_unavailable":
        return ServerError(
            f"The server is temporarily unavailable ({describe(response)}). Try again later."
        )
    if code == "server_error":
        return ServerError(f"The server failed ({describe(response)}). Try again later.")
    if code is None:
        return ServerError(
            f"The server refused to {action} without an OAuth error code "
            f"(HTTP {response.status} {response.reason})."
        )
    return ProtocolError(f"The server refused to {action} ({describe(response)}).")
