"""Signed tokens checked against the server's JWKS (OpenID Connect Core §3.1.3.7, RFC 7519).

Only asymmetric signatures are accepted: a desktop app is a public client, so an HMAC key
would be one it cannot keep secret, and ``alg: none`` is no signature at all. Token times are
checked against the server's clock as its Date headers show it (see ``server_clock``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desktop_auth.errors import DesktopAuthError, ProtocolError, ServerError
from desktop_auth.oidc.http import HttpClient
from desktop_auth.oidc.server_clock import ClockSkewError, ServerClock

if TYPE_CHECKING:  # joserfc is imported when the first token is checked, not at start-up.
    from joserfc.jwk import Key
    from joserfc.jws import JWSRegistry

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "ES256K",
    "EdDSA",
    "Ed25519",
    "Ed448",
)
LEEWAY_SECONDS = 60
MAX_TOKEN_LENGTH = 64_000

Claims = dict[str, Any]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def token_header(token: str, what: str = "ID token") -> dict[str, Any]:
    """The unverified JOSE header of a compact JWS; ProtocolError when it is not one."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise ProtocolError(f"The server's {what} is implausibly long.")
    parts = token.split(".")
    if len(parts) == 5:
        raise ProtocolError(f"The server's {what} is encrypted (JWE), which is not supported.")
    if len(parts) != 3:
        raise ProtocolError(f"The server's {what} is not a signed JWT.")
    try:
        header = json.loads(_b64decode(parts[0]))
    except (ValueError, binascii.Error) as exc:
        raise ProtocolError(f"The server's {what} has an unreadable header.") from exc
    if not isinstance(header, dict):
        raise ProtocolError(f"The server's {what} has an unreadable header.")
    return header


@functools.cache
def _registry() -> JWSRegistry:
    from joserfc.jws import JWSRegistry

    # RFC 9864 deprecates the name "EdDSA" for "Ed25519"/"Ed448", and joserfc warns on every
    # use; identity servers still sign with it and the algorithm is sound, so stay quiet.
    eddsa = copy.copy(JWSRegistry.algorithms["EdDSA"])
    eddsa.security_warning = None

    class IdTokenRegistry(JWSRegistry):
        algorithms = {**JWSRegistry.algorithms, "EdDSA": eddsa}  # noqa: RUF012 - as in the base

    return IdTokenRegistry(algorithms=list(ALLOWED_ALGORITHMS))


def _import_keys(document: dict[str, Any], jwks_uri: str) -> list[Key]:
    """Signature-verification keys from a JWKS; symmetric and encryption keys are skipped."""
    from joserfc.errors import JoseError
    from joserfc.jwk import JWKRegistry

    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ServerError(f"{jwks_uri} is not a JSON Web Key Set (no 'keys' list).")
    keys: list[Key] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") == "oct" or entry.get("use") == "enc":
            continue
        try:
            keys.append(JWKRegistry.import_key(entry))
        except (JoseError, ValueError, TypeError) as exc:
            log.info("skipping a key in %s that cannot be used: %s", jwks_uri, exc)
    return keys


class JWKSCache:
    """The server's public signing keys, fetched on first use and again on an unknown ``kid``.

    ``refetch_interval``: a refetch asked for sooner than this many seconds after the last
    fetch returns the keys already held, so a flood of tokens with made-up key ids cannot
    hammer the server (0: always refetch). ``max_age``: keys older than this are fetched
    again on next use, so a key the server withdrew stops verifying (None: kept).
    """

    def __init__(
        self,
        http: HttpClient,
        jwks_uri: str,
        *,
        refetch_interval: float = 0.0,
        max_age: float | None = None,
    ) -> None:
        self._http = http
        self._jwks_uri = jwks_uri
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._keys: list[Key] | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    @property
    def jwks_uri(self) -> str:
        return self._jwks_uri

    def _stale(self, refresh: bool) -> bool:
        if self._keys is None:
            return True
        age = time.monotonic() - self._fetched_at
        if self._max_age is not None and age >= self._max_age:
            return True
        return refresh and age >= self._refetch_interval

    def keys(self, refresh: bool = False) -> list[Key]:
        with self._lock:
            if self._stale(refresh):
                response = self._http.get_json(self._jwks_uri)
                if not response.ok:
                    raise ServerError(
                        f"{self._jwks_uri} answered HTTP {response.status} {response.reason}."
                    )
                self._keys = _import_keys(response.body, self._jwks_uri)
                self._fetched_at = time.monotonic()
            assert self._keys is not None
            return list(self._keys)


def candidate_keys(keys: Sequence[Key], kid: str | None, alg: str) -> list[Key]:
    """The keys a token with header ``kid`` and ``alg`` may have been signed with."""
    found = [key for key in keys if kid is None or key.kid == kid]
    return [key for key in found if key.alg in (None, alg)]


