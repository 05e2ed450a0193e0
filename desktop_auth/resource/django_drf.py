"""Django REST framework classes: bearer-token authentication and a permission check.

Needs Django REST framework besides ``desktop-auth[django]``, and the ``DESKTOP_AUTH_RESOURCE``
setting (``desktop_auth.resource.django``)::

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "desktop_auth.resource.django_drf.BearerTokenAuthentication",
        ],
    }

    class Documents(APIView):
        permission_classes = [HasPermission("documents.write")]   # or:
        # permission_classes = [HasPermission]; required_permission = "documents.write"

``request.user`` is then a ``PrincipalUser`` (no database row) and ``request.auth`` the
``Principal``. Refusals keep DRF's own body (``{"detail": ...}``) but carry RFC 6750's
``WWW-Authenticate``: 401 with a bare challenge without a token (put this class first among the
authentication classes: DRF asks the first for its challenge) and with ``invalid_token`` for a
bad one, 403 ``insufficient_scope``, 400 ``invalid_request``; 503 when the issuer cannot be
asked. ``HasPermission`` raises rather than returning False, so that its 401 and 403 carry their
challenge: combine it with ``&``, not ``|``. Signals come from the view's class.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import exceptions  # type: ignore[import-untyped]
from rest_framework.authentication import BaseAuthentication  # type: ignore[import-untyped]
from rest_framework.permissions import BasePermission  # type: ignore[import-untyped]

from desktop_auth.resource.django import check_permission, get_verifier, verified
from desktop_auth.resource.errors import AccessError, MissingToken
from desktop_auth.resource.principal import Principal


class PrincipalUser:
    """``request.user`` for a bearer token's caller: the Principal, with the attributes Django
    and DRF expect of a user, and no database row (``pk`` is None). ``has_perm`` asks the
    permissions policy (``"documents.write"``)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def username(self) -> str:
        return self.principal.username

    def get_username(self) -> str:
        return self.principal.username

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.principal.allows(perm)

    def has_perms(self, perm_list: Iterable[str], obj: object = None) -> bool:
        return all(self.principal.allows(perm) for perm in perm_list)

    def __str__(self) -> str:
        return self.principal.username

    def __repr__(self) -> str:
        return f"PrincipalUser({self.principal!r})"


class BearerTokenError(exceptions.APIException):  # type: ignore[misc]
    """An AccessError as DRF answers it: DRF's body, the error's status, and its
    ``WWW-Authenticate`` (DRF's exception handler sends ``auth_header``) except for a 503."""

    def __init__(self, error: AccessError) -> None:
        super().__init__(
            error.response_body()["error_description"], error.error or error.body_error
        )
        self.status_code = error.status
        if error.status != 503:
            self.auth_header = error.www_authenticate(get_verifier().realm)


def _sender(request: Any) -> Any:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    return type(view) if view is not None else BearerTokenAuthentication


class BearerTokenAuthentication(BaseAuthentication):  # type: ignore[misc]
    """Authenticates a request by its bearer token (the middleware's result when it ran);
    a request without one is left to the other authentication classes."""

    def authenticate(self, request: Any) -> tuple[PrincipalUser, Principal] | None:
        found = verified(request._request, _sender(request))
        if isinstance(found, MissingToken):
            return None
        if isinstance(found, AccessError):
            raise BearerTokenError(found)
        return PrincipalUser(found), found

    def authenticate_header(self, request: Any) -> str:
        return MissingToken().www_authenticate(get_verifier().realm)


class HasPermission(BasePermission):  # type: ignore[misc]
    """Lets a request through when its bearer token's user has ``permission``, or else the
    view's ``required_permission`` (None for both: any valid token).

    Listed as a class or an instance: ``permission_classes = [HasPermission("reports.view")]``.
    """

    def __init__(self, permission: str | None = None) -> None:
        self.permission = permission

    def __call__(self, *args: Any, **kwargs: Any) -> HasPermission:
        # DRF instantiates what permission_classes lists; an instance stands for itself.
        return self

    def has_permission(self, request: Any, view: Any) -> bool:
        permission = self.permission
        if permission is None:
            permission = getattr(view, "required_permission", None)
        try:
            check_permission(request._request, permission, sender=type(view))
        except AccessError as exc:
            raise BearerTokenError(exc) from None
        return True


__all__ = ["BearerTokenAuthentication", "BearerTokenError", "HasPermission", "PrincipalUser"]
