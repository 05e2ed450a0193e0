"""URLs: documents (a view per permission), reports (one permission for the whole group), and a
Django REST framework view."""

from django.urls import include, path
from documents import views

from desktop_auth.resource.django import protect

urlpatterns = [
    path("documents", views.DocumentList.as_view()),
    path("reports/", include(protect([path("", views.report_list)], "reports.view"))),
    path("api/profile", views.Profile.as_view()),
]
