"""FastAPI integration: protect path operations with the desktop app's tokens and policy.

Needs ``pip install desktop-auth[fastapi]``::

    app = FastAPI()
    install(app, TokenVerifier(Issuer("https://id.example.com", "desktop-auth")))

    @app.post("/documents")
    def create_document(
        principal: Annotated[Principal, Depends(require_permission("documents.write"))],
    ) -> dict[str, str]:
        return {"created_by": principal.username}

    reports = APIRouter(dependencies=[Depends(require_permission("reports.view"))])

``require_permission()`` without a permission lets any valid token through. The dependency is
an HTTP bearer security scheme, so the OpenAPI schema (and ``/docs``) shows it. A refused
request gets the verifier's RFC 6750 answer as JSON (``{"error": ..., "error_description":
...}``) with its ``WWW-Authenticate`` header: 401 without or with a bad token, 400 for a
malformed header, 403 without the permission, 503 when the issuer cannot be asked. The token
is checked in the threadpool (it may fetch the issuer's keys or introspect), never on the
event loop.

Each check sends ``access_granted``, ``access_denied`` or ``token_rejected`` (the signals of
``desktop_auth.resource.signals``) from the app once the response has been sent, whatever it
was: ``async def`` receivers are awaited on the app's event loop (so they may use the app's
async clients), others run in the threadpool; one that raises is logged.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from blinker import NamedSignal
from fastapi import FastAPI, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.responses import JSONResponse
from fastapi.security.base import SecurityBase
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from desktop_auth.resource.access import authorize_request, check_request
from desktop_auth.resource.errors import AccessError
from desktop_auth.resource.principal import Principal
from desktop_auth.resource.signals import (
    RequestInfo,
    access_denied,
    access_granted,
    token_rejected,
)
from desktop_auth.resource.verifier import TokenVerifier

log = logging.getLogger(__name__)

#: The attribute of ``app.state`` where ``install`` keeps the verifier.
STATE_VERIFIER = "desktop_auth_verifier"
# ASGI scope keys of one request: the signals to send after its response, its principal.
_PENDING = "desktop_auth.pending_signals"
_PRINCIPAL = "desktop_auth.principal"

# A signal waiting to be sent: the signal, its receivers when it was sent, sender, arguments.
_Pending = tuple[NamedSignal, list[Any], Any, dict[str, Any]]

# Deliveries of requests that failed with an exception (500) run as tasks of their own; the
# loop keeps only weak references to tasks.
_orphans: set[asyncio.Task[None]] = set()


def install(app: FastAPI, verifier: TokenVerifier) -> None:
    """Make ``verifier`` the one that checks ``app``'s requests, answer an AccessError raised
    in a path operation (``verifier.authorize(principal, ...)``) as the API's refusal, and
    send the signals after each response. Call it where the app is built, before it starts."""
    setattr(app.state, STATE_VERIFIER, verifier)
    app.add_exception_handler(AccessError, _refusal)
    app.add_middleware(_SignalsAfterResponse)


def current_verifier(request: Request) -> TokenVerifier:
    """The verifier ``install`` gave the request's app; RuntimeError when there is none."""
    verifier = getattr(request.app.state, STATE_VERIFIER, None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError(
            "No TokenVerifier for this app: call desktop_auth.resource.fastapi.install(app, "
            "verifier) first."
        )
    return verifier


async def _refusal(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AccessError)  # registered for AccessError only
    return JSONResponse(
        error.response_body(),
        status_code=error.status,
        headers=error.response_headers(current_verifier(request).realm),
    )


class DesktopAuthBearer(SecurityBase):
    """The dependency ``require_permission`` gives: an HTTP bearer security scheme (named
    ``scheme_name`` in the OpenAPI schema) that returns the request's ``Principal`` when its
    token is valid and grants ``permission`` (None: any valid token), else raises the
    AccessError that ``install``'s handler answers.

    Several in one request (a router's and a path operation's) verify the token once; each
    checks, and signals, its own permission.
    """

    def __init__(
        self,
        permission: str | None = None,
        *,
        scheme_name: str = "DesktopAuthBearer",
        description: str | None = "An access token from the desktop app's identity server.",
    ) -> None:
        self.permission = permission
        self.model = HTTPBearerModel(description=description)
        self.scheme_name = scheme_name

    async def __call__(self, request: Request) -> Principal:
        verifier = current_verifier(request)
        pending: list[_Pending] | None = request.scope.get(_PENDING)
        if pending is None:
            raise RuntimeError(
                "desktop_auth.resource.fastapi.install(app, verifier) adds the middleware "
                "that sends the access signals: install it on the app that serves this route."
            )

        def send(signal: NamedSignal, sender: Any, **kwargs: Any) -> None:
            receivers = list(signal.receivers_for(sender)) if signal.receivers else []
            if receivers:
                pending.append((signal, receivers, sender, kwargs))

        info = RequestInfo(
            request.method,
            request.url.path,
            request.client.host if request.client else None,
            "fastapi",
        )
        principal: Principal | None = request.scope.get(_PRINCIPAL)
        if principal is not None:
            authorize_request(
                verifier, principal, self.permission, sender=request.app, request=info, send=send
            )
            return principal
        # Two Authorization headers are joined as a WSGI server joins them, so that the
        # verifier refuses them (400) rather than reading the first alone.
        authorization = ", ".join(request.headers.getlist("Authorization")) or None
        # Verifying may fetch the issuer's keys or introspect: never on the event loop.
        principal = await run_in_threadpool(
            check_request,
            verifier,
            authorization,
            self.permission,
            sender=request.app,
            request=info,
            send=send,
        )
        request.scope[_PRINCIPAL] = principal
        return principal

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.permission!r})"


def require_permission(permission: str | None = None) -> DesktopAuthBearer:
    """A dependency for a valid bearer token whose user has ``permission`` (None: any valid
    token); ``Depends(require_permission(...))`` gives the ``Principal``."""
    return DesktopAuthBearer(permission)


class _SignalsAfterResponse:
    """ASGI middleware (``install`` adds it) that sends the signals a request's checks queued
    once its response has gone out: after a refusal, an ``HTTPException`` or a validation
    error as much as after a success."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending: list[_Pending] = []
        scope[_PENDING] = pending
        try:
            await self.app(scope, receive, send)
        except BaseException:
            # The server answers 500 once the exception leaves: not after the receivers.
            if pending:
                task = asyncio.get_running_loop().create_task(_deliver(pending))
                _orphans.add(task)
                task.add_done_callback(_orphans.discard)
            raise
        await _deliver(pending)


async def _deliver(pending: list[_Pending]) -> None:
    """Each queued signal's receivers in turn: ``async def`` ones awaited here, on the app's
    loop; the others in the threadpool (they may block). Failures are logged."""
    for signal, receivers, sender, kwargs in pending:
        for receiver in receivers:
            try:
                if _is_async(receiver):
                    await receiver(sender, **kwargs)
                else:
                    result = await run_in_threadpool(receiver, sender, **kwargs)
                    if inspect.isawaitable(result):
                        await result
            except Exception:
                log.exception(
                    "receiver %s of the %s signal failed",
                    getattr(receiver, "__qualname__", receiver),
                    signal.name,
                )


def _is_async(receiver: Any) -> bool:
    return inspect.iscoroutinefunction(receiver) or inspect.iscoroutinefunction(
        getattr(receiver, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


__all__ = [
    "STATE_VERIFIER",
    "DesktopAuthBearer",
    "access_denied",
    "access_granted",
    "current_verifier",
    "install",
    "require_permission",
    "token_rejected",
]
