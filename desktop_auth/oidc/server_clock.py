"""The identity server's clock, estimated from its HTTP Date headers, for checking token times.

An ID token's ``iat``, ``nbf`` and ``exp`` are written on the server's clock. Compared with this
computer's clock, a server 5 minutes ahead issues tokens "from the future", and one 5 minutes
behind issues short-lived tokens that look expired on arrival. So token times are compared with
this computer's clock corrected by the server's offset, measured like this:

- From every successful token endpoint answer: the answer that carries the tokens, and one
  caches must not store (RFC 6749 §5.1, ``Cache-Control: no-store``), so its ``Date`` is the
  server's own. The offset is ``Date`` + 0.5 s (Date is truncated to the second) minus this
  computer's clock halfway through the request; it is off by at most half the round trip plus
  half a second, well inside the leeway. A missing or malformed Date header gives offset 0.
- The latest measurement replaces the previous one.

Policy (the way Hawk and Kerberos treat clocks: correct per server, never touch the system
clock, and stop at a few minutes):

- The offset is believed because of how it arrives: over TLS or from a loopback server (the
  HTTP client allows nothing else), in the very answer that carries the tokens. Only the
  server, or its own TLS front end, can set it, and the server can already put any time it
  likes in the tokens it signs.
- Up to ``MAX_CORRECTED_OFFSET`` (5 minutes, give or take the 2 s a measurement may be off)
  either way it is applied in full, and the validator's leeway (60 s) still applies on top:
  skew up to 5 minutes changes nothing a user can see. Above 1 minute it is logged at INFO.
- Beyond 5 minutes only 5 are corrected for and a WARNING is logged. Tokens whose times check
  out with those 5 corrected for are accepted (a server more than 6 minutes behind with
  long-lived tokens works); the others are refused with ``ClockSkewError``, which says by how
  many minutes the clocks differ and what to do about it (a token wrong even by the server's
  own clock gets the ordinary error). A server more than 6 minutes ahead is therefore always
  refused (every token is dated in the future). The cap keeps a badly wrong clock visible,
  since it breaks more than sign-in (TLS certificates, one-time codes), and keeps a wrong Date
  header from stretching a token's life by more than 5 minutes.
- ``Session.expires_at``, which schedules renewal, never uses the offset: it counts the
  token endpoint's ``expires_in`` from this computer's clock, so it is immune to skew.

Nothing here is secret: the logs hold offsets and host names only.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc.http import JsonResponse

log = logging.getLogger(__name__)

MAX_CORRECTED_OFFSET = 5 * 60
# How far off a measurement may be (Date's one-second resolution, a loopback or LAN round
# trip): a measured 5 min 1 s is 5 minutes as far as anyone can tell, and corrected in full.
MEASUREMENT_ERROR = 2
# Differences smaller than this are ordinary (the validator's leeway absorbs them); not logged.
NOTICEABLE_OFFSET = 60


def date_offset(response: JsonResponse) -> float | None:
    """Seconds the server's clock is ahead of ours (negative: behind), by the response's Date
    header; None when it has no usable one."""
    value = response.header("Date")
    if value is None or response.local_time is None:
        return None
    try:
        served = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        log.debug("ignoring the malformed Date header of %s: %r", response.url, value[:64])
        return None
    if served.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        served = served.replace(tzinfo=UTC)
    return served.timestamp() + 0.5 - response.local_time


def minutes_phrase(seconds: float) -> str:
    minutes = max(1, round(abs(seconds) / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class ClockSkewError(ProtocolError):
    """Token times fail only because this computer's clock and the server's differ by more
    than ``MAX_CORRECTED_OFFSET``; ``offset`` is the server's clock minus ours, in seconds."""

    def __init__(self, offset: float, host: str) -> None:
        direction = "behind" if offset > 0 else "ahead of"
        super().__init__(
            f"This computer's clock is {minutes_phrase(offset)} {direction} the clock of "
            f"{host}, more than the {minutes_phrase(MAX_CORRECTED_OFFSET)} sign-in allows "
            "for. Set this computer's date and time correctly (automatic time is best), or "
            "ask the server's administrator to check its clock, then try again."
        )
        self.offset = offset


class ServerClock:
    """One server's clock as last measured: ``now()`` is what token times are checked against.

    Thread-safe; one per issuer (``OIDCClient`` holds one).
    """

    def __init__(self, max_offset: float = MAX_CORRECTED_OFFSET) -> None:
        self._max_offset = max_offset
        self._offset = 0.0
        self._measured = False
        self._host = "the server"
        self._reported = 0  # the offset last logged, in whole minutes
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """The server's clock minus ours, in seconds, as last measured (0 when unknown)."""
        return self._offset

    @property
    def measured(self) -> bool:
        """Whether the last token endpoint answer had a usable Date header."""
        return self._measured

    @property
    def host(self) -> str:
        return self._host

    @property
    def beyond_correction(self) -> bool:
        """Whether the clocks differ by more than is corrected for."""
        return abs(self._offset) > self._max_offset + MEASUREMENT_ERROR

    @property
    def correction(self) -> float:
        """The part of the offset applied to token checks: all of it, up to the cap."""
        if self.beyond_correction:
            return math.copysign(self._max_offset, self._offset)
        return self._offset

    def now(self) -> float:
        """This computer's clock corrected towards the server's: what token times are
        compared with (the validator adds its leeway)."""
        return time.time() + self.correction

    def server_now(self) -> float:
        """The best estimate of the server's clock, uncorrected by the cap."""
        return time.time() + self._offset

    def observe(self, response: JsonResponse) -> None:
        """Measure the offset again from a token endpoint answer (0 without a Date header)."""
        offset = date_offset(response)
        with self._lock:
            self._host = urlsplit(response.url).netloc or self._host
            self._measured = offset is not None
            self._offset = 0.0 if offset is None else offset
            self._report()

    def _report(self) -> None:
        """Log the offset when it becomes noticeable or changes by a minute, not on every
        token response."""
        offset = self._offset
        minutes = round(offset / 60) if abs(offset) >= NOTICEABLE_OFFSET else 0
        if minutes == self._reported:
            return
        self._reported = minutes
        if minutes == 0:
            if self._measured:
                log.info("the clock of %s now agrees with this computer's", self._host)
            else:
                log.info(
                    "%s sent no usable Date header; token times are checked against this "
                    "computer's clock",
                    self._host,
                )
        elif self.beyond_correction:
            log.warning(
                "the clock of %s is %+.0f s from this computer's; only %d s are corrected for, "
                "so tokens may be refused: set the right time on this computer or the server",
                self._host,
                offset,
                self._max_offset,
            )
        else:
            log.info(
                "the clock of %s is %+.0f s from this computer's; token times are checked "
                "against the server's clock",
                self._host,
                offset,
            )


__all__ = ["MAX_CORRECTED_OFFSET", "ClockSkewError", "ServerClock", "date_offset"]
