"""The protocol client the app and the CLI use: sign in, refresh, revoke, with typed errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from desktop_auth.credentials import describe_problem, password_problem, username_problem
from desktop_auth.errors import (
    CancelledError,
    CredentialsError,
    DesktopAuthError,
    ProtocolError,
    SessionExpiredError,
)
from desktop_auth.oidc.browser import (
    APP_NAME,
    DEFAULT_REDIRECT_PATH,
    DEFAULT_TIMEOUT_SECONDS,
    AuthorizationRequest,
    authorization_code,
)
from desktop_auth.oidc.cancel import CANCELLED_MESSAGE, CancelToken
from desktop_auth.oidc.device import (
    DeviceCode,
    DeviceFlowUnsupportedError,
    poll_for_tokens,
    request_device_code,
)
from desktop_auth.oidc.discovery import Discovery, DiscoveryCache
from desktop_auth.oidc.first_party import exchange_code, request_authorization_code
from desktop_auth.oidc.http import (
    DEFAULT_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
    HttpClient,
    normalize_issuer,
)
from desktop_auth.oidc.identity import Identity, build_identity
from desktop_auth.oidc.methods import (
    BROWSER,
    DEVICE,
    NATIVE,
    PASSWORD,
    BrowserRequiredError,
    browser_needed_message,
    choose_sign_in,
)
from desktop_auth.oidc.password_grant import password_grant
from desktop_auth.oidc.pkce import PKCEPair, new_nonce
from desktop_auth.oidc.refresh import refresh_tokens
from desktop_auth.oidc.revocation import revoke_token
from desktop_auth.oidc.roles import RoleMapper
from desktop_auth.oidc.server_clock import ServerClock
from desktop_auth.oidc.userinfo import fetch_userinfo
from desktop_auth.oidc.validation import JWKSCache, TokenValidator
from desktop_auth.permissions import PermissionPolicy
from desktop_auth.session import Session, TokenSet

log = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "desktop-auth"
DEFAULT_SCOPE = "openid profile email offline_access"


@dataclass(frozen=True)
class ClientConfig:
    """How to reach one identity server, as one client."""

    issuer: str
    client_id: str = DEFAULT_CLIENT_ID
    ca_bundle: Path | None = None
    allow_password_grant: bool = False
    scope: str = DEFAULT_SCOPE
    roles_claim: str | None = None
    # The app's own claims-to-roles rule, instead of the standard claims (oidc.roles).
    role_mapper: RoleMapper | None = field(default=None, compare=False)
    # Seconds for connecting and for each read (timeout), and for a whole answer
    # (total_timeout: a server dripping its answer a byte at a time is given up on).
    timeout: float = DEFAULT_TIMEOUT
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    # Browser sign-in: the loopback redirect's path, and its port for providers that
    # registered one (0: any free port, RFC 8252 §7.3).
    redirect_path: str = DEFAULT_REDIRECT_PATH
    redirect_port: int = 0


def requested_scope(wanted: str, discovery: Discovery) -> str:
    """``wanted`` less the scopes the server says it does not offer.

    Servers such as Django OAuth Toolkit refuse a whole request over one unknown scope
    (``offline_access`` is the usual one), so ask only for what discovery lists, when it does.
    """
    if discovery.scopes_supported is None:
        return wanted
    offered = set(discovery.scopes_supported)
    return " ".join(s for s in wanted.split() if s in offered) or wanted


class OIDCClient:
    """Signs users in to one issuer and keeps their sessions fresh.

    Cheap to create (nothing is imported or fetched until the first call); every method
    blocks on the network, so call them off the UI thread. Keep one per issuer: discovery and
    the server's keys are fetched once and shared by threads.
    """

    def __init__(self, config: ClientConfig, policy: PermissionPolicy) -> None:
        self.config = config
        self.policy = policy
        self._http = HttpClient(config.ca_bundle, config.timeout, config.total_timeout)
        self._discovery = DiscoveryCache()
        self._validators: dict[str, TokenValidator] = {}
        self._server_clock = ServerClock()
        self._lock = threading.Lock()

    @property
    def server_clock(self) -> ServerClock:
        """The issuer's clock as its token endpoint last showed it (token times are checked
        against it)."""
        return self._server_clock

    # -- discovery -----------------------------------------------------------------------------

    def discover(self) -> Discovery:
        """The server's metadata (fetched on first use, then cached)."""
        return self._discovery.get(self._http, normalize_issuer(self.config.issuer))

    def sign_in_method(self) -> str:
        """How this server signs users in with a password: "native" or "password".

        BrowserRequiredError saying why when only browser sign-in is left
        (``sign_in_with_browser``).
        """
        discovery = self.discover()
        choice = choose_sign_in(
            challenge_endpoint=discovery.authorization_challenge_endpoint,
            grant_types=discovery.grant_types_supported,
            allow_password_grant=self.config.allow_password_grant,
        )
        if choice.method not in (NATIVE, PASSWORD):
            raise BrowserRequiredError(browser_needed_message(choice))
        return choice.method

    def _validator(self, discovery: Discovery) -> TokenValidator | None:
        if discovery.jwks_uri is None:
            return None
        with self._lock:
            validator = self._validators.get(discovery.jwks_uri)
            if validator is None:
                jwks = JWKSCache(self._http, discovery.jwks_uri)
                validator = TokenValidator(
                    jwks, discovery.issuer, self.config.client_id, clock=self._server_clock
                )
                self._validators[discovery.jwks_uri] = validator
            return validator

    # -- sign-in -------------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> Session:
        """A validated session for these credentials.

        Raises CredentialsError (wrong username or password), ThrottledError, NetworkError,
        TLSError, ServerError or ProtocolError; no message holds the password.
        BrowserRequiredError (a ProtocolError) when the server or client takes no password
        here: use ``sign_in_with_browser``.
        """
        if not username or not password:
            raise CredentialsError("Enter your username and password.")
        # Nothing over-long or holding control characters leaves this computer.
        for name, problem in (
            ("username", username_problem(username)),
            ("password", password_problem(password)),
        ):
            if problem is not None:
                raise CredentialsError(describe_problem(name, problem))
        method = self.sign_in_method()
        discovery = self.discover()
        config = self.config
        scope = requested_scope(config.scope, discovery)
        nonce: str | None = None
        if method == NATIVE:
            assert discovery.authorization_challenge_endpoint is not None  # chosen for it
            pkce, nonce = PKCEPair.generate(), new_nonce()
            code = request_authorization_code(
                self._http,
                discovery.authorization_challenge_endpoint,
                client_id=config.client_id,
                username=username,
                password=password,
                scope=scope,
                pkce=pkce,
                nonce=nonce,
            )
            tokens = exchange_code(
                self._http,
                discovery.token_endpoint,
                client_id=config.client_id,
                code=code,
                pkce=pkce,
                scope=scope,
                clock=self._server_clock,
            )
        else:
            tokens = password_grant(
                self._http,
                discovery.token_endpoint,
                client_id=config.client_id,
                username=username,
                password=password,
                scope=scope,
                clock=self._server_clock,
            )
        identity = self._identify(
            discovery, tokens, id_token=tokens.id_token, nonce=nonce, typed_username=username
        )
        log.info("%s signed in to %s (%s)", identity.username, discovery.issuer, method)
        return self._session(discovery, identity, tokens, method)

    def sign_in_with_browser(
        self,
        open_browser: Callable[[str], object],
        *,
        cancel: CancelToken | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        login_hint: str | None = None,
        app_name: str = APP_NAME,
    ) -> Session:
        """A validated session from a sign-in in the system browser (RFC 8252).

        Listens on a loopback redirect URI, calls ``open_browser(url)`` once (from this
        thread; it should return promptly) with the authorization URL, and waits for the
        browser to come back. The browser's page then says whether sign-in worked.

        Blocks until then: run it in a worker. ``cancel.cancel()`` from any thread, or
        ``timeout`` seconds without an answer, stops the wait (CancelledError,
        BrowserTimeoutError). Also raises LoopbackError (cannot listen), StateMismatchError,
        IssuerMismatchError, AuthorizationDeniedError (declined in the browser) and the
        errors of ``sign_in``.
        """
        # http.server is loaded for the first browser sign-in, not with the login window.
        from desktop_auth.oidc.loopback import LoopbackListener

        discovery = self.discover()
        if discovery.authorization_endpoint is None:
            raise ProtocolError(
                "The server's discovery document lists no authorization_endpoint, so browser "
                "sign-in is impossible."
            )
        config = self.config
        with LoopbackListener(config.redirect_path, config.redirect_port, app_name) as listener:
            request = AuthorizationRequest.new(
                config.client_id,
                listener.redirect_uri,
                requested_scope(config.scope, discovery),
                login_hint,
            )
            open_browser(request.url(discovery.authorization_endpoint))
            response = listener.wait(timeout, cancel)
            try:
                code = authorization_code(response, request, discovery)
                tokens = exchange_code(
                    self._http,
                    discovery.token_endpoint,
                    client_id=config.client_id,
                    code=code,
                    pkce=request.pkce,
                    scope=request.scope,
                    clock=self._server_clock,
                    redirect_uri=request.redirect_uri,
                )
                identity = self._identify(
                    discovery, tokens, id_token=tokens.id_token, nonce=request.nonce
                )
            except DesktopAuthError as exc:
                listener.answer(False, exc.message)
                raise
            listener.answer(
                True, f"You are signed in to {app_name} as {identity.username}. Go back to the app."
            )
        log.info("%s signed in to %s (%s)", identity.username, discovery.issuer, BROWSER)
        return self._session(discovery, identity, tokens, BROWSER)

    def sign_in_with_device(
        self,
        on_code: Callable[[DeviceCode], object],
        *,
        cancel: CancelToken | None = None,
    ) -> Session:
        """A validated session from a sign-in approved on another device (RFC 8628).

        Asks the server for a user code and calls ``on_code(code)`` once (from this thread;
        it should return promptly), as soon as there is something to show: the person opens
        ``code.verification_uri`` on a phone or another computer and enters ``code.user_code``.
        Then polls the token endpoint at the server's interval (slower when it says
        slow_down) until the sign-in is approved there.

        Blocks until then: run it in a worker. ``cancel.cancel()`` from any thread stops it
        at once (CancelledError). Raises DeviceFlowUnsupportedError when the server has no
        device authorization endpoint, DeviceAuthorizationDeniedError (declined on the other
        device), DeviceCodeExpiredError (not approved in time), and the errors of
        ``sign_in``. While polling, a server that cannot be reached is tried again until the
        code expires.
        """
        if cancel is not None and cancel.cancelled:
            raise CancelledError(CANCELLED_MESSAGE)
        discovery = self.discover()
        endpoint = discovery.device_authorization_endpoint
        if endpoint is None:
            raise DeviceFlowUnsupportedError(
                "This server does not offer sign-in on another device: its discovery "
                "document lists no device_authorization_endpoint. Sign in with the browser "
                "instead."
            )
        config = self.config
        scope = requested_scope(config.scope, discovery)
        authorization = request_device_code(
            self._http, endpoint, client_id=config.client_id, scope=scope
        )
        if cancel is not None and cancel.cancelled:
            raise CancelledError(CANCELLED_MESSAGE)
        on_code(authorization.code)
        tokens = poll_for_tokens(
            self._http,
            discovery.token_endpoint,
            authorization,
            client_id=config.client_id,
            scope=scope,
            cancel=cancel,
            clock=self._server_clock,
        )
        # No nonce: the device flow has no authorization request to carry one.
        identity = self._identify(discovery, tokens, id_token=tokens.id_token)
        log.info("%s signed in to %s (%s)", identity.username, discovery.issuer, DEVICE)
        return self._session(discovery, identity, tokens, DEVICE)

    def _identify(
        self,
        discovery: Discovery,
        tokens: TokenSet,
        *,
        nonce: str | None = None,
        id_token: str | None = None,
        subject: str | None = None,
        typed_username: str | None = None,
    ) -> Identity:
        """Who the tokens are for: validated ID token, verified JWT access token, userinfo."""
        validator = self._validator(discovery)
        id_claims = None
        if id_token is not None:
            if validator is None:
                raise ProtocolError(
                    "The server sent an ID token but publishes no keys (jwks_uri) to check it."
                )
            id_claims = validator.validate_id_token(id_token, nonce=nonce, subject=subject)
        access_claims = (
            validator.access_token_claims(tokens.access_token) if validator is not None else None
        )
        userinfo = None
        if discovery.userinfo_endpoint is not None:
            try:
                userinfo = fetch_userinfo(
                    self._http,
                    discovery.userinfo_endpoint,
                    tokens.access_token,
                    client_id=self.config.client_id,
                )
            except DesktopAuthError as exc:
                if id_claims is None:
                    raise
                # The ID token already says who this is; userinfo would only add claims.
                log.warning("userinfo unavailable, using the ID token alone: %s", exc.message)
        identity = build_identity(
            id_token=id_claims,
            userinfo=userinfo,
            access_token=access_claims,
            client_id=self.config.client_id,
            roles_claim=self.config.roles_claim,
            role_mapper=self.config.role_mapper,
            typed_username=typed_username,
        )
        if subject is not None and identity.subject != subject:
            raise ProtocolError("The renewed tokens are for another user than the session's.")
        return identity

    def _session(
        self, discovery: Discovery, identity: Identity, tokens: TokenSet, method: str
    ) -> Session:
        return Session(
            issuer=discovery.issuer,
            subject=identity.subject,
            username=identity.username,
            display_name=identity.display_name,
            email=identity.email,
            roles=identity.roles,
            permissions=self.policy.permissions_for(identity.roles),
            expires_at=tokens.expires_at,
            method=method,
            tokens=tokens,
        )

    # -- a session's life ----------------------------------------------------------------------

    def refresh(self, session: Session) -> Session:
        """The session with renewed tokens, roles and permissions (they may have changed).

        SessionExpiredError when the server no longer renews it: sign in again.
        """
        if session.tokens is None:
            raise SessionExpiredError("This session holds no tokens to renew; sign in again.")
        discovery = self.discover()
        old = session.tokens
        tokens = refresh_tokens(
            self._http,
            discovery.token_endpoint,
            old,
            client_id=self.config.client_id,
            clock=self._server_clock,
        )
        new_id_token = tokens.id_token if tokens.id_token != old.id_token else None
        if new_id_token is None and discovery.userinfo_endpoint is None:
            # Nothing but an access token came back: the user is who they were.
            identity = Identity(
                session.subject,
                session.username,
                session.display_name,
                session.email,
                session.roles,
            )
        else:
            identity = self._identify(
                discovery,
                tokens,
                id_token=new_id_token,
                subject=session.subject,
                typed_username=session.username,
            )
        log.info("session of %s renewed", identity.username)
        return self._session(discovery, identity, tokens, session.method)

    def restore(self, username: str, refresh_token: str) -> Session:
        """A session rebuilt from a stored refresh token ("stay signed in"): the token is
        redeemed and the identity validated as at sign-in.

        SessionExpiredError when the server refuses the token (revoked, spent, expired).
        """
        discovery = self.discover()
        stored = TokenSet(
            access_token="", expires_at=datetime.now(UTC), refresh_token=refresh_token
        )
        tokens = refresh_tokens(
            self._http,
            discovery.token_endpoint,
            stored,
            client_id=self.config.client_id,
            clock=self._server_clock,
        )
        identity = self._identify(
            discovery, tokens, id_token=tokens.id_token, typed_username=username
        )
        if identity.username != username:
            raise ProtocolError("The stored session is for another user than remembered.")
        log.info("session of %s restored", identity.username)
        method = NATIVE if discovery.authorization_challenge_endpoint is not None else PASSWORD
        return self._session(discovery, identity, tokens, method)

    def revoke(self, session: Session) -> None:
        """Revoke the session's refresh and access tokens at the server (RFC 7009).

        Both are tried; the first failure is raised afterwards. A server without a
        revocation endpoint is not an error: its tokens simply expire.
        """
        tokens = session.tokens
        if tokens is None:
            return
        discovery = self.discover()
        endpoint = discovery.revocation_endpoint
        if endpoint is None:
            log.info("%s has no revocation endpoint; tokens will expire", discovery.issuer)
            return
        failures: list[DesktopAuthError] = []
        # The refresh token first: at most servers revoking it ends the whole grant.
        for token, hint in (
            (tokens.refresh_token, "refresh_token"),
            (tokens.access_token, "access_token"),
        ):
            if token is None:
                continue
            try:
                revoke_token(
                    self._http,
                    endpoint,
                    token=token,
                    token_type_hint=hint,
                    client_id=self.config.client_id,
                )
            except DesktopAuthError as exc:
                log.warning("could not revoke the %s: %s", hint, exc.message)
                failures.append(exc)
        if failures:
            raise failures[0]

    def close(self) -> None:
        """Close pooled connections (the client stays usable)."""
        self._http.close()