def verify_signature(token: str, keys: Sequence[Key], alg: str, what: str) -> Claims | None:
    """The claims of ``token`` when its ``alg`` signature checks with one of ``keys``
    (``alg`` must be one of ALLOWED_ALGORITHMS); None when none does."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    for key in keys:
        try:
            decoded = jwt.decode(token, key, algorithms=[alg], registry=_registry())
        except (JoseError, ValueError) as exc:
            log.debug("%s does not verify with key %r: %s", what, key.kid, exc)
            continue
        return dict(decoded.claims)
    return None


class TokenValidator:
    """Checks the ID tokens (and JWT access tokens) of one issuer for one client.

    ``clock`` is the issuer's clock as its token endpoint shows it; without one, or before it
    has measured anything, times are checked against this computer's clock.
    """

    def __init__(
        self,
        jwks: JWKSCache,
        issuer: str,
        client_id: str,
        leeway: int = LEEWAY_SECONDS,
        clock: ServerClock | None = None,
    ) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._client_id = client_id
        self._leeway = leeway
        self._clock = clock or ServerClock()

    def _verified_claims(self, token: str, what: str, refetch: bool) -> Claims:
        """Claims of a token whose signature checks with a published key; ProtocolError if not."""
        header = token_header(token, what)
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            shown = "no signature (alg none)" if str(alg).lower() == "none" else repr(alg)
            raise ProtocolError(
                f"The server's {what} is signed with {shown}, which is not allowed; only "
                "RS*, PS*, ES* and EdDSA signatures are accepted."
            )
        kid = header.get("kid")
        kid = kid if isinstance(kid, str) else None
        keys = candidate_keys(self._jwks.keys(), kid, alg)
        if not keys and kid is not None and refetch:
            # The server may have rotated its keys since we fetched them: look once more.
            log.info("unknown key id %r: fetching %s again", kid, self._jwks.jwks_uri)
            keys = candidate_keys(self._jwks.keys(refresh=True), kid, alg)
        if not keys:
            raise ProtocolError(
                f"The server's {what} is signed with a key it does not publish at "
                f"{self._jwks.jwks_uri}" + (f" (kid {kid!r})." if kid else ".")
            )
        claims = verify_signature(token, keys, alg, what)
        if claims is None:
            raise ProtocolError(f"The server's {what} has an invalid signature.")
        return claims

    def _time_problem(self, claims: Claims, what: str, now: float, server_time: bool) -> str | None:
        """Why the token's times are wrong at ``now`` (with the leeway); None if they are not.

        ``server_time``: ``now`` is the server's clock as measured, so the clocks are not to
        blame.
        """
        exp = claims.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return f"The server's {what} has no expiry time (exp)."
        if now > exp + self._leeway:
            if server_time:
                return f"The server's {what} has expired, even by the server's own clock."
            return (
                f"The server's {what} has expired. If you just signed in, check that this "
                "computer's clock is right."
            )
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if value > now + self._leeway:
                if server_time:
                    return (
                        f"The server's {what} is dated in the future ({name}), even by the "
                        "server's own clock."
                    )
                return (
                    f"The server's {what} is dated in the future ({name}). Check that this "
                    "computer's clock is right."
                )
        return None

    def _check_times(self, claims: Claims, what: str, now: float | None) -> None:
        """ProtocolError unless the token is valid now on the server's clock, as measured.

        ``now`` (this computer's clock, for tests) replaces the measured clock. When the
        clocks differ by more than is corrected for and only that difference makes the token
        fail, ClockSkewError says so.
        """
        clock = self._clock
        if now is not None or not clock.measured:
            problem = self._time_problem(claims, what, clock.now() if now is None else now, False)
        elif clock.beyond_correction:
            problem = self._time_problem(claims, what, clock.now(), False)
            if problem is not None and not self._time_problem(
                claims, what, clock.server_now(), True
            ):
                raise ClockSkewError(clock.offset, clock.host)
        else:
            problem = self._time_problem(claims, what, clock.now(), True)
        if problem is not None:
            raise ProtocolError(problem)

    def validate_id_token(
        self,
        token: str,
        *,
        nonce: str | None = None,
        subject: str | None = None,
        now: float | None = None,
    ) -> Claims:
        """The claims of a valid ID token; ProtocolError saying what is wrong otherwise.

        ``nonce`` is the one sent with the sign-in, if any; ``subject`` the user the token
        must be about (on refresh); ``now`` (seconds since the epoch) replaces the server's
        clock as measured.
        """
        what = "ID token"
        claims = self._verified_claims(token, what, refetch=True)
        if claims.get("iss") != self._issuer:
            raise ProtocolError(
                f"The server's {what} was issued by {claims.get('iss')!r}, not {self._issuer!r}."
            )
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or self._client_id not in audiences:
            raise ProtocolError(
                f"The server's {what} is meant for {audience!r}, not for this app "
                f"({self._client_id!r}). Check --client-id."
            )
        authorized_party = claims.get("azp")
        if len(audiences) > 1 and authorized_party not in (None, self._client_id):
            raise ProtocolError(f"The server's {what} was issued to another client (azp).")
        self._check_times(claims, what, now)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise ProtocolError(f"The server's {what} names no user (sub).")
        if subject is not None and sub != subject:
            raise ProtocolError(f"The server's {what} is about another user than the session's.")
        if nonce is not None:
            sent_back = claims.get("nonce")
            if not isinstance(sent_back, str) or not secrets.compare_digest(sent_back, nonce):
                raise ProtocolError(
                    f"The server's {what} does not carry the nonce of this sign-in; it may "
                    "have been replayed."
                )
        return claims

    def access_token_claims(self, token: str, *, now: float | None = None) -> Claims | None:
        """Claims of a JWT access token from this issuer that verifies; None otherwise.

        Access tokens are meant for APIs, not for us: many are opaque, some are JWTs we cannot
        verify (another audience's keys). Only a verified one may contribute roles.
        """
        what = "access token"
        try:
            claims = self._verified_claims(token, what, refetch=False)
            if claims.get("iss") != self._issuer:
                raise ProtocolError(f"The {what} is from another issuer.")
            self._check_times(claims, what, now)
        except ProtocolError as exc:
            log.debug("not reading claims from the access token: %s", exc.message)
            return None
        except DesktopAuthError as exc:  # the JWKS could not be fetched
            log.warning("cannot check the access token's signature: %s", exc.message)
            return None
        return claims
