"""Bearer tokens checked for a protected API: JWTs against the issuer's keys, opaque ones by
introspection, and the caller's roles and permissions from the same policy as the desktop app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from desktop_auth.errors import DesktopAuthError
from desktop_auth.oidc.discovery import Discovery, DiscoveryCache
from desktop_auth.oidc.http import DEFAULT_TIMEOUT, HttpClient
from desktop_auth.oidc.roles import RoleMapper, merge_roles
from desktop_auth.oidc.validation import (
    ALLOWED_ALGORITHMS,
    LEEWAY_SECONDS,
    JWKSCache,
    candidate_keys,
    verify_signature,
)
from desktop_auth.permissions import PermissionSource, policy_from
from desktop_auth.resource.bearer import bearer_token
from desktop_auth.resource.claims import (
    ALGORITHM_NOT_ALLOWED,
    NOT_ACTIVE,
    UNTRUSTED_ISSUER,
    check_claims,
    jwt_parts,
    scopes_of,
)
from desktop_auth.resource.errors import (
    AccessError,
    InsufficientPermission,
    TokenRejected,
    VerifierUnavailable,
)
from desktop_auth.resource.introspection import IntrospectionCache, introspect, token_digest
from desktop_auth.resource.issuer import Issuer, issuer_list
from desktop_auth.resource.principal import Principal

if TYPE_CHECKING:
    from joserfc.jwk import Key

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# A flood of tokens with made-up key ids refetches the issuer's keys at most this often.
JWKS_REFETCH_INTERVAL = 30.0
# Keys are fetched again after this long, so a key the issuer withdrew stops verifying.
JWKS_MAX_AGE = 3600.0
INTROSPECTION_CACHE_SECONDS = 30.0
# After an issuer could not be asked, requests get 503 at once for this long.
ISSUER_RETRY_SECONDS = 5.0
# An API answers its callers quickly or not at all: less patience than a desktop sign-in.
VERIFIER_TIMEOUT = DEFAULT_TIMEOUT / 2


class _IssuerClient:
    """What the verifier asks one issuer: its endpoints (given, or from its discovery
    document), its signing keys, and introspection. After a failure the issuer is left alone
    for ``retry_seconds``: meanwhile requests get the same 503 at once, rather than each
    waiting for a server that is down."""

    def __init__(
        self,
        issuer: Issuer,
        http: HttpClient,
        discovery: DiscoveryCache,
        *,
        refetch_interval: float,
        max_age: float,
        retry_seconds: float,
    ) -> None:
        self.issuer = issuer
        self._http = http
        self._discovery = discovery
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._retry_seconds = retry_seconds
        self._jwks: JWKSCache | None = None
        self._lock = threading.Lock()
        # Plain assignments from any thread: a lost update only shifts a retry.
        self._retry_at = 0.0
        self._problem = ""

    def _guarded(self, ask: Callable[[], _T]) -> _T:
        if time.monotonic() < self._retry_at:
            raise VerifierUnavailable(self._problem)
        try:
            return ask()
        except VerifierUnavailable as exc:
            self._unavailable(exc)
            raise
        except AccessError:
            raise
        except DesktopAuthError as exc:
            unavailable = VerifierUnavailable(f"Cannot ask {self.issuer.url}: {exc.message}")
            self._unavailable(unavailable)
            raise unavailable from exc

    def _unavailable(self, error: VerifierUnavailable) -> None:
        self._problem = error.description
        self._retry_at = time.monotonic() + self._retry_seconds

    def _discovered(self) -> Discovery:
        try:
            return self._discovery.get(self._http, self.issuer.url)
        except DesktopAuthError as exc:
            raise VerifierUnavailable(
                f"Cannot read the discovery document of {self.issuer.url}: {exc.message}"
            ) from exc

    def _jwks_cache(self) -> JWKSCache:
        with self._lock:
            if self._jwks is None:
                uri = self.issuer.jwks_uri or self._discovered().jwks_uri
                if uri is None:
                    raise VerifierUnavailable(
                        f"{self.issuer.url} publishes no jwks_uri, so its JWT access tokens "
                        "cannot be checked; give Issuer(jwks_uri=...)."
                    )
                self._jwks = JWKSCache(
                    self._http, uri, refetch_interval=self._refetch_interval, max_age=self._max_age
                )
            return self._jwks

    def signing_keys(self, kid: str | None, alg: str) -> list[Key]:
        """The published keys a token with ``kid`` and ``alg`` may be signed with; an unknown
        ``kid`` refetches the keys (at most once per refetch interval)."""

        def ask() -> list[Key]:
            jwks = self._jwks_cache()
            try:
                found = candidate_keys(jwks.keys(), kid, alg)
                if not found and kid is not None:
                    found = candidate_keys(jwks.keys(refresh=True), kid, alg)
            except DesktopAuthError as exc:
                raise VerifierUnavailable(
                    f"Cannot fetch the signing keys of {self.issuer.url}: {exc.message}"
                ) from exc
            return found

        return self._guarded(ask)

    def introspect(self, credentials: tuple[str, str], token: str) -> dict[str, Any]:
        """The issuer's RFC 7662 answer about ``token``."""

        def ask() -> dict[str, Any]:
            endpoint = self.issuer.introspection_endpoint or (
                self._discovered().introspection_endpoint
            )
            if endpoint is None:
                raise VerifierUnavailable(
                    f"{self.issuer.url} publishes no introspection_endpoint, so opaque tokens "
                    "cannot be checked; give Issuer(introspection_endpoint=...)."
                )
            return introspect(self._http, endpoint, credentials, token)

        return self._guarded(ask)


