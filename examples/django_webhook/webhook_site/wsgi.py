"""WSGI entry for production servers (gunicorn webhook_site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webhook_site.settings")
application = get_wsgi_application()
