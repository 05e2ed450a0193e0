"""Settings of the Django project the Django integration's tests serve (``runserver``).

From the environment: DJANGO_API_RESOURCE (the DESKTOP_AUTH_RESOURCE setting as JSON),
DJANGO_API_SIGNAL_LOG (the file the receivers append to) and DJANGO_API_MIDDLEWARE ("0": without
BearerTokenMiddleware, the decorator verifying on its own).
"""

from __future__ import annotations

import json
import os
import secrets

SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "tests.resource.django_project.urls"
DATABASES: dict[str, dict[str, str]] = {}

INSTALLED_APPS = ["rest_framework", "tests.resource.django_project.apps.ApiTestConfig"]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
if os.environ.get("DJANGO_API_MIDDLEWARE", "1") == "1":
    MIDDLEWARE.append("desktop_auth.resource.django.BearerTokenMiddleware")

DESKTOP_AUTH_RESOURCE = json.loads(os.environ["DJANGO_API_RESOURCE"])
SIGNAL_LOG = os.environ["DJANGO_API_SIGNAL_LOG"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "desktop_auth.resource.django_drf.BearerTokenAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
}