class TokenVerifier:
    """Checks the bearer tokens of API requests and says who sent them and what they may do.

    ``issuers``: the identity servers trusted (one ``Issuer`` or several). ``permissions``:
    the roles-to-permissions policy, as the desktop client takes it (a ``PermissionPolicy``,
    the path of a TOML policy, any object with ``permissions_for(roles)``, or None for the
    bundled policy). ``roles_claim`` / ``role_mapper``: where roles are read, as in
    ``ClientConfig`` (by default ``roles``, ``realm_access.roles``,
    ``resource_access.<audience>.roles`` and ``groups``). ``leeway``: seconds of clock
    difference forgiven on ``exp``, ``nbf`` and ``iat``. ``introspection_cache_seconds``: how
    long an introspection answer is reused (never beyond the token's expiry; 0: never).
    ``jwks_refetch_interval``: an unknown key id refetches the issuer's keys at most this
    often; ``jwks_max_age``: keys are fetched again after this long. ``issuer_retry_seconds``:
    after an issuer could not be asked, how long requests get VerifierUnavailable at once
    before it is asked again.
    ``ca_bundle``: a PEM file of CA certificates trusted besides the system's. ``realm``: the
    realm the integrations put in ``WWW-Authenticate``.

    Thread-safe: one verifier serves every request of an application. Nothing it logs or
    raises contains a token.
    """

    def __init__(
        self,
        issuers: Issuer | Iterable[Issuer],
        *,
        permissions: PermissionSource | Path | str | None = None,
        roles_claim: str | None = None,
        role_mapper: RoleMapper | None = None,
        leeway: float = LEEWAY_SECONDS,
        introspection_cache_seconds: float = INTROSPECTION_CACHE_SECONDS,
        jwks_refetch_interval: float = JWKS_REFETCH_INTERVAL,
        jwks_max_age: float = JWKS_MAX_AGE,
        issuer_retry_seconds: float = ISSUER_RETRY_SECONDS,
        ca_bundle: Path | str | None = None,
        timeout: float = VERIFIER_TIMEOUT,
        realm: str = "api",
    ) -> None:
        self.issuers = issuer_list(issuers)
        self.policy = policy_from(permissions)
        self.roles_claim = roles_claim
        self.role_mapper = role_mapper
        self.leeway = leeway
        self.realm = realm
        self._http = HttpClient(
            Path(ca_bundle) if ca_bundle is not None else None,
            timeout=timeout,
            total_timeout=2 * timeout,
        )
        discovery = DiscoveryCache()
        self._clients = {
            issuer.url: _IssuerClient(
                issuer,
                self._http,
                discovery,
                refetch_interval=jwks_refetch_interval,
                max_age=jwks_max_age,
                retry_seconds=issuer_retry_seconds,
            )
            for issuer in self.issuers
        }
        self._introspection_cache = IntrospectionCache(introspection_cache_seconds)

    # --- the API the integrations use ----------------------------------------------------

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of a request's ``Authorization`` header value.

        Raises MissingToken (401), InvalidRequest (400), TokenRejected (401) or
        VerifierUnavailable (503).
        """
        return self.verify_token(bearer_token(authorization))

    def authorize(self, principal: Principal, permission: str) -> None:
        """InsufficientPermission (403) unless ``principal`` has ``permission``."""
        if not principal.allows(permission):
            raise InsufficientPermission(principal, permission)

    def check(self, authorization: str | None, permission: str | None = None) -> Principal:
        """``authenticate``, then ``authorize`` when a ``permission`` is given."""
        principal = self.authenticate(authorization)
        if permission is not None:
            self.authorize(principal, permission)
        return principal

    def verify_token(self, token: str) -> Principal:
        """The principal of a bare bearer ``token`` (a JWT or an opaque token)."""
        try:
            parts = jwt_parts(token)
            if parts is not None:
                return self._verify_jwt(token, *parts)
            return self._verify_opaque(token)
        except AccessError as exc:
            level = logging.WARNING if isinstance(exc, VerifierUnavailable) else logging.INFO
            log.log(level, "bearer token refused: %s", exc.description)
            raise

    def close(self) -> None:
        """Close the connections to the issuers (the verifier reopens them when used)."""
        self._http.close()

    # --- JWT access tokens -----------------------------------------------------------------

    def _verify_jwt(self, token: str, header: dict[str, Any], payload: dict[str, Any]) -> Principal:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise TokenRejected(ALGORITHM_NOT_ALLOWED)
        client = self._clients.get(payload["iss"]) if isinstance(payload.get("iss"), str) else None
        if client is None:
            raise TokenRejected(UNTRUSTED_ISSUER)
        issuer = client.issuer
        if alg not in issuer.algorithms:
            raise TokenRejected(ALGORITHM_NOT_ALLOWED)
        if issuer.token_type is not None and header.get("typ") not in (
            issuer.token_type,
            f"application/{issuer.token_type}",
        ):
            raise TokenRejected(f"The token is not of the type {issuer.token_type!r}.")
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        found = client.signing_keys(kid, alg)
        if not found:
            raise TokenRejected("The token is signed with a key its issuer does not publish.")
        claims = verify_signature(token, found, alg, "access token")
        if claims is None:
            raise TokenRejected("The token's signature is invalid.")
        check_claims(claims, issuer, self.leeway, time.time(), strict=True)
        return self._principal(claims, issuer)

    # --- opaque tokens ---------------------------------------------------------------------

    def _verify_opaque(self, token: str) -> Principal:
        introspecting = [
            (client, client.issuer.client_credentials)
            for client in self._clients.values()
            if client.issuer.client_credentials is not None
        ]
        if not introspecting:
            raise TokenRejected(
                "The token is not a JWT, and no trusted issuer is set up for introspection."
            )
        digest = token_digest(token)
        for client, credentials in introspecting:
            issuer = client.issuer
            answer = self._introspection_cache.get(issuer.url, digest)
            if answer is None and credentials is not None:
                answer = client.introspect(credentials, token)
                self._introspection_cache.put(issuer.url, digest, answer)
            if answer is not None and answer.get("active") is True:
                return self._introspected_principal(answer, issuer)
        raise TokenRejected(NOT_ACTIVE)

    def _introspected_principal(self, answer: Mapping[str, Any], issuer: Issuer) -> Principal:
        # The bundled server and others say which kind of token it is; a refresh token is for
        # the token endpoint only (RFC 6749 §1.5), never a bearer credential for an API.
        if answer.get("token_type") == "refresh_token":
            raise TokenRejected("The token is a refresh token, not an access token.")
        claims = {name: value for name, value in answer.items() if name != "active"}
        check_claims(claims, issuer, self.leeway, time.time(), strict=False)
        if "username" in claims and "preferred_username" not in claims:
            claims["preferred_username"] = claims["username"]
        return self._principal(claims, issuer)

    # --- the principal ---------------------------------------------------------------------

    def _principal(self, claims: Mapping[str, Any], issuer: Issuer) -> Principal:
        client_id = claims.get("azp", claims.get("client_id"))
        client_id = client_id if isinstance(client_id, str) else None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            if client_id is None:
                raise TokenRejected("The token names no subject (sub).")
            subject = client_id  # a client-credentials token speaks for the client itself
        username = claims.get("preferred_username")
        roles = merge_roles([claims], issuer.audience, self.roles_claim, self.role_mapper)
        exp = claims.get("exp")
        return Principal(
            subject=subject,
            username=username if isinstance(username, str) and username else subject,
            issuer=issuer.url,
            client_id=client_id,
            scopes=scopes_of(claims),
            roles=roles,
            permissions=self.policy.permissions_for(roles),
            expires_at=float(exp) if isinstance(exp, int | float) else None,
            claims=claims,
        )

    def __repr__(self) -> str:
        urls = ", ".join(issuer.url for issuer in self.issuers)
        return f"TokenVerifier(issuers=[{urls}])"


__all__ = [
    "INTROSPECTION_CACHE_SECONDS",
    "ISSUER_RETRY_SECONDS",
    "JWKS_MAX_AGE",
    "JWKS_REFETCH_INTERVAL",
    "TokenVerifier",
]
