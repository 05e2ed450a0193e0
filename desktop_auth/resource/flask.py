"""Flask integration: protect views and blueprints with the desktop app's tokens and policy.

Needs ``pip install desktop-auth[flask]``::

    app = Flask(__name__)
    init_app(app, TokenVerifier(Issuer("https://id.example.com", "desktop-auth")))

    @app.post("/documents")
    @require_permission("documents.write")
    def create_document():
        return {"created_by": g.principal.username}

    protect(reports_blueprint, "reports.view")   # every view of the blueprint

A refused request gets the verifier's RFC 6750 answer as JSON (``{"error": ...,
"error_description": ...}``) with its ``WWW-Authenticate`` header: 401 without or with a bad
token, 400 for a malformed header, 403 without the permission, 503 when the issuer cannot be
asked. Each check sends ``access_granted``, ``access_denied`` or ``token_rejected`` (the
signals of ``desktop_auth.resource.signals``) from the app, off the request path.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

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

# Not "desktop_auth": the bundled identity server keeps its own state under that name, and
# an API may share its app.
EXTENSION = "desktop_auth.resource"
_PUBLIC = "_desktop_auth_public"

View = TypeVar("View", bound=Callable[..., Any])


def init_app(app: Flask, verifier: TokenVerifier) -> None:
    """Make ``verifier`` the one that checks ``app``'s requests, and answer an AccessError
    raised in a view (``verifier.authorize(g.principal, ...)``) as the API's refusal."""
    app.extensions[EXTENSION] = verifier
    app.register_error_handler(AccessError, _refusal)


def current_verifier() -> TokenVerifier:
    """The verifier ``init_app`` gave the current app; RuntimeError when there is none."""
    verifier = current_app.extensions.get(EXTENSION)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError(
            "No TokenVerifier for this app: call desktop_auth.resource.flask.init_app(app, "
            "verifier) first."
        )
    return verifier


def _request_info() -> RequestInfo:
    return RequestInfo(request.method, request.path, request.remote_addr, "flask")


def _refusal(error: AccessError) -> Response:
    response = jsonify(error.response_body())
    response.status_code = error.status
    response.headers.update(error.response_headers(current_verifier().realm))
    return response


def _check(permission: str | None) -> Response | None:
    """None when the request may go on (``g.principal`` set), else the refusal to answer.

    A principal the blueprint's hook already verified in this request is reused, so only the
    view's own permission is checked (and signalled) again.
    """
    verifier = current_verifier()
    sender = current_app._get_current_object()  # type: ignore[attr-defined]
    info = _request_info()
    try:
        principal: Principal | None = g.get("principal")
        if principal is None:
            authorization = request.headers.get("Authorization")
            g.principal = check_request(
                verifier, authorization, permission, sender=sender, request=info
            )
        else:
            authorize_request(verifier, principal, permission, sender=sender, request=info)
    except AccessError as exc:
        return _refusal(exc)
    return None


def require_permission(permission: str | None = None) -> Callable[[View], View]:
    """Decorate a view so that it runs only for a valid bearer token whose user has
    ``permission`` (None: any valid token), with the principal in ``flask.g.principal``.
    Works for ``async def`` views too."""

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def checked_async(*args: Any, **kwargs: Any) -> Any:
                refused = _check(permission)
                return refused if refused is not None else await view(*args, **kwargs)

            return cast(View, checked_async)

        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            refused = _check(permission)
            return refused if refused is not None else view(*args, **kwargs)

        return cast(View, checked)

    return decorate


def public(view: View) -> View:
    """Exempt a view from ``protect``'s check (a health check in a protected blueprint)."""
    setattr(view, _PUBLIC, True)
    return view


def protect(target: Flask | Blueprint, permission: str | None = None) -> None:
    """Check every request to ``target`` (an app or a blueprint) before its view runs, as
    ``require_permission(permission)`` would, except for views marked ``public`` and
    ``OPTIONS`` requests (CORS preflights, which carry no credentials)."""

    def check_before_request() -> Response | None:
        # A CORS preflight never carries credentials; Flask answers it without the view.
        if request.method == "OPTIONS":
            return None
        view = current_app.view_functions.get(request.endpoint or "")
        if view is None or getattr(view, _PUBLIC, False):
            return None  # 404s and public views answer as they would anyway
        return _check(permission)

    target.before_request(check_before_request)


__all__ = [
    "EXTENSION",
    "access_denied",
    "access_granted",
    "current_verifier",
    "init_app",
    "protect",
    "public",
    "require_permission",
    "token_rejected",
]
