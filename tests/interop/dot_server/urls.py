"""DOT mounted under /o/, as its documentation does: the issuer is http://HOST:PORT/o."""

from django.urls import include, path

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
