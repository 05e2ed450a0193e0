"""The API's views: each runs only for a bearer token whose user has the permission it names."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from desktop_auth.resource.django import require_permission
from desktop_auth.resource.django_drf import HasPermission

DOCUMENTS: list[dict[str, Any]] = [{"id": 1, "title": "Welcome"}]


# A bearer token cannot be sent by another site's form: no CSRF check for the API.
@method_decorator(csrf_exempt, name="dispatch")
class DocumentList(View):
    @method_decorator(require_permission("documents.read"))
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"documents": DOCUMENTS})

    @method_decorator(require_permission("documents.write"))
    def post(self, request: HttpRequest) -> JsonResponse:
        document = {"id": len(DOCUMENTS) + 1, "title": "New", "author": request.principal.username}
        DOCUMENTS.append(document)
        return JsonResponse(document, status=201)


def report_list(request: HttpRequest) -> JsonResponse:
    """Behind protect(..., "reports.view") in urls.py."""
    return JsonResponse({"reports": [], "viewer": request.principal.username})


class Profile(APIView):
    """Django REST framework: request.user is the token's user (no database row)."""

    permission_classes = (HasPermission,)
    required_permission = "documents.read"

    def get(self, request: Request) -> Response:
        principal = request.auth
        return Response(
            {
                "username": request.user.username,
                "roles": sorted(principal.roles),
                "may_write": request.user.has_perm("documents.write"),
            }
        )
