"""One request's check, as every framework integration makes it: verify, authorize, signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_auth.resource.errors import AccessError, InsufficientPermission
from desktop_auth.resource.principal import Principal
from desktop_auth.resource.signals import (
    RequestInfo,
    access_denied,
    access_granted,
    send_later,
    token_rejected,
)
from desktop_auth.resource.verifier import TokenVerifier


def check_request(
    verifier: TokenVerifier,
    authorization: str | None,
    permission: str | None,
    *,
    sender: Any,
    request: RequestInfo,
    send: Callable[..., None] = send_later,
) -> Principal:
    """The principal of a request whose ``Authorization`` header value is ``authorization``,
    when it has ``permission`` (None: any valid token will do).

    Sends ``access_granted``, ``access_denied`` (403) or ``token_rejected`` (any other
    refusal) from ``sender`` through ``send`` (``send_later``, or the integration's own with
    its signature), then returns or re-raises the AccessError for the integration to answer.
    """
    try:
        principal = verifier.authenticate(authorization)
    except AccessError as exc:
        send(token_rejected, sender, error=exc, request=request)
        raise
    authorize_request(verifier, principal, permission, sender=sender, request=request, send=send)
    return principal


def authorize_request(
    verifier: TokenVerifier,
    principal: Principal,
    permission: str | None,
    *,
    sender: Any,
    request: RequestInfo,
    send: Callable[..., None] = send_later,
) -> None:
    """The second half of ``check_request``, for a principal already known in this request
    (a blueprint's hook verified the token, a view asks for one more permission):
    ``access_granted``, or ``access_denied`` and InsufficientPermission."""
    if permission is not None:
        try:
            verifier.authorize(principal, permission)
        except InsufficientPermission:
            send(access_denied, sender, principal=principal, permission=permission, request=request)
            raise
    send(access_granted, sender, principal=principal, permission=permission, request=request)


__all__ = ["authorize_request", "check_request"]
