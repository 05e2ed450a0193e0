"""The test project's URLs: the routes every framework's test API has (tests/resource/
api_contract.py), and some of Django's own."""

from django.urls import include, path

from desktop_auth.resource.django import protect
from tests.resource.django_project import views

urlpatterns = [
    path("me", views.me),
    path("me-async", views.me_async),
    path("slow", views.slow),
    path("public", views.public),
    path("documents", views.Documents.as_view()),
    path("documents/<int:number>", views.delete_document),
    path("reports/", include(protect([path("", views.Reports.as_view())], "reports.view"))),
    path("api/reports", views.ApiReports.as_view()),
    path("api/documents", views.ApiDocuments.as_view()),
]
