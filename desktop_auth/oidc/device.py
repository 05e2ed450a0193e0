"""Sign-in on another device (RFC 8628): a device code, the user code to show, and polling."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from desktop_auth.errors import CancelledError, NetworkError, ProtocolError, ServerError
from desktop_auth.oidc.browser import AuthorizationDeniedError
from desktop_auth.oidc.cancel import CANCELLED_MESSAGE, CancelToken
from desktop_auth.oidc.http import HttpClient, JsonResponse
from desktop_auth.oidc.oauth_errors import error_code, oauth_error
from desktop_auth.oidc.server_clock import ServerClock
from desktop_auth.oidc.token_endpoint import parse_token_response
from desktop_auth.session import TokenSet

log = logging.getLogger(__name__)

DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 §3.2: the interval when the server names none; §3.5: what slow_down adds to it.
DEFAULT_INTERVAL_SECONDS = 5
SLOW_DOWN_SECONDS = 5
# Never poll more often than this, whatever the server says (an interval of 0 would spin).
MIN_INTERVAL_SECONDS = 1
MAX_SHOWN_LENGTH = 2000
ACTION = "sign in on another device"

DENIED_MESSAGE = "Sign-in was declined on the other device."
EXPIRED_MESSAGE = (
    "The code expired before sign-in was approved on the other device. Start again for a new code."
)


class DeviceFlowUnsupportedError(ProtocolError):
    """The server offers no sign-in on another device (no device_authorization_endpoint)."""


class DeviceAuthorizationDeniedError(AuthorizationDeniedError):
    """``access_denied``: the person declined the sign-in on the other device."""


class DeviceCodeExpiredError(CancelledError):
    """``expired_token``: nobody approved the sign-in before its code expired."""


@dataclass(frozen=True)
class DeviceCode:
    """What to show the person: go to ``verification_uri`` on another device and enter
    ``user_code`` (or open ``verification_uri_complete``, which carries the code, e.g. as a
    QR code) before ``expires_at``. ``interval`` is the server's polling interval in seconds.
    """

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: datetime
    interval: int


@dataclass(frozen=True)
class DeviceAuthorization:
    """A device authorization response: the code to show, and the secret device code that
    the token endpoint is polled with (never shown, never logged)."""

    code: DeviceCode
    device_code: str = field(repr=False)
    # time.monotonic() at expiry: immune to changes of the wall clock while polling.
    deadline: float = field(repr=False)


def _shown_text(response: JsonResponse, name: str) -> str | None:
    """A string of the answer that is shown to the person, None when absent: printable (no
    terminal escapes) and of a sane length."""
    value = response.body.get(name)
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.strip()
        or not value.isprintable()
        or len(value) > MAX_SHOWN_LENGTH
    ):
        raise ServerError(f"The device authorization endpoint sent a malformed {name}.")
    return value


def _shown_uri(response: JsonResponse, name: str) -> str | None:
    value = _shown_text(response, name)
    if value is not None and (urlsplit(value).scheme not in ("https", "http") or " " in value):
        raise ServerError(f"The device authorization endpoint sent a malformed {name}: {value!r}.")
    return value


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise ServerError(f"The device authorization endpoint's answer has no {name}.")
    return value


def _seconds(response: JsonResponse, name: str, default: int | None) -> int:
    value = response.body.get(name, default)
    if isinstance(value, str) and value.isdigit():  # some servers send numbers as strings
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ServerError(f"The device authorization endpoint sent a malformed {name}.")
    return int(value)


def parse_device_authorization(response: JsonResponse) -> DeviceAuthorization:
    """The device authorization in a 200 answer (RFC 8628 §3.2)."""
    device_code = response.body.get("device_code")
    if not isinstance(device_code, str) or not device_code:
        raise ServerError("The device authorization endpoint's answer has no device_code.")
    user_code = _required(_shown_text(response, "user_code"), "user_code")
    # Some servers (Google's among them) still use the draft's name.
    uri_name = "verification_uri" if "verification_uri" in response.body else "verification_url"
    verification_uri = _required(_shown_uri(response, uri_name), "verification_uri")
    complete = _shown_uri(response, "verification_uri_complete")
    expires_in = _seconds(response, "expires_in", None)
    if expires_in <= 0:
        raise ServerError("The device authorization endpoint sent a code that had expired.")
    interval = _seconds(response, "interval", DEFAULT_INTERVAL_SECONDS)
    return DeviceAuthorization(
        code=DeviceCode(
            user_code=user_code,
            verification_uri=verification_uri,
            verification_uri_complete=complete,
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            interval=interval,
        ),
        device_code=device_code,
        deadline=time.monotonic() + expires_in,
    )


def request_device_code(
    http: HttpClient, endpoint: str, *, client_id: str, scope: str
) -> DeviceAuthorization:
    """A new device code and user code (RFC 8628 §3.1)."""
    response = http.post_form(endpoint, {"client_id": client_id, "scope": scope})
    if response.ok:
        return parse_device_authorization(response)
    raise oauth_error(response, client_id=client_id, action=ACTION)


def poll_for_tokens(
    http: HttpClient,
    token_endpoint: str,
    authorization: DeviceAuthorization,
    *,
    client_id: str,
    scope: str,
    cancel: CancelToken | None = None,
    clock: ServerClock | None = None,
) -> TokenSet:
    """The tokens once the person approves on the other device (RFC 8628 §3.4, §3.5).

    Polls every ``interval`` seconds (5 more after each slow_down) until then. Raises
    DeviceAuthorizationDeniedError (declined), DeviceCodeExpiredError (expired_token, or the
    code's lifetime is over), CancelledError at once on ``cancel.cancel()``, and the token
    endpoint's other errors. A poll that cannot reach the server is tried again at the same
    interval until the code expires; then its NetworkError is raised.
    """
    waiting = cancel or CancelToken()
    interval = max(authorization.code.interval, MIN_INTERVAL_SECONDS)
    unreachable: NetworkError | None = None
    form = {
        "grant_type": DEVICE_CODE_GRANT_TYPE,
        "device_code": authorization.device_code,
        "client_id": client_id,
    }
    while True:
        remaining = authorization.deadline - time.monotonic()
        if remaining <= 0:
            raise unreachable or DeviceCodeExpiredError(EXPIRED_MESSAGE)
        if waiting.wait(min(interval, remaining)):
            raise CancelledError(CANCELLED_MESSAGE)
        if time.monotonic() >= authorization.deadline:
            raise unreachable or DeviceCodeExpiredError(EXPIRED_MESSAGE)
        try:
            response = http.post_form(token_endpoint, form)
        except NetworkError as exc:
            log.warning("could not poll for the device sign-in, trying again: %s", exc.message)
            unreachable = exc
            continue
        unreachable = None
        if response.ok:
            if clock is not None:
                clock.observe(response)
            return parse_token_response(response, scope)
        code = error_code(response)
        if code == "authorization_pending":
            continue
        if code == "slow_down":
            interval += SLOW_DOWN_SECONDS
            log.info("the server asked to poll more slowly: every %d s now", interval)
            continue
        if code == "access_denied":
            raise DeviceAuthorizationDeniedError(DENIED_MESSAGE)
        if code == "expired_token":
            raise DeviceCodeExpiredError(EXPIRED_MESSAGE)
        raise oauth_error(response, client_id=client_id, action=ACTION)
