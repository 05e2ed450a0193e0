"""A small documents-and-reports API, protected each way the Django integration offers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from desktop_auth.resource import Principal
from desktop_auth.resource.django import check_permission, require_permission
from desktop_auth.resource.django_drf import HasPermission, PrincipalUser


def principal_json(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "username": principal.username,
        "issuer": principal.issuer,
        "roles": sorted(principal.roles),
        "permissions": sorted(principal.permissions),
    }


@require_permission()
def me(request: HttpRequest) -> JsonResponse:
    return JsonResponse(principal_json(request.principal))


@require_permission("documents.read")
async def me_async(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"async": True, **principal_json(request.principal)})


@require_permission()
def slow(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"username": request.principal.username})


def public(request: HttpRequest) -> JsonResponse:
    """Not protected: the middleware's principal, if any, and no refusal for a bad token."""
    principal = getattr(request, "principal", None)
    return JsonResponse({"principal": None if principal is None else principal.username})


@require_permission()
def delete_document(request: HttpRequest, number: int) -> JsonResponse:
    # A check inside the view: the AccessError it raises is answered like the decorator's.
    check_permission(request, "documents.delete", sender=delete_document)
    return JsonResponse({"deleted": number})


@method_decorator(csrf_exempt, name="dispatch")
class Documents(View):
    @method_decorator(require_permission("documents.read"))
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"documents": [], "reader": request.principal.username})

    @method_decorator(require_permission("documents.write"))
    def post(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"created_by": request.principal.username}, status=201)


class Reports(View):
    """Behind protect(..., "reports.view") in urls.py; writing needs reports.write as well."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"reports": [], "viewer": request.principal.username})

    @method_decorator(require_permission("reports.write"))
    def post(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"created_by": request.principal.username})


class ApiReports(APIView):
    permission_classes = (HasPermission("reports.view"),)

    def get(self, request: Request) -> Response:
        assert isinstance(request.user, PrincipalUser)
        return Response(
            {
                "viewer": request.user.username,
                "auth_is_principal": isinstance(request.auth, Principal),
                "may_write": request.user.has_perm("reports.write"),
            }
        )


class ApiDocuments(APIView):
    permission_classes = (HasPermission,)
    required_permission = "documents.write"

    def post(self, request: Request) -> Response:
        return Response({"created_by": request.user.username}, status=201)
