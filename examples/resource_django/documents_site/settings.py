"""Settings of a Django API that accepts the desktop app's tokens (desktop_auth.resource.django).

Only what the example needs: no database, no admin, no sessions. The issuer comes from the
environment: DESKTOP_AUTH_ISSUER (required), DESKTOP_AUTH_AUDIENCE and DESKTOP_AUTH_PERMISSIONS.
"""

import os
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

# Nothing in this example is signed with it; set DJANGO_SECRET_KEY in production.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", *os.environ.get("DJANGO_ALLOWED_HOSTS", "").split()]

INSTALLED_APPS = ["rest_framework", "documents"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Verifies a bearer token once per request and sets request.principal.
    "desktop_auth.resource.django.BearerTokenMiddleware",
]
ROOT_URLCONF = "documents_site.urls"
WSGI_APPLICATION = "documents_site.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

DESKTOP_AUTH_RESOURCE = {
    # The identity server the desktop app signs in to; "audience" is what its access tokens'
    # "aud" holds (the bundled server puts the desktop app's client id there).
    "issuers": [
        {
            "url": os.environ["DESKTOP_AUTH_ISSUER"],
            "audience": os.environ.get("DESKTOP_AUTH_AUDIENCE", "desktop-auth"),
        }
    ],
    # The same roles-to-permissions policy as the desktop app (None: the bundled one).
    "permissions": os.environ.get("DESKTOP_AUTH_PERMISSIONS"),
    "realm": "documents",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "desktop_auth.resource.django_drf.BearerTokenAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # No django.contrib.auth here: a request without a token has no user at all.
    "UNAUTHENTICATED_USER": None,
}

# Where the example's receivers write each decision (documents/receivers.py).
AUDIT_LOG = Path(os.environ.get("AUDIT_LOG", BASE_DIR / "audit.jsonl"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
}
