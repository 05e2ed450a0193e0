"""Settings of a Django site that receives the desktop-auth identity server's webhooks.

Only what the example needs: no database, no admin, no sessions. Secrets come from the
environment, never from this file.
"""

import os
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

# Nothing in this example is signed with it; set DJANGO_SECRET_KEY in production.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", *os.environ.get("DJANGO_ALLOWED_HOSTS", "").split()]

INSTALLED_APPS = ["sign_ins"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "webhook_site.urls"
WSGI_APPLICATION = "webhook_site.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

# The event ids already handled, to drop the server's retries of them. Per process here; use a
# shared cache (Redis, Memcached) or a table with a unique id when several processes serve.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# What `desktop-auth-server --data-dir DIR webhook add URL` printed ("Signing secret").
DESKTOP_AUTH_WEBHOOK_SECRET = os.environ["DESKTOP_AUTH_WEBHOOK_SECRET"]
# Signatures older than this (or this far in the future) are refused: a replayed request.
DESKTOP_AUTH_WEBHOOK_MAX_AGE_S = 300

# Where the example's receiver writes who signed in (sign_ins/receivers.py).
SIGN_IN_LOG = Path(os.environ.get("SIGN_IN_LOG", BASE_DIR / "sign-ins.jsonl"))
