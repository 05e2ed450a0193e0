"""Protect your own API with the tokens the desktop app signs in for (no Qt).

A ``TokenVerifier`` checks bearer tokens from one or more trusted ``Issuer``\\ s (JWTs against
the issuer's keys, opaque tokens by introspection) and gives the caller as a ``Principal``,
with roles and permissions from the same policy as the desktop client. The framework
integrations (``desktop_auth.resource.flask``, ``.fastapi``, ``.django``) answer its errors
with RFC 6750 responses and send the signals ``access_granted``, ``access_denied`` and
``token_rejected`` off the request path (``send_later``). Names load on first use (PEP 562):
importing this package loads no web framework, HTTP or JOSE library.
"""

from desktop_auth._lazy import lazy_names as _lazy_names

TYPE_CHECKING = False

# Public name -> the module (under desktop_auth.resource) that defines it.
_EXPORTS = {
    "AccessError": "errors",
    "InsufficientPermission": "errors",
    "InvalidRequest": "errors",
    "Issuer": "issuer",
    "MissingToken": "errors",
    "Principal": "principal",
    "RequestInfo": "signals",
    "TokenRejected": "errors",
    "TokenVerifier": "verifier",
    "VerifierUnavailable": "errors",
    "access_denied": "signals",
    "access_granted": "signals",
    "authorize_request": "access",
    "check_request": "access",
    "send_later": "signals",
    "token_rejected": "signals",
    "wait_for_dispatch": "signals",
}

__all__ = [
    "AccessError",
    "InsufficientPermission",
    "InvalidRequest",
    "Issuer",
    "MissingToken",
    "Principal",
    "RequestInfo",
    "TokenRejected",
    "TokenVerifier",
    "VerifierUnavailable",
    "access_denied",
    "access_granted",
    "authorize_request",
    "check_request",
    "send_later",
    "token_rejected",
    "wait_for_dispatch",
]

__getattr__, __dir__ = _lazy_names(__name__, _EXPORTS, __all__)


if TYPE_CHECKING:
    from desktop_auth.resource.access import authorize_request, check_request
    from desktop_auth.resource.errors import (
        AccessError,
        InsufficientPermission,
        InvalidRequest,
        MissingToken,
        TokenRejected,
        VerifierUnavailable,
    )
    from desktop_auth.resource.issuer import Issuer
    from desktop_auth.resource.principal import Principal
    from desktop_auth.resource.signals import (
        RequestInfo,
        access_denied,
        access_granted,
        send_later,
        token_rejected,
        wait_for_dispatch,
    )
    from desktop_auth.resource.verifier import TokenVerifier
