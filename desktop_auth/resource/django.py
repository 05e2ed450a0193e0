"""Django integration: protect views with the desktop app's tokens and policy, and Django signals.

Needs ``pip install desktop-auth[django]``. In the settings::

    MIDDLEWARE = [..., "desktop_auth.resource.django.BearerTokenMiddleware"]
    DESKTOP_AUTH_RESOURCE = {
        "issuers": [{"url": "https://id.example.com", "audience": "desktop-auth"}],
        "permissions": BASE_DIR / "permissions.toml",   # optional; the bundled policy if absent
        "realm": "documents",                            # optional, and any TokenVerifier option
    }

and in the views::

    @require_permission("documents.write")
    def create_document(request):
        return JsonResponse({"created_by": request.principal.username})

    @method_decorator(require_permission("reports.view"), name="dispatch")
    class ReportsView(View): ...

The middleware verifies a request's bearer token, if it has one, once, and sets
``request.principal`` (a ``Principal``, or None without a valid token); a view that does not ask
for a permission is not refused for a bad token. ``require_permission`` answers a refusal as JSON
(``{"error": ..., "error_description": ...}``) with its RFC 6750 ``WWW-Authenticate`` header and
``Cache-Control: no-store``: 401 without or with a bad token, 400 for a malformed header, 403
without the permission, 503 when the issuer cannot be asked. Django REST framework's classes are
in ``desktop_auth.resource.django_drf``.

The Django signals ``access_granted``, ``access_denied`` and ``token_rejected`` below are sent
with the same sender and arguments as the core's blinker signals of those names (both fire for
a Django request), in the core's worker threads, so a slow ``@receiver`` never delays a response.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from blinker import ANY, NamedSignal
from django.conf import settings  # type: ignore[import-untyped]
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.core.signals import setting_changed  # type: ignore[import-untyped]
from django.db import close_old_connections  # type: ignore[import-untyped]
from django.dispatch import Signal  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.urls import URLPattern, URLResolver  # type: ignore[import-untyped]

from desktop_auth.permissions import policy_from
from desktop_auth.resource import signals as core_signals
from desktop_auth.resource.access import authorize_request
from desktop_auth.resource.errors import AccessError, MissingToken
from desktop_auth.resource.issuer import Issuer
from desktop_auth.resource.principal import Principal
from desktop_auth.resource.signals import RequestInfo, send_later
from desktop_auth.resource.verifier import TokenVerifier

log = logging.getLogger(__name__)

SETTING = "DESKTOP_AUTH_RESOURCE"
FRAMEWORK = "django"
# Where a request keeps what its bearer token was found to be: a Principal or an AccessError.
_VERIFIED = "_desktop_auth_verified"

View = TypeVar("View", bound=Callable[..., Any])

# Sent with principal (Principal), permission (str | None) and request (RequestInfo).
access_granted = Signal()
# Sent with principal (Principal), permission (str) and request (RequestInfo): a 403.
access_denied = Signal()
# Sent with error (AccessError) and request (RequestInfo): any other refusal.
token_rejected = Signal()


# --- configuration ---------------------------------------------------------------------------

_ISSUER_KEYS: dict[str, type | tuple[type, ...]] = {
    "url": str,
    "audience": str,
    "jwks_uri": str,
    "introspection_endpoint": str,
    "client_id": str,
    "client_secret": str,
    "algorithms": (list, tuple),
    "token_type": str,
}
_NUMBER = (int, float)
_OPTION_KEYS: dict[str, type | tuple[type, ...]] = {
    "roles_claim": str,
    "leeway": _NUMBER,
    "introspection_cache_seconds": _NUMBER,
    "jwks_refetch_interval": _NUMBER,
    "jwks_max_age": _NUMBER,
    "ca_bundle": (str, Path),
    "timeout": _NUMBER,
    "realm": str,
}


def _checked_keys(
    where: str, given: Mapping[str, Any], known: Mapping[str, type | tuple[type, ...]]
) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ImproperlyConfigured(
            f"{where} has unknown keys {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(map(repr, known))})."
        )
    for key, value in given.items():
        expected = known[key]
        if isinstance(value, bool) or not isinstance(value, expected):
            names = " or ".join(
                kind.__name__ for kind in (expected if isinstance(expected, tuple) else (expected,))
            )
            raise ImproperlyConfigured(
                f"{where}[{key!r}] must be a {names}, not {type(value).__name__}."
            )


def _issuer_from(index: int, config: object) -> Issuer:
    where = f"{SETTING}['issuers'][{index}]"
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(f"{where} must be a dict, not {type(config).__name__}.")
    _checked_keys(where, config, _ISSUER_KEYS)
    missing = [key for key in ("url", "audience") if key not in config]
    if missing:
        raise ImproperlyConfigured(f"{where} needs {' and '.join(map(repr, missing))}.")
    options = dict(config)
    if "algorithms" in options:
        options["algorithms"] = tuple(options["algorithms"])
    try:
        return Issuer(options.pop("url"), options.pop("audience"), **options)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{where}: {exc}") from exc


def verifier_from_settings(config: object) -> TokenVerifier:
    """The TokenVerifier the ``DESKTOP_AUTH_RESOURCE`` setting ``config`` describes;
    ImproperlyConfigured naming what is missing or wrong."""
    if config is None:
        raise ImproperlyConfigured(
            f"Set {SETTING} = {{'issuers': [{{'url': ..., 'audience': ...}}]}} in the Django "
            "settings to protect views with desktop_auth.resource.django."
        )
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(f"{SETTING} must be a dict, not {type(config).__name__}.")
    options = dict(config)
    issuers = options.pop("issuers", None)
    if not isinstance(issuers, list | tuple) or not issuers:
        raise ImproperlyConfigured(
            f"{SETTING}['issuers'] must be a non-empty list of "
            "{'url': ..., 'audience': ...} dicts, one per trusted issuer."
        )
    permissions = options.pop("permissions", None)
    _checked_keys(SETTING, options, _OPTION_KEYS)
    trusted = [_issuer_from(index, issuer) for index, issuer in enumerate(issuers)]
    try:
        policy = policy_from(permissions)
    except (OSError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{SETTING}['permissions']: {exc}") from exc
    try:
        return TokenVerifier(trusted, permissions=policy, **options)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{SETTING}: {exc}") from exc


class _ProcessVerifier:
    """The one verifier of this process, built from the settings when first needed (again in
    a forked child, which must not share the parent's connections, and after the setting
    changed, as ``override_settings`` does in tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verifier: TokenVerifier | None = None
        self._pid: int | None = None

    def get(self) -> TokenVerifier:
        with self._lock:
            if self._verifier is None or self._pid != os.getpid():
                self._verifier = verifier_from_settings(getattr(settings, SETTING, None))
                self._pid = os.getpid()
            return self._verifier

    def reset(self) -> None:
        with self._lock:
            if self._verifier is not None and self._pid == os.getpid():
                self._verifier.close()
            self._verifier = None


_process_verifier = _ProcessVerifier()


def get_verifier() -> TokenVerifier:
    """The TokenVerifier this process builds from the ``DESKTOP_AUTH_RESOURCE`` setting."""
    return _process_verifier.get()


def _setting_changed(setting: str, **kwargs: Any) -> None:
    if setting == SETTING:
        _process_verifier.reset()


setting_changed.connect(_setting_changed, dispatch_uid="desktop_auth.resource.django")


# --- checking requests -----------------------------------------------------------------------


def request_info(request: HttpRequest) -> RequestInfo:
    """What the signals say of ``request``: never its headers, body or token."""
    return RequestInfo(
        request.method or "", request.path, request.META.get("REMOTE_ADDR"), FRAMEWORK
    )


def refusal(error: AccessError) -> HttpResponse:
    """The RFC 6750 answer to ``error``: its JSON body, status and headers."""
    return JsonResponse(
        error.response_body(),
        status=error.status,
        headers=error.response_headers(get_verifier().realm),
    )


def verified(request: HttpRequest, sender: Any) -> Principal | AccessError:
    """What ``request``'s bearer token is, verified once per request: its Principal, or why
    there is none (MissingToken without a bearer token). Sets ``request.principal``.

    A rejected token is signalled (``token_rejected`` from ``sender``) here, once; a missing
    one only by whoever needs a token.
    """
    found: Principal | AccessError | None = getattr(request, _VERIFIED, None)
    if found is None:
        try:
            found = get_verifier().authenticate(request.headers.get("Authorization"))
        except AccessError as exc:
            found = exc
            if not isinstance(exc, MissingToken):
                send(core_signals.token_rejected, sender, error=exc, request=request_info(request))
        setattr(request, _VERIFIED, found)
        request.principal = found if isinstance(found, Principal) else None
    return found


def check_permission(request: HttpRequest, permission: str | None, *, sender: Any) -> Principal:
    """The principal of ``request`` when it may have ``permission`` (None: any valid token);
    else the AccessError to answer. Sends the signals, each refusal once."""
    found = verified(request, sender)
    if isinstance(found, MissingToken):
        send(core_signals.token_rejected, sender, error=found, request=request_info(request))
    if isinstance(found, AccessError):
        raise found
    authorize_request(
        get_verifier(), found, permission, sender=sender, request=request_info(request), send=send
    )
    return found


class BearerTokenMiddleware:
    """Verifies the bearer token of every request that has one and sets ``request.principal``
    (None without a valid token); answers an AccessError a view raises as ``require_permission``
    would. Signals a rejected token as ``token_rejected`` from this class."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        get_verifier()  # a wrong setting shows when the server starts, not at the first request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        verified(request, type(self))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AccessError):
            return refusal(exception)
        return None


def _sender_of(view: Callable[..., Any]) -> Any:
    """The view a signal comes from: the function, or the class of a class-based view (its
    ``as_view()``, or a method ``method_decorator`` gave us as a partial of the bound method)."""
    view_class = getattr(view, "view_class", None)
    if isinstance(view_class, type):
        return view_class
    owner = getattr(getattr(view, "func", None), "__self__", None)
    return type(owner) if isinstance(view, functools.partial) and owner is not None else view


def _csrf_exempt(checked: Callable[..., Any]) -> Callable[..., Any]:
    # Only a bearer token gets through, and a cross-site form cannot send one: CSRF cannot
    # act for the user here (as DRF exempts its API views). A class-based view's own
    # dispatch() still needs csrf_exempt.
    checked.csrf_exempt = True  # type: ignore[attr-defined]
    return checked


def require_permission(permission: str | None = None) -> Callable[[View], View]:
    """Decorate a view (``async def`` too; a class-based one through ``method_decorator``) so
    that it runs only for a valid bearer token whose user has ``permission`` (None: any valid
    token), with the principal in ``request.principal``. An AccessError the view raises is
    answered too. Signals come from the view function, or the class-based view's class.
    The view is exempt from CSRF checks (it needs a bearer token, which no other site's form
    can send)."""
    if callable(permission):
        raise TypeError("Use @require_permission() or @require_permission('permission.name').")

    def decorate(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def checked_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                try:
                    await sync_to_async(check_permission)(
                        request, permission, sender=_sender_of(view)
                    )
                    return await view(request, *args, **kwargs)
                except AccessError as exc:
                    return refusal(exc)

            return cast(View, _csrf_exempt(checked_async))

        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                check_permission(request, permission, sender=_sender_of(view))
                return view(request, *args, **kwargs)
            except AccessError as exc:
                return refusal(exc)

        return cast(View, _csrf_exempt(checked))

    return decorate


def protect(
    urlpatterns: Iterable[URLPattern | URLResolver], permission: str | None = None
) -> list[URLPattern | URLResolver]:
    """``urlpatterns`` (included ones too) with every view behind
    ``require_permission(permission)``, for a group of URLs that all need it::

        path("reports/", include(protect([path("", ReportList.as_view())], "reports.view")))

    A view may ask for more with its own ``require_permission``: the token is verified once.
    """
    protected: list[URLPattern | URLResolver] = []
    for entry in urlpatterns:
        if isinstance(entry, URLResolver):
            protected.append(
                URLResolver(
                    entry.pattern,
                    protect(entry.url_patterns, permission),
                    entry.default_kwargs,
                    entry.app_name,
                    entry.namespace,
                )
            )
        else:
            checked = require_permission(permission)(entry.callback)
            protected.append(URLPattern(entry.pattern, checked, entry.default_args, entry.name))
    return protected


# --- the Django signals, sent beside the core's ---------------------------------------------

_DJANGO_SIGNALS = {
    core_signals.access_granted: access_granted,
    core_signals.access_denied: access_denied,
    core_signals.token_rejected: token_rejected,
}
# Carries a Django signal's sending to the core's worker threads (send_later's only receiver).
_relay = NamedSignal("desktop_auth.resource.django")


def send(signal: NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Send the core's ``signal`` (to its blinker receivers) and the Django signal of the same
    name (to its ``@receiver``\\ s), both in the core's worker threads (``send_later``)."""
    send_later(signal, sender, **kwargs)
    django_signal = _DJANGO_SIGNALS[signal]
    if django_signal.has_listeners(sender):
        send_later(_relay, sender, django_signal=django_signal, **kwargs)


@_relay.connect_via(ANY, weak=False)
def _send_django_signal(sender: Any, *, django_signal: Any, **kwargs: Any) -> None:
    """Call ``django_signal``'s receivers, each failure logged. Database connections a receiver
    opens in this thread are closed by Django's rules, as around a request."""
    close_old_connections()
    try:
        for receiver, result in django_signal.send_robust(sender, **kwargs):
            if isinstance(result, Exception):
                log.error(
                    "receiver %s of a desktop_auth.resource.django signal failed",
                    getattr(receiver, "__qualname__", receiver),
                    exc_info=result,
                )
    finally:
        close_old_connections()


__all__ = [
    "FRAMEWORK",
    "SETTING",
    "BearerTokenMiddleware",
    "access_denied",
    "access_granted",
    "check_permission",
    "get_verifier",
    "protect",
    "refusal",
    "request_info",
    "require_permission",
    "send",
    "token_rejected",
    "verified",
    "verifier_from_settings",
]
