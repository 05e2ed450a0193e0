"""OAuth 2 / OpenID Connect client for desktop apps (no Qt; heavy imports wait for first use)."""

from desktop_auth.oidc.cancel import CancelToken
from desktop_auth.oidc.client import DEFAULT_CLIENT_ID, DEFAULT_SCOPE, ClientConfig, OIDCClient
from desktop_auth.oidc.device import (
    DeviceAuthorizationDeniedError,
    DeviceCode,
    DeviceCodeExpiredError,
    DeviceFlowUnsupportedError,
)
from desktop_auth.oidc.discovery import Discovery
from desktop_auth.oidc.http import HttpClient, is_loopback_host, normalize_issuer
from desktop_auth.oidc.methods import BrowserRequiredError, SignInChoice, choose_sign_in
from desktop_auth.oidc.roles import roles_from_claims

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_SCOPE",
    "BrowserRequiredError",
    "CancelToken",
    "ClientConfig",
    "DeviceAuthorizationDeniedError",
    "DeviceCode",
    "DeviceCodeExpiredError",
    "DeviceFlowUnsupportedError",
    "Discovery",
    "HttpClient",
    "OIDCClient",
    "SignInChoice",
    "choose_sign_in",
    "is_loopback_host",
    "normalize_issuer",
    "roles_from_claims",
]
